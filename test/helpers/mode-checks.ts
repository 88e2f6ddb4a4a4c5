// Each echo mode's documented behaviour as a ws client sees it: one check per mode, run against any server (in-process,
// CLI, installed package, single executable).
import type { EchoMode } from '../../src';
import { startCli, type StartOptions } from './processes/cli';
import { connect, sendFragmented } from './clients';

/**
 * A mode, its documented behaviour in words (for test titles), and a check of it against the server at a `ws://` URL.
 */
export interface ModeCheck {
  mode: EchoMode;
  behaviour: string;
  check: (url: string) => Promise<void>;
}

/**
 * Test timeout for a mode check. ws's client gives up on a missing close frame 30 s after
 * `close()` and then reports 1006 too; a 15 s limit makes sure the 1006 a check sees comes
 * from the server ending TCP, not from that timer.
 */
export const MODE_CHECK_TIMEOUT = 15_000;

const CLOSED_BY_SERVER = { code: 1006, reason: '' };

/** What a client received, as [text, isBinary] pairs. */
function texts(received: Array<{ data: Buffer; isBinary: boolean }>): Array<[string, boolean]> {
  return received.map((m) => [m.data.toString(), m.isBinary]);
}

/** one-shot: a 20-byte text message comes back as its first 8 bytes, the next message never, and TCP drops (1006). */
async function oneShot(url: string): Promise<void> {
  const client = await connect(url);
  client.ws.send('abcdefghijklmnopqrst');
  client.ws.send('second message, never echoed');
  expect(await client.closed).toEqual(CLOSED_BY_SERVER);
  expect(texts(client.received)).toEqual([['abcdefgh', false]]);
}

/**
 * whole-message: a message sent in fragments comes back whole, text as text and binary as binary, the next never, and
 * TCP drops (1006).
 */
async function wholeMessage(url: string): Promise<void> {
  const parts = ['first part, ', 'second part, ', 'last part'];
  for (const binary of [false, true]) {
    const client = await connect(url);
    sendFragmented(client, binary ? parts.map((part) => Buffer.from(part)) : parts, binary);
    client.ws.send('not echoed');
    expect(await client.closed).toEqual(CLOSED_BY_SERVER);
    expect(texts(client.received)).toEqual([[parts.join(''), binary]]);
  }
}

/** forever: 100 messages come back in order; the client's close frame gets no answer, TCP drops (1006). */
async function forever(url: string): Promise<void> {
  const client = await connect(url);
  const sent = Array.from({ length: 100 }, (_, i) => `message ${i}`);
  sent.forEach((text) => client.ws.send(text));
  const echoes = await client.nextMessages(100);
  expect(echoes.map((m) => m.data.toString())).toEqual(sent);
  client.ws.close(1000, 'done');
  expect(await client.closed).toEqual(CLOSED_BY_SERVER);
}

/** graceful: text and binary come back as sent, and the close handshake completes with the client's code and reason. */
async function graceful(url: string): Promise<void> {
  const client = await connect(url);
  client.ws.send('one');
  client.ws.send(Buffer.from('two'));
  await client.nextMessages(2);
  client.ws.close(4000, 'bye');
  expect(await client.closed).toEqual({ code: 4000, reason: 'bye' });
  expect(texts(client.received)).toEqual([
    ['one', false],
    ['two', true],
  ]);
}

/** One check per mode, in the order of MODE_NAMES; for `it.each(MODE_CHECKS)('$mode: $behaviour', ...)`. */
export const MODE_CHECKS: readonly ModeCheck[] = [
  {
    mode: 'one-shot',
    behaviour: 'a 20-byte message comes back as its first 8 bytes, then TCP drops (1006)',
    check: oneShot,
  },
  {
    mode: 'whole-message',
    behaviour: 'a fragmented message comes back whole, then TCP drops (1006)',
    check: wholeMessage,
  },
  {
    mode: 'forever',
    behaviour: "messages come back in order; the client's close gets no close frame (1006)",
    check: forever,
  },
  {
    mode: 'graceful',
    behaviour: "messages come back; the close handshake completes with the client's code",
    check: graceful,
  },
];

/**
 * Starts a ws-echo command (`options.command`, default this checkout's CLI) with
 * `--port 0 --mode <mode> ...args`, asserts its listening line names that mode and stderr
 * is empty, runs the mode's check against it, then SIGTERMs it and asserts a clean stop:
 * exit 0, nothing on stderr, a summary line. The child is killed if anything fails.
 */
export async function checkCliInMode(
  { mode, check }: ModeCheck,
  options: StartOptions & { args?: string[] } = {},
): Promise<void> {
  const cli = startCli(['--port', '0', '--mode', mode, ...(options.args ?? [])], options);
  try {
    const [, url, announced] = await cli.waitFor(/^ws-echo listening on (ws:\/\/\S+) \(mode: (\S+)\)$/m);
    expect(announced).toBe(mode);
    expect(cli.stderr()).toBe('');
    await check(url);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.stderr()).toBe('');
    expect(cli.stdout()).toMatch(/^summary: /m);
  } finally {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  }
}
