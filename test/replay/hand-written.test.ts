// Hand-edited transcripts: a JSON-subset line that captures an id the next server line answers with, and a mismatch.
import { writeFileSync } from 'node:fs';
import WebSocket from 'ws';
import { CLOSE_REPLAY_MISMATCH, ReplayMismatchError, startReplay } from '../../src';
import { runClient, scratchFile } from '../helpers/upstream/conversation';

/** A transcript file from its lines (the header first). */
function transcriptOf(...lines: object[]): string {
  const file = scratchFile('hand.jsonl');
  const header = { 'ws-echo': 'transcript', version: 1, recorded: '2026-12-06T00:00:00.000Z', target: 'ws://x/' };
  writeFileSync(file, [header, ...lines].map((line) => JSON.stringify(line)).join('\n') + '\n');
  return file;
}

const open = { c: 1, event: 'open', path: '/feed', protocol: 'v2.chat', extensions: '', headers: {}, at: '' };

describe('a hand-edited transcript', () => {
  it('matches a client line as a JSON subset and answers with the id it captured', async () => {
    const transcript = transcriptOf(
      open,
      { c: 1, from: 'c', t: 0, match: 'json-subset', json: { op: 'hello', id: '$id' } },
      { c: 1, from: 's', t: 5, json: { op: 'welcome', id: '$id' } },
      { c: 1, from: 's', t: 10, text: '{"op":"tick"}' },
      { c: 1, from: 'c', t: 15, match: 'any' },
      { c: 1, event: 'close', by: 's', t: 20, code: 4002, reason: 'scripted' },
    );
    const replay = await startReplay({ transcript, port: 0 });
    try {
      const seen = await runClient(`${replay.url}/feed`, JSON.stringify({ op: 'hello', id: 93, extra: true }));
      expect(seen.protocol).toBe('v2.chat');
      expect(seen.messages.map(({ data }) => data)).toEqual(['{"op":"welcome","id":93}', '{"op":"tick"}']);
      expect(seen.close).toEqual({ code: 4002, reason: 'scripted' });
    } finally {
      await replay.close();
    }
  });

  it('closes a client that sends something else with 4400 and rejects its outcome with the diff', async () => {
    const transcript = transcriptOf(
      open,
      { c: 1, from: 'c', t: 0, text: '{"op":"hello","id":1}' },
      { c: 1, from: 's', t: 5, text: 'welcome' },
    );
    const replay = await startReplay({ transcript, port: 0 });
    try {
      const ws = new WebSocket(`${replay.url}/feed`);
      ws.once('open', () => ws.send('{"op":"hello","id":2}'));
      const [code, reason] = await new Promise<[number, string]>((resolve) =>
        ws.once('close', (closeCode, closeReason) => resolve([closeCode, closeReason.toString()])),
      );
      expect([code, reason]).toEqual([4400, 'replay mismatch']);
      expect(CLOSE_REPLAY_MISMATCH).toBe(4400);
      const error = await replay.outcome(1).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(ReplayMismatchError);
      expect((error as ReplayMismatchError).message).toBe(
        `#1 replay mismatch at ${transcript}:3 (step 1):\n` +
          '  expected: text "{\\"op\\":\\"hello\\",\\"id\\":1}" (match: exact)\n' +
          '  came:     text "{\\"op\\":\\"hello\\",\\"id\\":2}"',
      );
    } finally {
      await replay.close();
    }
  });

  it('names the line and what is wrong with it', async () => {
    const transcript = transcriptOf(open, { c: 1, from: 'c', t: 0, text: 'a', match: 'fuzzy' });
    await expect(startReplay({ transcript, port: 0 })).rejects.toThrow(
      `${transcript}:3: "match" must be one of exact, json-subset, regexp, any, got "fuzzy" (the format: docs/transcripts.md)`,
    );
  });
});
