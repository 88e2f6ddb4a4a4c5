// The server speaks RFC 6455 as the spec says, checked over raw TCP (Autobahn-style): framing, control frames,
// fragmentation, UTF-8 and close codes are echoed or failed with the right code, in every mode, and a client that
// breaks the protocol never disturbs another.
import { randomBytes } from 'node:crypto';
import type { EchoMode, EchoServerOptions } from '../../src';
import { Opcode, buildFrame, closePayload, fragments, type FrameSpec } from '../helpers/wire/frames';
import { perTest } from '../helpers/per-test';
import { expectEcho, expectEchoes, expectFrame, type RawClient } from '../helpers/wire/raw-client';

/** Close codes the server sends (RFC 6455 §7.4.1). */
const PROTOCOL_ERROR = 1002;
const INVALID_PAYLOAD = 1007;
const MESSAGE_TOO_BIG = 1009;
const NORMAL = 1000;

const { serve, rawClient } = perTest();

/** Starts a server with `options` and connects one raw client to it. */
async function serveAndConnect(options: EchoServerOptions = {}): Promise<RawClient> {
  await serve(options);
  return rawClient();
}

/** `length` bytes of printable ASCII (valid UTF-8 text). */
function asciiText(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = 0x20 + (i % 95);
  return bytes;
}

/** Asserts the server fails the connection: a close frame with `code` next, then the end of TCP. */
async function expectClosedWith(client: RawClient, code: number): Promise<void> {
  expect(await client.nextCloseCode()).toBe(code);
  expect(await client.tcpEnd()).toEqual({ closeFrameReceived: true, gracefulEnd: true });
}

/** Asserts the server ends TCP without having sent a close frame, and nothing is left unread. */
async function expectDroppedWithoutCloseFrame(client: RawClient): Promise<void> {
  expect((await client.tcpEnd()).closeFrameReceived).toBe(false);
  expect(client.unread()).toHaveLength(0);
}

describe('framing', () => {
  const sizes = [0, 125, 126, 65535, 65536, 16 * 1024 * 1024];
  const cases = sizes.flatMap((size) => [
    { kind: 'text', opcode: Opcode.text, size, payload: () => asciiText(size) },
    { kind: 'binary', opcode: Opcode.binary, size, payload: () => randomBytes(size) },
  ]);

  it.each(cases)(
    'echoes a $size-byte $kind message byte-identical with the same opcode',
    async ({ opcode, payload }) => {
      const client = await serveAndConnect();
      const message = payload();
      await client.sendFrame({ opcode, payload: message });
      await expectEcho(client, opcode, message);
    },
  );

  it.each([
    { kind: 'text (7-bit length)', opcode: Opcode.text, payload: Buffer.from('héllo wörld') },
    { kind: 'binary (16-bit length)', opcode: Opcode.binary, payload: randomBytes(300) },
  ])('echoes a $kind frame that arrives one byte per TCP write', async ({ opcode, payload }) => {
    const client = await serveAndConnect();
    await client.sendByteByByte(buildFrame({ opcode, payload }));
    await expectEcho(client, opcode, payload);
  });
});

describe('pings and pongs', () => {
  it.each([0, 1, 125])('answers a ping with a %i-byte payload with a pong carrying the same payload', async (size) => {
    const client = await serveAndConnect();
    const payload = randomBytes(size);
    await client.sendFrame({ opcode: Opcode.ping, payload });
    await expectEcho(client, Opcode.pong, payload);
  });

  it('ignores an unsolicited pong and keeps echoing', async () => {
    const client = await serveAndConnect();
    await client.sendFrame({ opcode: Opcode.pong, payload: 'unsolicited' });
    await expectEchoes(client, 'still here');
  });

  it('fails the connection with 1002 on a ping payload over 125 bytes', async () => {
    const client = await serveAndConnect();
    await client.sendFrame({ opcode: Opcode.ping, payload: randomBytes(126) });
    await expectClosedWith(client, PROTOCOL_ERROR);
  });
});

