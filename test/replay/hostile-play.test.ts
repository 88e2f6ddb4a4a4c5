// While a replay plays: a failure closes 1011 and is reported, unread messages pause the client, nothing spins.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { startEchoServer, startReplay } from '../../src';
import { play, ReplayFailedError, type PlayedClient } from '../../src/replay/player';
import { playEveryConnection } from '../../src/replay/replay-server';
import { RouteClient, type WebSocketRouteLike } from '../../src/replay/route-client';
import { SCRIPT_UNREAD_MAX_BYTES } from '../../src/replay/script-inbox';
import type { RecordedConnection, Transcript } from '../../src/replay/transcript';
import { loggingClient, OPEN, scriptFile } from './scripts';

const HEADER = { 'ws-echo': 'transcript', version: 1, recorded: '', target: 'ws://x/' } as const;

describe('a replayed connection whose line fails when played', () => {
  it('is closed with 1011 "replay failed", and its outcome rejects and is reported', async () => {
    // A transcript built in code skips the file's checks: an invalid RegExp reaches the player.
    const script: RecordedConnection = {
      open: { ...OPEN, event: 'open' },
      steps: [{ c: 1, from: 'c', t: 0, match: 'regexp', text: '(' }],
    };
    const transcript: Transcript = { header: HEADER, connections: [script] };
    const server = await startEchoServer({ port: 0, echo: false });
    const reported: Error[] = [];
    const outcomes = playEveryConnection(server, transcript, { speed: 'max', end: 'close' }, (e) => reported.push(e));
    try {
      const client = loggingClient(server.url);
      client.ws.once('open', () => client.ws.send('hello'));
      expect(await client.closed).toEqual({ code: 1011, reason: 'replay failed' });
      const [outcome] = [...outcomes.values()];
      await expect(outcome).rejects.toBeInstanceOf(ReplayFailedError);
      expect(reported).toHaveLength(1);
      expect(reported[0].message).toMatch(/^#1 replay failed at step 1: Invalid regular expression/);
    } finally {
      await server.close();
    }
  });
});

/** Longest text a regexp line is tried on (64 KiB; match.ts's MAX_REGEXP_INPUT_BYTES). */
const MAX_REGEXP_INPUT_BYTES = 64 * 1024;

describe('a regexp line', () => {
  it(`does not match a message over ${MAX_REGEXP_INPUT_BYTES / 1024} KiB (a RegExp runs whole, holding up all)`, async () => {
    const transcript = scriptFile(
      OPEN,
      { c: 1, from: 'c', t: 0, match: 'regexp', text: '^a+$' },
      { c: 1, from: 's', t: 0, text: 'matched' },
    );
    const replay = await startReplay({ transcript, port: 0, speed: 'max' });
    try {
      const client = loggingClient(replay.url);
      client.ws.once('open', () => client.ws.send('a'.repeat(MAX_REGEXP_INPUT_BYTES + 1)));
      expect((await client.closed).code).toBe(4400);
      expect(client.messages).toEqual([]);
    } finally {
      await replay.close();
    }
  });
});

describe('a replayed client that sends far ahead of its script', () => {
  it('is paused once 1 MiB is unread, and resumed as the script reads: every message is still read in order', async () => {
    const count = 40;
    const transcript = scriptFile(
      OPEN,
      { c: 1, from: 's', t: 600, text: 'reading now' },
      ...Array.from({ length: count }, (_, i) => ({ c: 1, from: 'c', t: 600, text: `${i}`.padEnd(256 * 1024, '.') })),
      { c: 1, from: 's', t: 600, text: 'all read' },
    );
    const replay = await startReplay({ transcript, port: 0 });
    try {
      const client = loggingClient(replay.url, { perMessageDeflate: false });
      client.ws.once('open', () => {
        for (let i = 0; i < count; i++) client.ws.send(`${i}`.padEnd(256 * 1024, '.'));
      });
      const server = await replay.nextConnection();
      await sleep(400); // the script waits for its first line's time; the client has sent 10 MiB
      expect(server.paused).toBe(true);
      const unreadBytes = server.received.reduce((sum, { data }) => sum + data.length, 0);
      expect(unreadBytes).toBeLessThan(SCRIPT_UNREAD_MAX_BYTES + 2 * 256 * 1024 + 64 * 1024);
      expect(await client.messagesUntil(2)).toEqual(['reading now', 'all read']);
      await expect(replay.outcome(server)).resolves.toBeUndefined();
    } finally {
      await replay.close();
    }
  });
});

describe('--replay-end loop with a script that sends and reads nothing', () => {
  it('keeps the connection open without spinning the event loop', async () => {
    const transcript = scriptFile(OPEN, { c: 1, event: 'close', by: 'c', t: 0 });
    const replay = await startReplay({ transcript, port: 0, end: 'loop' });
    const clients = [new WebSocket(replay.url), new WebSocket(replay.url)];
    try {
      await replay.waitForConnections(2);
      const start = performance.eventLoopUtilization();
      await sleep(500);
      expect(performance.eventLoopUtilization(start).utilization).toBeLessThan(0.3);
      expect(clients.every((ws) => ws.readyState === WebSocket.OPEN)).toBe(true);
    } finally {
      for (const ws of clients) ws.close();
      await replay.close();
    }
  });
});

describe("a page's mocked WebSocket at speed max with loop", () => {
  it('is sent at a bounded rate (a mock has no bufferedAmount to wait on)', async () => {
    let sentBytes = 0;
    let closeRoute: ((code?: number, reason?: string) => unknown) | undefined;
    const route: WebSocketRouteLike = {
      url: () => 'ws://page/b',
      send: (message) => void (sentBytes += message.length),
      close: async () => undefined,
      onMessage: () => undefined,
      onClose: (handler) => void (closeRoute = handler),
    };
    const line = { c: 1, from: 's' as const, t: 0, text: 'z'.repeat(64 * 1024) };
    const client: PlayedClient = new RouteClient(1, route);
    const playing = play(client, { open: { ...OPEN, event: 'open' }, steps: [line] }, { speed: 'max', end: 'loop' });
    await sleep(500);
    const sentIn500Ms = sentBytes;
    closeRoute?.(1000, 'done');
    await playing.catch(() => undefined);
    expect(sentIn500Ms).toBeGreaterThan(0);
    expect(sentIn500Ms).toBeLessThan(16 * 1024 * 1024); // paced: about 12.5 MiB a second at most
  });
});
