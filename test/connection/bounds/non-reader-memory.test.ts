// Clients that each send one large message and never read (issue 8 §6): the server holds
// each message once (it becomes the queued echo), not the reads it arrived in plus a copy.
// The server runs as the CLI in a child process so its memory can be read from /proc.
import { memoryOf, rssSettled } from '../../helpers/cli';
import { closeClient, openClient } from '../../helpers/clients';
import { echoMany } from '../../helpers/echo-load';
import { frameHeader, FrameParser, Opcode, ZERO_MASK } from '../../helpers/frames';
import { perTest } from '../../helpers/per-test';
import { openUpgraded, portOf } from '../../helpers/raw-http';

const MiB = 1024 * 1024;
/** Clients and the size of each one's message; WS_ECHO_NONREADER_MIB=90 is the full measurement. */
const CLIENTS = 4;
const MESSAGE_BYTES = Number(process.env.WS_ECHO_NONREADER_MIB ?? 24) * MiB;
/**
 * The issue's bound: RSS may grow by about 1.5 times what the clients sent. Holding each
 * message once costs 1.0x plus start-up noise; ws by itself holds the reads of a message and
 * then a copy of them (2x at the moment the message completes, and the reads' memory stays
 * with the allocator afterwards).
 */
const GROWTH_FACTOR = 1.5;

const { cliServer, defer } = perTest();

describe(`${CLIENTS} clients that each send one ${MESSAGE_BYTES / MiB} MiB message and never read`, () => {
  it('grow the server by at most 1.5x what they sent, and each echo is still whole', async () => {
    const cli = await cliServer(['--quiet', '--max-payload', String(MESSAGE_BYTES)]);
    const pid = cli.child.pid as number;
    const warm = await openClient(cli.url);
    await echoMany(warm, { count: 200, size: 1024, window: 20 });
    await closeClient(warm);
    const baseline = memoryOf(pid).rss;

    const payload = Buffer.alloc(MESSAGE_BYTES, 0x33);
    const header = frameHeader({ opcode: Opcode.binary }, MESSAGE_BYTES, ZERO_MASK);
    const sockets = await Promise.all(Array.from({ length: CLIENTS }, () => openUpgraded(portOf(cli.url))));
    sockets.forEach(({ socket }) => defer(() => socket.destroy()));
    // All four at once, each as a header and one large write; none reads anything (the sockets stay paused).
    await Promise.all(
      sockets.map(({ socket }) => new Promise((resolve) => socket.write(Buffer.concat([header, payload]), resolve))),
    );
    await rssSettled(pid);
    const { rss, peak } = memoryOf(pid);
    const sent = CLIENTS * MESSAGE_BYTES;
    if (process.env.WS_ECHO_TEST_VERBOSE) {
      const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;
      process.stdout.write(
        `non-readers: sent ${mib(sent)}; RSS ${mib(baseline)} -> ${mib(rss)} (+${((rss - baseline) / sent).toFixed(2)}x), peak +${((peak - baseline) / sent).toFixed(2)}x\n`,
      );
    }
    expect(peak - baseline).toBeLessThan(GROWTH_FACTOR * sent);

    // The first client finally reads: its echo is there, whole.
    const { socket } = sockets[0];
    const parser = new FrameParser();
    const echo = new Promise<Buffer>((resolve) =>
      socket.on('data', (chunk: Buffer) => parser.push(chunk).forEach((frame) => resolve(frame.payload))),
    );
    socket.resume();
    expect((await echo).equals(payload)).toBe(true);
  }, 120_000);
});