describe('reserved bits and opcodes', () => {
  it.each([{ rsv1: true }, { rsv2: true }, { rsv3: true }])(
    'fails the connection with 1002 on %o without an extension',
    async (bits) => {
      const client = await serveAndConnect();
      await client.sendFrame({ opcode: Opcode.text, payload: 'reserved', ...bits });
      await expectClosedWith(client, PROTOCOL_ERROR);
    },
  );

  it.each([3, 4, 5, 6, 7, 11, 12, 13, 14, 15])(
    'fails the connection with 1002 on reserved opcode %i',
    async (opcode) => {
      const client = await serveAndConnect();
      await client.sendFrame({ opcode, payload: 'x' });
      await expectClosedWith(client, PROTOCOL_ERROR);
    },
  );
});

describe('fragmentation', () => {
  it.each([
    { kind: 'text', opcode: Opcode.text, parts: ['Hel', 'lo, ', '', 'world'], whole: 'Hello, world' },
    {
      kind: 'binary',
      opcode: Opcode.binary,
      parts: [Buffer.from([1, 2]), Buffer.from([3]), Buffer.from([4, 5, 6])],
      whole: Buffer.from([1, 2, 3, 4, 5, 6]),
    },
  ])('echoes a $kind message sent in several fragments as one whole message', async ({ opcode, parts, whole }) => {
    const client = await serveAndConnect();
    await client.sendFrames(fragments(opcode, parts));
    await expectEcho(client, opcode, whole);
  });

  it('answers a ping between fragments, then echoes the message', async () => {
    const client = await serveAndConnect();
    const [first, last] = fragments(Opcode.text, ['frag', 'mented']);
    await client.sendFrames([first, { opcode: Opcode.ping, payload: 'in between' }, last]);
    await expectEcho(client, Opcode.pong, 'in between');
    await expectEcho(client, Opcode.text, 'fragmented');
  });

  it.each([
    {
      broken: 'a continuation frame with no message started',
      frames: [{ opcode: Opcode.continuation, payload: 'orphan' }],
    },
    {
      broken: 'a fragmented ping (FIN=0)',
      frames: [
        { opcode: Opcode.ping, fin: false, payload: 'pi' },
        { opcode: Opcode.continuation, payload: 'ng' },
      ],
    },
    {
      broken: 'a new text frame while a message is open',
      frames: [
        { opcode: Opcode.text, fin: false, payload: 'open' },
        { opcode: Opcode.text, payload: 'new' },
      ],
    },
    {
      broken: 'a new binary frame while a message is open',
      frames: [
        { opcode: Opcode.text, fin: false, payload: 'open' },
        { opcode: Opcode.binary, payload: 'new' },
      ],
    },
  ])('fails the connection with 1002 on $broken', async ({ frames }) => {
    const client = await serveAndConnect();
    await client.sendFrames(frames);
    await expectClosedWith(client, PROTOCOL_ERROR);
  });
});

