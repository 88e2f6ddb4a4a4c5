// Each per-connection behaviour as a client sees it: one case per parameter, run against a URL however the behaviour
// was chosen (URL, CLI flag, API option).
import type { Socket } from 'node:net';
import type { BehaviourOptions } from '../../src';
import { delayPicker, seededRandom } from '../../src/behaviour/random';
import { connect, upgradeStatus, type TestClient } from './clients';
import { Opcode } from './wire/frames';
import { within } from './probe';
import { expectEcho, openRawClient, type RawClient } from './wire/raw-client';

/** One behaviour: how to ask for it three ways, and what a client must see. */
export interface BehaviourCase {
  /** Query parameters and flags by name; '' for a bare flag (`no-pong`). */
  params: Record<string, string>;
  /** The same as startEchoServer() options. */
  options: BehaviourOptions;
  /** Checks the behaviour on a connection to `url` (which carries the query when the URL chose it). */
  check(url: string): Promise<void>;
}

/** The query string of `params`: `?delay=10&no-pong`. */
export function queryOf(params: Record<string, string>): string {
  return (
    '?' +
    Object.entries(params)
      .map(([name, value]) => (value === '' ? name : `${name}=${encodeURIComponent(value)}`))
      .join('&')
  );
}

/** CLI arguments for `params`: `--delay 10 --no-pong`. */
export function flagsOf(params: Record<string, string>): string[] {
  return Object.entries(params).flatMap(([name, value]) => (value === '' ? [`--${name}`] : [`--${name}`, value]));
}

const rawClients = new Set<RawClient>();

/** A raw client for `url` (its port, path and query); {@link destroyRawClients} ends it. */
export async function rawTo(url: string): Promise<RawClient> {
  const parsed = new URL(url);
  const raw = await openRawClient(Number(parsed.port), { path: parsed.pathname + parsed.search });
  rawClients.add(raw);
  return raw;
}

/** Destroys every raw client {@link rawTo} opened; for an afterEach. */
export function destroyRawClients(): void {
  rawClients.forEach((raw) => raw.destroy());
  rawClients.clear();
}

/**
 * How the server ended TCP: `reset` (RST) or `fin`. A client that still has unread data when
 * an RST arrives may read it as an end of stream (Linux reports EOF before the error), so the
 * end alone does not tell; a write after it does: after a FIN the socket may still send (the
 * write succeeds), after an RST it fails. Call before the end arrives.
 */
export function howTcpEnds(socket: Socket): Promise<'reset' | 'fin'> {
  socket.allowHalfOpen = true; // so Node does not end our side itself when the server's FIN arrives
  return new Promise((resolve) => {
    socket.once('error', () => resolve('reset'));
    socket.once('end', () => socket.write(Buffer.alloc(1), (error) => resolve(error ? 'reset' : 'fin')));
  });
}

/** A liveness bound on any one wait in these checks. */
const LIMIT_MS = 15_000;

/** Sends `text` and resolves with the echo and how long it took. */
async function timedEcho(c: TestClient, text: string): Promise<{ data: string; ms: number }> {
  const next = c.received.length + 1;
  const start = performance.now();
  c.ws.send(text);
  const messages = await within(c.nextMessages(next), LIMIT_MS, `no echo of ${text}`);
  return { data: messages[next - 1].data.toString(), ms: performance.now() - start };
}

/** Timers never fire early by more than this (they may fire late by any amount). */
const EARLY_MS = 5;

/**
 * The seeded case: delays 100-900 ms from seed 7; the echoes of three messages sent at once arrive at their running
 * maximum.
 */
const SEED = 7;
const SEEDED_DELAYS = ((): number[] => {
  const pick = delayPicker([100, 900], seededRandom(SEED));
  const delays = [pick(), pick(), pick()];
  return delays.map((_, i) => Math.max(...delays.slice(0, i + 1)));
})();

