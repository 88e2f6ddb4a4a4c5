// The echoes of the messages one read brings leave in one socket write, framed by hand: byte-for-byte what ws would
// send, in the order things were sent, whatever else the same read makes the server write (pongs, large echoes through
// ws, a test's own messages, the close frame), and each client gets only its own frames. Write calls are counted with
// the kernel's own tally of the real CLI's write system calls (/proc/<pid>/io, syscw), so nothing is mocked.
import { readFileSync } from 'node:fs';
import { BATCHED_PAYLOAD_MAX } from '../../src/connection/frame-batch';
import { closePayload, Opcode, type FrameSpec } from '../helpers/wire/frames';
import { perTest } from '../helpers/per-test';
import { expectEcho, expectFrame, openRawClient, RawClient } from '../helpers/wire/raw-client';
import { openUpgraded, portOf } from '../helpers/wire/raw-http';

const { serve, cliServer, rawClient, defer } = perTest();

const BATCHES = 100;
const MESSAGES_PER_BATCH = 16;

/** Write system calls `pid` has made so far. */
function writeCallsOf(pid: number): number {
  const match = readFileSync(`/proc/${pid}/io`, 'utf8').match(/^syscw:\s+(\d+)$/m);
  if (!match) throw new Error(`no syscw in /proc/${pid}/io`);
  return Number(match[1]);
}

/** Bytes 0, 1, 2, ... of `length`, so a misplaced byte shows. */
const counting = (length: number): Buffer => Buffer.from(Array.from({ length }, (_, i) => i % 251));

describe('echoes batched by hand', () => {
  it('come out in order with the pongs, the larger echoes and the close frame of the same read, with every header length right', async () => {
    await serve();
    const raw = await rawClient();
    const sent: Array<{ opcode: number; payload: Buffer }> = [
      { opcode: Opcode.text, payload: Buffer.from('x'.repeat(64)) },
      { opcode: Opcode.ping, payload: Buffer.from('ping one') },
      { opcode: Opcode.binary, payload: counting(BATCHED_PAYLOAD_MAX + 1) }, // through ws
      { opcode: Opcode.text, payload: Buffer.alloc(0) },
      { opcode: Opcode.text, payload: Buffer.from('é'.repeat(62) + 'a') }, // 125 bytes: the longest 2-byte header
      { opcode: Opcode.binary, payload: counting(126) }, // the shortest 4-byte header
      { opcode: Opcode.binary, payload: counting(BATCHED_PAYLOAD_MAX) }, // the largest batched
      { opcode: Opcode.ping, payload: Buffer.alloc(0) },
      { opcode: Opcode.binary, payload: counting(70_000) }, // through ws, 8-byte header
      { opcode: Opcode.text, payload: Buffer.from('last') },
    ];
    const frames: FrameSpec[] = [...sent, { opcode: Opcode.close, payload: closePayload(1000, 'done') }];
    await raw.sendFrames(frames); // one TCP write
    for (const { opcode, payload } of sent)
      await expectEcho(raw, opcode === Opcode.ping ? Opcode.pong : opcode, payload);
    expect(await raw.nextClose()).toEqual({ code: 1000, reason: Buffer.from('done') });
    expect(raw.unread()).toEqual([]);
  });

  it('go before the close frame a protocol error in the same read brings', async () => {
    await serve();
    const raw = await rawClient();
    await raw.sendFrames([
      { opcode: Opcode.text, payload: 'one' },
      { opcode: Opcode.text, payload: 'two' },
      { opcode: 0x3, payload: 'reserved opcode' },
    ]);
    await expectEcho(raw, Opcode.text, 'one');
    await expectEcho(raw, Opcode.text, 'two');
    expect((await raw.nextClose()).code).toBe(1002);
  });

  it("keep a test's replies after the echoes before them", async () => {
    const server = await serve();
    server.on('message', (_event, message, client) => client.send(`reply to ${String(message.data)}`));
    const raw = await rawClient();
    await raw.sendFrames(['a', 'b', 'c'].map((payload) => ({ opcode: Opcode.text, payload })));
    for (const name of ['a', 'b', 'c']) {
      await expectEcho(raw, Opcode.text, name);
      await expectEcho(raw, Opcode.text, `reply to ${name}`);
    }
  });

  it('in a one-shot mode: the echo, then FIN with no close frame', async () => {
    await serve({ mode: 'one-shot' });
    const raw = await rawClient();
    await raw.sendFrames([
      { opcode: Opcode.text, payload: 'only' },
      { opcode: Opcode.text, payload: 'ignored' },
    ]);
    await expectEcho(raw, Opcode.text, 'only');
    expect(await raw.tcpEnd()).toEqual({ closeFrameReceived: false, gracefulEnd: true });
    expect(raw.unread()).toEqual([]);
  });

  it('never mix two clients: 20 clients pipelining at once each get exactly their own echoes', async () => {
    const server = await serve();
    const clients = await Promise.all(Array.from({ length: 20 }, () => openRawClient(server.port)));
    defer(() => clients.forEach((c) => c.destroy()));
    const rounds = 25;
    const payloadOf = (client: number, round: number, i: number): string =>
      `client ${client} round ${round} message ${i} ${'.'.repeat((client * 7 + i) % 90)}`;
    await Promise.all(
      clients.map(async (raw, client) => {
        for (let round = 0; round < rounds; round++) {
          const texts = Array.from({ length: 16 }, (_, i) => payloadOf(client, round, i));
          await raw.sendFrames(texts.map((payload) => ({ opcode: Opcode.text, payload })));
          for (const text of texts) expectFrame(await raw.nextFrame(), Opcode.text, text);
        }
      }),
    );
    expect(server.stats()).toMatchObject({ messagesEchoed: 20 * rounds * 16 });
  });
});

describe('pipelined messages that arrive in one read', () => {
  it('are echoed in order with one write per read, not one per message', async () => {
    const cli = await cliServer(['--quiet']);
    const pid = cli.child.pid as number;
    const raw = new RawClient(await openUpgraded(portOf(cli.url)));
    defer(() => raw.destroy());

    const before = writeCallsOf(pid);
    for (let batch = 0; batch < BATCHES; batch++) {
      const texts = Array.from({ length: MESSAGES_PER_BATCH }, (_, i) => `batch ${batch} message ${i}`);
      await raw.sendFrames(texts.map((payload) => ({ opcode: Opcode.text, payload }))); // one TCP write, one segment
      for (const text of texts) await expectEcho(raw, Opcode.text, text);
    }
    const writes = writeCallsOf(pid) - before;
    if (process.env.WS_ECHO_TEST_VERBOSE)
      process.stdout.write(
        `one write per read: ${writes} writes for ${BATCHES} reads of ${MESSAGES_PER_BATCH} messages\n`,
      );
    // One per message would be 1,600; one per read is 100. A read split in two now and then stays far below the bound.
    expect(writes).toBeLessThan((BATCHES * MESSAGES_PER_BATCH) / 4);
  });
});