describe('UTF-8', () => {
  const emoji = Buffer.from('😀', 'utf8'); // F0 9F 98 80

  it.each([1, 2, 3])('echoes a 4-byte character split after byte %i across fragments', async (cut) => {
    const client = await serveAndConnect();
    await client.sendFrames(
      fragments(Opcode.text, [
        Buffer.concat([Buffer.from('a'), emoji.subarray(0, cut)]),
        Buffer.concat([emoji.subarray(cut), Buffer.from('b')]),
      ]),
    );
    await expectEcho(client, Opcode.text, 'a😀b');
  });

  const invalid = [
    { what: 'a 0xFF byte', bytes: [0x41, 0xff, 0x42] },
    { what: 'a lead byte with no continuation', bytes: [0xc3, 0x28] },
    { what: 'a truncated 3-byte sequence at the end', bytes: [0x41, 0xe2, 0x82] },
    { what: 'an overlong encoding of "/"', bytes: [0xc0, 0xaf] },
    { what: 'an encoded UTF-16 surrogate', bytes: [0xed, 0xa0, 0x80] },
    { what: 'a code point above U+10FFFF', bytes: [0xf4, 0x90, 0x80, 0x80] },
  ];

  it.each(invalid)('fails the connection with 1007 on a text message with $what', async ({ bytes }) => {
    const client = await serveAndConnect();
    await client.sendFrame({ opcode: Opcode.text, payload: Buffer.from(bytes) });
    await expectClosedWith(client, INVALID_PAYLOAD);
  });

  it('fails the connection with 1007 when fragments are valid alone but not together', async () => {
    const client = await serveAndConnect();
    await client.sendFrames(fragments(Opcode.text, [Buffer.from([0x41, 0xc3]), Buffer.from([0x28])]));
    await expectClosedWith(client, INVALID_PAYLOAD);
  });

  // RFC 6455 §5.5.1 makes the close reason UTF-8 and §8.1 says invalid UTF-8 MUST fail the
  // connection; 1007 (§7.4.1) is the code for data inconsistent with its type, and what ws sends.
  // (Autobahn 7.5.1 accepts 1002 or 1007.)
  it.each(invalid)('fails the connection with 1007 on a close reason with $what', async ({ bytes }) => {
    const client = await serveAndConnect();
    await client.sendFrame({ opcode: Opcode.close, payload: closePayload(NORMAL, Buffer.from(bytes)) });
    await expectClosedWith(client, INVALID_PAYLOAD);
  });
});

describe('close handling', () => {
  it.each([0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535])(
    'answers close code %i with 1002',
    async (code) => {
      const client = await serveAndConnect();
      await client.sendFrame({ opcode: Opcode.close, payload: closePayload(code) });
      await expectClosedWith(client, PROTOCOL_ERROR);
    },
  );

  it('answers a close frame with a 1-byte payload with 1002', async () => {
    const client = await serveAndConnect();
    await client.sendFrame({ opcode: Opcode.close, payload: Buffer.from([0x03]) });
    await expectClosedWith(client, PROTOCOL_ERROR);
  });

  it.each([1000, 1001, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 4999])(
    'echoes valid close code %i in its close frame',
    async (code) => {
      const client = await serveAndConnect();
      await client.sendFrame({ opcode: Opcode.close, payload: closePayload(code, 'bye') });
      await expectClosedWith(client, code);
    },
  );

  it('answers a bare close frame (no payload) with 1000', async () => {
    const client = await serveAndConnect();
    await client.sendFrame({ opcode: Opcode.close });
    await expectClosedWith(client, NORMAL);
  });

  it('ends TCP after the close handshake and echoes nothing sent after the close frame', async () => {
    const client = await serveAndConnect();
    await client.sendFrames([
      { opcode: Opcode.close, payload: closePayload(NORMAL) },
      { opcode: Opcode.text, payload: 'too late' },
    ]);
    expect(await client.nextCloseCode()).toBe(NORMAL);
    expect(await client.tcpEnd()).toEqual({ closeFrameReceived: true, gracefulEnd: true });
    expect(client.unread()).toHaveLength(0);
  });
});

describe('masking', () => {
  it.each([
    { kind: 'text', opcode: Opcode.text, payload: 'unmasked' },
    { kind: 'binary', opcode: Opcode.binary, payload: 'unmasked' },
    { kind: 'ping', opcode: Opcode.ping, payload: 'unmasked' },
    { kind: 'close', opcode: Opcode.close, payload: closePayload(NORMAL) },
  ])('fails the connection with 1002 on an unmasked $kind frame', async ({ opcode, payload }) => {
    const client = await serveAndConnect();
    await client.sendFrame({ opcode, payload, mask: false });
    await expectClosedWith(client, PROTOCOL_ERROR);
  });
});

describe('oversized messages (maxPayload 1024)', () => {
  const maxPayload = 1024;

  it('echoes a message of exactly maxPayload bytes', async () => {
    const client = await serveAndConnect({ maxPayload });
    const payload = randomBytes(maxPayload);
    await client.sendFrame({ opcode: Opcode.binary, payload });
    await expectEcho(client, Opcode.binary, payload);
  });

  it.each([
    { how: 'one frame', frames: [{ opcode: Opcode.binary, payload: randomBytes(maxPayload + 1) }] },
    {
      how: 'two fragments that together are too big',
      frames: fragments(Opcode.binary, [randomBytes(600), randomBytes(600)]),
    },
  ])('fails the connection with 1009 on a larger message in $how', async ({ frames }) => {
    const client = await serveAndConnect({ maxPayload });
    await client.sendFrames(frames);
    await expectClosedWith(client, MESSAGE_TOO_BIG);
  });
});