/** Every parameter of the table, each with a check that fails if it stops working. */
export const BEHAVIOUR_CASES: Record<string, BehaviourCase> = {
  mode: {
    params: { mode: 'one-shot' },
    options: { mode: 'one-shot' },
    async check(url) {
      const c = await connect(url);
      c.ws.send('abcdefghijkl');
      expect((await c.nextMessages(1))[0].data.toString()).toBe('abcdefgh');
      expect((await c.closed).code).toBe(1006);
    },
  },
  'buffer-size': {
    params: { mode: 'one-shot', 'buffer-size': '3' },
    options: { mode: 'one-shot', bufferSize: 3 },
    async check(url) {
      const c = await connect(url);
      c.ws.send('abcdefghijkl');
      expect((await c.nextMessages(1))[0].data.toString()).toBe('abc');
      expect((await c.closed).code).toBe(1006);
    },
  },
  delay: {
    params: { delay: '300' },
    options: { delay: 300 },
    async check(url) {
      const c = await connect(url);
      const { data, ms } = await timedEcho(c, 'late');
      expect(data).toBe('late');
      expect(ms).toBeGreaterThanOrEqual(300 - EARLY_MS);
      c.ws.close();
    },
  },
  'close-after': {
    params: { 'close-after': '2', 'close-code': '4001', 'close-reason': 'enough' },
    options: { closeAfter: 2, closeCode: 4001, closeReason: 'enough' },
    async check(url) {
      const c = await connect(url);
      ['one', 'two', 'three'].forEach((text) => c.ws.send(text));
      expect(await c.closed).toEqual({ code: 4001, reason: 'enough' });
      expect(c.received.map((m) => m.data.toString())).toEqual(['one', 'two']);
    },
  },
  'drop-after': {
    params: { 'drop-after': '1' },
    options: { dropAfter: 1 },
    async check(url) {
      const raw = await rawTo(url);
      const end = howTcpEnds(raw.socket);
      await raw.sendFrames([
        { opcode: Opcode.text, payload: 'a' },
        { opcode: Opcode.text, payload: 'b' },
      ]);
      await expectEcho(raw, Opcode.text, 'a');
      expect(await within(end, LIMIT_MS, 'no TCP end')).toBe('fin');
      expect((await raw.tcpEnd()).closeFrameReceived).toBe(false);
      expect(raw.unread()).toEqual([]);
    },
  },
  'reset-after': {
    params: { 'reset-after': '1' },
    options: { resetAfter: 1 },
    async check(url) {
      const raw = await rawTo(url);
      const end = howTcpEnds(raw.socket);
      await raw.sendFrames([
        { opcode: Opcode.text, payload: 'a' },
        { opcode: Opcode.text, payload: 'b' },
      ]);
      await expectEcho(raw, Opcode.text, 'a');
      expect(await within(end, LIMIT_MS, 'no TCP end')).toBe('reset');
      expect((await raw.tcpEnd()).closeFrameReceived).toBe(false);
      expect(raw.unread()).toEqual([]);
    },
  },
  greeting: {
    params: { greeting: 'hello, "client" ✓' },
    options: { greeting: 'hello, "client" ✓' },
    async check(url) {
      const c = await connect(url);
      c.ws.send('echo me');
      const [greeting, echo] = await within(c.nextMessages(2), LIMIT_MS, 'no greeting and echo');
      expect(greeting).toEqual({ data: Buffer.from('hello, "client" ✓'), isBinary: false });
      expect(echo.data.toString()).toBe('echo me');
      c.ws.close();
    },
  },
  fragment: {
    params: { fragment: '3' },
    options: { fragment: 3 },
    async check(url) {
      const raw = await rawTo(url);
      await raw.sendFrame({ opcode: Opcode.binary, payload: 'abcdefgh' });
      for (const [i, part] of ['abc', 'def', 'gh'].entries()) {
        const frame = await raw.nextFrame();
        expect({ opcode: frame.opcode, fin: frame.fin, payload: frame.payload.toString() }).toEqual({
          opcode: i === 0 ? Opcode.binary : Opcode.continuation,
          fin: i === 2,
          payload: part,
        });
      }
    },
  },
  reject: {
    params: { reject: '429' },
    options: { reject: 429 },
    async check(url) {
      expect(await upgradeStatus(url)).toBe(429);
    },
  },
  // The HTTP/2 faults touch only RFC 8441 WebSockets (test/h2/h2-faults.test.ts checks them there, the flags too):
  // over HTTP/1.1, which these servers speak, the connection opens and echoes.
  'h2-refuse': {
    params: { 'h2-refuse': '405' },
    options: { h2Refuse: 405 },
    async check(url) {
      const c = await connect(url);
      expect((await timedEcho(c, 'over http/1.1')).data).toBe('over http/1.1');
      c.ws.close();
    },
  },
  'h2-reset': {
    params: { 'h2-reset': '' },
    options: { h2Reset: true },
    async check(url) {
      const c = await connect(url);
      expect((await timedEcho(c, 'over http/1.1')).data).toBe('over http/1.1');
      c.ws.close();
    },
  },
  'accept-delay': {
    params: { 'accept-delay': '300' },
    options: { acceptDelay: 300 },
    async check(url) {
      const start = performance.now();
      const c = await within(connect(url), LIMIT_MS, 'never opened');
      expect(performance.now() - start).toBeGreaterThanOrEqual(300 - EARLY_MS);
      expect((await timedEcho(c, 'after the wait')).data).toBe('after the wait');
      c.ws.close();
    },
  },
  'no-pong': {
    params: { 'no-pong': '' },
    options: { noPong: true },
    async check(url) {
      const raw = await rawTo(url);
      await raw.sendFrames([
        { opcode: Opcode.ping, payload: 'are you there' },
        { opcode: Opcode.text, payload: 'after the ping' },
      ]);
      // The echo comes, and no pong before it.
      await expectEcho(raw, Opcode.text, 'after the ping');
    },
  },
  'ping-interval': {
    params: { 'ping-interval': '0.2' },
    options: { pingInterval: 0.2 },
    async check(url) {
      const raw = await rawTo(url);
      const frame = await within(raw.nextFrame(), LIMIT_MS, 'no ping');
      expect(frame.opcode).toBe(Opcode.ping);
    },
  },
  throttle: {
    params: { throttle: '4000' },
    options: { throttle: 4000 },
    async check(url) {
      const c = await connect(url);
      const start = performance.now();
      for (let i = 0; i < 3; i++) c.ws.send(String(i).repeat(1000));
      await within(c.nextMessages(3), LIMIT_MS, 'no echoes');
      // 3,000 bytes at 4,000 bytes/s: the last echo is written 750 ms after the first message.
      expect(performance.now() - start).toBeGreaterThanOrEqual(750 - EARLY_MS);
      c.ws.close();
    },
  },
  seed: {
    params: { delay: '100-900', seed: String(SEED) },
    options: { delay: [100, 900], seed: SEED },
    async check(url) {
      const c = await connect(url);
      const start = performance.now();
      const times: number[] = [];
      c.ws.on('message', () => times.push(performance.now() - start));
      ['a', 'b', 'c'].forEach((text) => c.ws.send(text));
      await within(c.nextMessages(3), LIMIT_MS, 'no echoes');
      // The delays the seed gives, in order: never earlier, and not much later (a loaded machine runs late).
      times.forEach((ms, i) => {
        expect(ms).toBeGreaterThanOrEqual(SEEDED_DELAYS[i] - EARLY_MS);
        expect(ms).toBeLessThan(SEEDED_DELAYS[i] + 600);
      });
      c.ws.close();
    },
  },
};
