// A ping in the same read as the message a drop mode ends on must not cut that message's echo short.
//
// whole-message (and one-shot) echo the first message, then end TCP once the echo is handed to
// the socket. The rest of the read is still parsed and ws's readyState is still OPEN, so a ping
// that followed the message used to be answered: a write after end, for which Node destroys the
// socket and drops what of the echo was still queued (an 8 MiB echo arrived as 3.98 MB and a
// FIN).
import { buildFrame, FrameParser, Opcode } from '../helpers/wire/frames';
import { perTest } from '../helpers/per-test';
import { sleep } from '../helpers/probe';
import { collectUntilClosed, openUpgraded } from '../helpers/wire/raw-http';

/**
 * Larger than what loopback's socket buffers take at once, so part of the echo waits in the server's socket when it
 * ends TCP.
 */
const MESSAGE_BYTES = 8 * 1024 * 1024;
/** How long the client leaves the echo unread, so the server's end() comes while it is still queued. */
const UNREAD_MS = 500;

const { serve, defer } = perTest();

describe('a drop mode whose ending message is followed by a ping in the same read', () => {
  it('still sends that message its whole echo before the FIN', async () => {
    const server = await serve({ mode: 'whole-message' });
    const { socket } = await openUpgraded(server.port);
    defer(() => socket.destroy());
    const payload = Buffer.alloc(MESSAGE_BYTES, 0x61);
    socket.write(
      Buffer.concat([
        buildFrame({ opcode: Opcode.binary, payload }),
        buildFrame({ opcode: Opcode.ping, payload: 'p' }),
      ]),
    );
    await sleep(UNREAD_MS);
    const received = await collectUntilClosed(socket);
    const frames = new FrameParser().push(received);
    expect({ bytes: received.length, firstFrameLength: frames[0]?.payload.length }).toEqual({
      bytes: MESSAGE_BYTES + 10,
      firstFrameLength: MESSAGE_BYTES,
    });
  }, 20_000);
});