describe('the other modes validate the same way', () => {
  const violations: Array<{ violation: string; frame: FrameSpec }> = [
    { violation: 'an unmasked frame', frame: { opcode: Opcode.text, payload: 'x', mask: false } },
    { violation: 'reserved opcode 3', frame: { opcode: 3, payload: 'x' } },
    { violation: 'RSV1 set', frame: { opcode: Opcode.text, payload: 'x', rsv1: true } },
  ];
  const modes: EchoMode[] = ['forever', 'one-shot', 'whole-message'];
  const cases = modes.flatMap((mode) => violations.map((v) => ({ mode, ...v })));

  it.each(cases)('$mode: fails the connection with 1002 on $violation', async ({ mode, frame }) => {
    const client = await serveAndConnect({ mode });
    await client.sendFrame(frame);
    await expectClosedWith(client, PROTOCOL_ERROR);
  });

  it("forever: keeps echoing, and answers a client's close frame with no close frame, just the end of TCP", async () => {
    const client = await serveAndConnect({ mode: 'forever' });
    await expectEchoes(client, 'one');
    await expectEchoes(client, 'two');
    await client.sendFrame({ opcode: Opcode.close, payload: closePayload(NORMAL) });
    await expectDroppedWithoutCloseFrame(client);
  });

  it('whole-message: echoes a fragmented message whole, then ends TCP with no close frame', async () => {
    const client = await serveAndConnect({ mode: 'whole-message' });
    await client.sendFrames(fragments(Opcode.text, ['whole ', 'mess', 'age']));
    await expectEcho(client, Opcode.text, 'whole message');
    await expectDroppedWithoutCloseFrame(client);
  });

  it.each([
    { sent: 'ééééé', echoed: 'éééé' },
    { sent: '€€€', echoed: '€€' },
    { sent: 'a😀b', echoed: 'a😀b' },
    { sent: 'abcde😀', echoed: 'abcde' },
    { sent: 'abcdefghij', echoed: 'abcdefgh' },
  ])(
    'one-shot (bufferSize 8): echoes text "$sent" as "$echoed", never splitting a character',
    async ({ sent, echoed }) => {
      const client = await serveAndConnect({ mode: 'one-shot', bufferSize: 8 });
      await client.sendFrame({ opcode: Opcode.text, payload: sent });
      const frame = await client.nextFrame();
      expectFrame(frame, Opcode.text, echoed);
      expect(new TextDecoder('utf-8', { fatal: true }).decode(frame.payload)).toBe(echoed);
      await expectDroppedWithoutCloseFrame(client);
    },
  );

  it('one-shot (bufferSize 8): cuts binary at exactly 8 bytes', async () => {
    const client = await serveAndConnect({ mode: 'one-shot', bufferSize: 8 });
    const payload = Buffer.from([0xe2, 0x82, 0xac, 0xe2, 0x82, 0xac, 0xe2, 0x82, 0xac]);
    await client.sendFrame({ opcode: Opcode.binary, payload });
    await expectEcho(client, Opcode.binary, payload.subarray(0, 8));
    await expectDroppedWithoutCloseFrame(client);
  });
});

describe('isolation', () => {
  it('a client breaking the protocol never disturbs another one, and is counted', async () => {
    const echoServer = await serve();
    const rude = await rawClient();
    const polite = await rawClient();
    await expectEchoes(polite, 'before');
    await rude.sendFrame({ opcode: Opcode.text, payload: 'x', mask: false });
    await expectClosedWith(rude, PROTOCOL_ERROR);
    await expectEchoes(polite, 'after');
    expect(echoServer.stats().protocolErrors).toBe(1);
  });
});
