// An existing recording is not lost by starting the recorder again: a non-empty --out is refused unless --force.
import { readFileSync, writeFileSync } from 'node:fs';
import { startRecorder } from '../../src';
import { runCliToEnd, startCli } from '../helpers/processes/cli';
import { scratchFile } from '../helpers/upstream/conversation';

const KEPT = '{"ws-echo":"transcript","version":1}\n{"c":1,"from":"c","t":0,"text":"hi"}\n';

describe('ws-echo record --out naming an existing transcript', () => {
  it('refuses a non-empty file (exit 2, naming --out and --force) and leaves it as it was', async () => {
    const out = scratchFile('keep.jsonl');
    writeFileSync(out, KEPT);
    const result = await runCliToEnd(['record', '--target', 'ws://127.0.0.1:1', '--out', out, '--port', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`cannot write the transcript ${out}: it exists`);
    expect(result.stderr).toContain('--force');
    expect(result.stderr).toContain('--out');
    expect(readFileSync(out, 'utf8')).toBe(KEPT);
  }, 15_000);

  it('replaces it with --force', async () => {
    const out = scratchFile('keep.jsonl');
    writeFileSync(out, KEPT);
    const recorder = startCli(['record', '--target', 'ws://127.0.0.1:1', '--out', out, '--port', '0', '--force']);
    try {
      await recorder.waitFor(/listening on ws:\/\//);
      recorder.child.kill('SIGTERM');
      expect((await recorder.exited).code).toBe(0);
    } finally {
      recorder.child.kill();
    }
    expect(readFileSync(out, 'utf8')).not.toContain('"text":"hi"');
  }, 15_000);
});

describe('startRecorder({ out }) naming an existing transcript', () => {
  it('rejects a non-empty file unless overwrite: true; an empty one is taken', async () => {
    const out = scratchFile('keep.jsonl');
    writeFileSync(out, KEPT);
    await expect(startRecorder({ target: 'ws://127.0.0.1:1', out, port: 0 })).rejects.toThrow(
      /it exists \(\d+ bytes\); pass overwrite: true/,
    );
    expect(readFileSync(out, 'utf8')).toBe(KEPT);
    const replacing = await startRecorder({ target: 'ws://127.0.0.1:1', out, port: 0, overwrite: true });
    await replacing.close();
    expect(readFileSync(out, 'utf8')).not.toContain('"text":"hi"');
    const empty = scratchFile('empty.jsonl');
    writeFileSync(empty, '');
    const recorder = await startRecorder({ target: 'ws://127.0.0.1:1', out: empty, port: 0 });
    await recorder.close();
    expect(readFileSync(empty, 'utf8')).toContain('"ws-echo":"transcript"');
  });
});
