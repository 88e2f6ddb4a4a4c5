// What a client is told, and what the log says, when the server ends a connection: protocol errors close with a reason,
// the close line records what the client saw, and a client that keeps TCP open after the close handshake is named as
// such.
import { connect as connectTcp } from 'node:net';
import { startCli, type CliChild } from '../helpers/processes/cli';
import { Opcode, closePayload } from '../helpers/wire/frames';
import { perTest } from '../helpers/per-test';
import { stopChild } from '../helpers/probe';
import { RawClient } from '../helpers/wire/raw-client';
import { httpRequestText, portOf, randomKey, readHead, upgradeHeaders } from '../helpers/wire/raw-http';

const { client, defer } = perTest();

/** Starts the CLI with JSON logs on a free port; resolves with it and its URL once it listens. */
async function jsonCli(args: string[] = []): Promise<CliChild & { url: string }> {
  const cli = startCli(['--port', '0', '--json', ...args]);
  defer(() => stopChild(cli.child));
  const [, url] = await cli.waitFor(/"url":"(ws:\/\/[^"]+)"/);
  return Object.assign(cli, { url });
}

/** The JSON log lines of `cli` with this `event`. */
function eventsOf(cli: CliChild, event: string): Array<Record<string, unknown>> {
  return cli
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.event === event);
}

/** A raw client on a socket that stays open for writing after the server's FIN (allowHalfOpen). */
async function halfOpenClient(port: number): Promise<RawClient> {
  const socket = connectTcp({ host: '127.0.0.1', port, allowHalfOpen: true });
  socket.on('error', () => undefined);
  defer(() => socket.destroy());
  await new Promise((resolve) => socket.once('connect', resolve));
  const answer = readHead(socket);
  socket.write(httpRequestText('GET', '/', upgradeHeaders(port, randomKey())));
  const { head, rest } = await answer;
  expect(head.status).toBe(101);
  return new RawClient({ socket, head, rest });
}

describe('a protocol error closes with a reason, and the log says what the client saw', () => {
  it('1009: a message one byte over --max-payload', async () => {
    const cli = await jsonCli(['--max-payload', '1048576']);
    const big = await client(cli.url);
    big.ws.send(Buffer.alloc(1048577, 1));
    const reason = 'message too big: 1048577 bytes, limit 1048576';
    expect(await big.closed).toEqual({ code: 1009, reason });
    await stopChild(cli.child);
    expect(eventsOf(cli, 'close')).toEqual([
      expect.objectContaining({ code: 1009, reason, clean: true, initiator: 'server', cause: reason }),
    ]);
  });

  it.each([
    [
      '1007: invalid UTF-8 in a text message',
      { opcode: Opcode.text, payload: Buffer.from([0x61, 0xff]) },
      1007,
      'invalid UTF-8 in a text message',
    ],
    [
      '1007: invalid UTF-8 in a close reason',
      { opcode: Opcode.close, payload: closePayload(1000, Buffer.from([0xc0])) },
      1007,
      'invalid UTF-8 in the close reason',
    ],
    [
      '1002: an unmasked frame',
      { opcode: Opcode.text, payload: 'hi', mask: false },
      1002,
      'protocol error: MASK must be set',
    ],
  ])('%s', async (_what, frame, code, reason) => {
    const cli = await jsonCli();
    const raw = await halfOpenClient(portOf(cli.url));
    await raw.sendFrame(frame);
    const close = await raw.nextClose();
    expect({ code: close.code, reason: close.reason.toString() }).toEqual({ code, reason });
    expect(await raw.tcpEnd()).toMatchObject({ closeFrameReceived: true, gracefulEnd: true });
    await stopChild(cli.child);
    expect(eventsOf(cli, 'close')).toEqual([
      expect.objectContaining({ code, reason, clean: true, initiator: 'server', cause: reason }),
    ]);
  });
});

describe('a client that completes the close handshake but never closes TCP', () => {
  it('is logged at shutdown as a clean close whose client kept TCP open, not as an unfinished handshake', async () => {
    const cli = await jsonCli();
    const raw = await halfOpenClient(portOf(cli.url));
    await raw.sendFrame({ opcode: Opcode.close, payload: closePayload(1000, 'bye') });
    const answer = await raw.nextClose();
    expect(answer.code).toBe(1000);
    expect((await raw.tcpEnd()).gracefulEnd).toBe(true); // the server's FIN; ours never comes

    await stopChild(cli.child); // SIGTERM: the shutdown waits its 2 s, then ends what is left
    const [line] = eventsOf(cli, 'close');
    expect(line).toMatchObject({
      code: 1000,
      reason: 'bye',
      clean: true,
      initiator: 'client',
      cause: 'close handshake done, but the client did not close TCP',
    });
  });
});
