// The record and replay commands' flag errors: a misspelled flag is named as unknown before a missing required one,
// and replay's --speed is taken as --replay-speed.
import { writeFileSync } from 'node:fs';
import { runCliToEnd, startCli } from '../helpers/processes/cli';
import { scratchFile } from '../helpers/upstream/conversation';

describe('ws-echo record with a misspelled flag', () => {
  it('says the flag is unknown and suggests the right one, before any required option', async () => {
    const result = await runCliToEnd(['record', '--taget', 'ws://127.0.0.1:1', '--out', scratchFile('o.jsonl')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--taget'");
    expect(result.stderr).toContain('--target?');
    expect(result.stderr).not.toContain('required option');
  });

  it('still names a required option left out', async () => {
    const result = await runCliToEnd(['record', '--out', scratchFile('o.jsonl')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error: required option '--target <url>' not specified");
  });
});

describe('ws-echo replay --speed', () => {
  it('is taken as --replay-speed (commander would suggest --seed)', async () => {
    const feed = scratchFile('feed.jsonl');
    writeFileSync(feed, '{"ws-echo":"transcript","version":1}\n{"c":1,"event":"open","path":"/"}\n');
    const child = startCli(['replay', feed, '--port', '0', '--speed', '2']);
    try {
      await child.waitFor(/listening on ws:\/\//);
      child.child.kill('SIGTERM');
      expect((await child.exited).code).toBe(0);
    } finally {
      child.child.kill();
    }
  }, 15_000);
});
