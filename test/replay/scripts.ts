// Shared by the script tests: a hand-written transcript from its lines, and a ws client that logs what it sees.
import { writeFileSync } from 'node:fs';
import WebSocket from 'ws';
import { scratchFile } from '../helpers/upstream/conversation';

/** The header every script starts with. */
const HEADER = { 'ws-echo': 'transcript', version: 1, recorded: '2026-12-06T00:00:00.000Z', target: 'ws://x/' };

/** Connection 1's open line, path `/`. */
export const OPEN = { c: 1, event: 'open', path: '/', protocol: '', extensions: '', headers: {}, at: '' };

/** A transcript file from its lines (the header is added first). */
export function scriptFile(...lines: object[]): string {
  const file = scratchFile('script.jsonl');
  writeFileSync(file, [HEADER, ...lines].map((line) => JSON.stringify(line)).join('\n') + '\n');
  return file;
}

/** What a logging client saw: each message with its time since the open, and the close. */
export interface Logged {
  ws: WebSocket;
  messages: { data: string; atMs: number }[];
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves once `count` messages have come. */
  messagesUntil(count: number): Promise<string[]>;
}

/** A ws client that logs every message (text, binary as hex) with its time since the open. */
export function loggingClient(url: string, options?: WebSocket.ClientOptions): Logged {
  const ws = new WebSocket(url, options);
  const start = performance.now();
  const messages: Logged['messages'] = [];
  const waits: { count: number; resolve: (texts: string[]) => void }[] = [];
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    messages.push({ data: isBinary ? data.toString('hex') : data.toString(), atMs: performance.now() - start });
    for (const wait of waits.filter(({ count }) => messages.length >= count))
      wait.resolve(messages.slice(0, wait.count).map(({ data: text }) => text));
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const messagesUntil = (count: number): Promise<string[]> =>
    new Promise((resolve) => {
      waits.push({ count, resolve });
      if (messages.length >= count) resolve(messages.slice(0, count).map(({ data }) => data));
    });
  return { ws, messages, closed, messagesUntil };
}
