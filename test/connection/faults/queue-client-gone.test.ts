// A client that floods a delayed or throttled connection (its reading paused) and then leaves, by RST or by closing
// its socket with data still unsent: the server finds it within two of the queue's sleep steps and frees the
// connection (its slot, descriptor and queue), where it was held until its next echo was due (up to 600 s).
import { destroyRawClients, rawTo } from '../../helpers/behaviour-checks';
import { upgradeStatus } from '../../helpers/clients';
import { buildFrame, Opcode, ZERO_MASK } from '../../helpers/wire/frames';
import { perTest } from '../../helpers/per-test';
import { waitUntil } from '../../helpers/probe';
import { flood } from '../../helpers/wire/raw-client';
import type { RawClient } from '../../helpers/wire/raw-client';

afterEach(destroyRawClients);
const { serve } = perTest();
const KiB = 1024;
/**
 * Two sleep steps of the queue (QUEUE_SLEEP_MAX_MS, 1 s: a ping, then the write that finds the RST it drew) and room
 * for a loaded machine.
 */
const FOUND_WITHIN_MS = 3500;

/**
 * Floods `raw` with 1 KiB messages until the server stops reading from it (its queue is past the bound). A client that
 * `reads` takes in what the server sends (its pings), so its close is a FIN; one that does not is reset on close.
 */
async function floodUntilPaused(raw: RawClient, reads: boolean): Promise<void> {
  if (reads) raw.socket.resume();
  else raw.socket.pause();
  const frame = buildFrame({ opcode: Opcode.binary, payload: Buffer.alloc(KiB, 1), mask: ZERO_MASK });
  expect(await flood(raw.socket, frame, 256 * 1024 * KiB, 1000).stuck).toBe(true);
}

const leaving: Array<[string, boolean, (raw: RawClient) => void]> = [
  ['an RST', false, (raw) => raw.socket.resetAndDestroy()],
  ['a FIN behind data still unsent', true, (raw) => raw.socket.destroy()],
];

describe.each(leaving)('a client that floods a queue and leaves with %s', (_how, reads, leave) => {
  it.each(['delay=600000', 'throttle=1', 'delay=600000&fragment=1'])(
    '?%s: the connection is freed within two sleep steps',
    async (query) => {
      const server = await serve();
      const raw = await rawTo(`${server.url}/?${query}`);
      await floodUntilPaused(raw, reads);
      expect(server.connections()).toBe(1);
      leave(raw);
      const left = Date.now();
      await waitUntil(() => server.connections() === 0, FOUND_WITHIN_MS);
      if (process.env.WS_ECHO_TEST_VERBOSE) process.stdout.write(`?${query}: freed after ${Date.now() - left} ms\n`);
    },
    20_000,
  );
});

describe('with --max-connections', () => {
  it('the slot of a flooding client that left is free again for the next client', async () => {
    const server = await serve({ maxConnections: 1 });
    const raw = await rawTo(`${server.url}/?delay=600000`);
    await floodUntilPaused(raw, false);
    expect(await upgradeStatus(`${server.url}/`)).toBe(503);
    raw.socket.resetAndDestroy();
    await waitUntil(() => server.connections() === 0, FOUND_WITHIN_MS);
    expect(await upgradeStatus(`${server.url}/`)).toBe(101);
  }, 20_000);
});

describe('once the server has sent its close frame (idle timeout, a test close)', () => {
  it.each([
    ['--idle-timeout', { idleTimeout: 3 }, undefined],
    ['a test close()', {}, 'close'],
  ] as const)(
    'after %s, a flooding client that left with an RST is found at once, not after ws closeTimeout (30 s)',
    async (_how, options, action) => {
      const server = await serve(options);
      const raw = await rawTo(`${server.url}/?delay=600000`);
      await floodUntilPaused(raw, false);
      if (action === 'close') (await server.nextConnection()).close(4000, 'test over');
      // The flood stopped about 1 s ago: the idle close goes out.
      else await new Promise((resolve) => setTimeout(resolve, 3500));
      raw.socket.resetAndDestroy();
      await waitUntil(() => server.connections() === 0, FOUND_WITHIN_MS);
    },
    20_000,
  );
});
