// permessage-deflate (--deflate, RFC 7692) as a client that compresses by hand sees it over raw TCP: each offer gets
// the right answer (or is declined), echoes decompress to exactly what was sent, context takeover and window sizes are
// honoured both ways, and bad or oversized compressed data closes with 1002, 1007 or 1009 and is never echoed.
import { randomBytes } from 'node:crypto';
import type { EchoServerOptions } from '../../src';
import { compressMessage, decompressMessage, messageOf, noise, repeatingEvery } from '../helpers/wire/deflate-frames';
import { Opcode } from '../helpers/wire/frames';
import { LogSink } from '../helpers/log-sink';
import { perTest } from '../helpers/per-test';
import { expectEchoes, type RawClient } from '../helpers/wire/raw-client';
import { portOf, rawUpgrade } from '../helpers/wire/raw-http';

const PROTOCOL_ERROR = 1002;
const INVALID_PAYLOAD = 1007;
const MESSAGE_TOO_BIG = 1009;

const { serve, rawClient, client, cliServer } = perTest();

/** Starts a server with --deflate (plus `options`) and connects a raw client offering `offer`. */
async function connectOffering(offer: string | undefined, options: EchoServerOptions = {}): Promise<RawClient> {
  await serve({ deflate: true, ...options });
  return rawClient({ headers: { 'Sec-WebSocket-Extensions': offer } });
}

/** Sends `message` compressed (RSV1) in one frame, or in `parts` fragments of the compressed bytes. */
async function sendCompressed(raw: RawClient, opcode: number, compressed: Buffer, parts = 1): Promise<void> {
  const size = Math.ceil(compressed.length / parts);
  const frames = Array.from({ length: parts }, (_, i) => ({
    opcode: i === 0 ? opcode : Opcode.continuation,
    rsv1: i === 0,
    fin: i === parts - 1,
    payload: compressed.subarray(i * size, (i + 1) * size),
  }));
  await raw.sendFrames(frames);
}

/** Reads the next frame, which must be a final `opcode` message, and returns it. */
async function nextMessage(raw: RawClient, opcode: number) {
  const frame = await raw.nextFrame();
  expect({ opcode: frame.opcode, fin: frame.fin, rsv2: frame.rsv2, rsv3: frame.rsv3 }).toEqual({
    opcode,
    fin: true,
    rsv2: false,
    rsv3: false,
  });
  return frame;
}

/** Asserts the server closes with `code` and sends nothing before its close frame. */
async function expectClosedWith(raw: RawClient, code: number): Promise<void> {
  expect(await raw.nextCloseCode()).toBe(code);
  expect((await raw.tcpEnd()).closeFrameReceived).toBe(true);
}

/** Sends `text` uncompressed on a compressed connection and asserts its echo (compressed or not) is the same text. */
async function expectEchoedOnCompressed(raw: RawClient, text: string): Promise<void> {
  await raw.sendFrame({ opcode: Opcode.text, payload: text });
  expect(messageOf(await nextMessage(raw, Opcode.text)).toString()).toBe(text);
}

describe('negotiation: the answer to each offer', () => {
  it.each([
    ['permessage-deflate', 'permessage-deflate'],
    ['permessage-deflate; client_max_window_bits', 'permessage-deflate'],
    ['permessage-deflate; server_no_context_takeover', 'permessage-deflate; server_no_context_takeover'],
    ['permessage-deflate; client_no_context_takeover', 'permessage-deflate; client_no_context_takeover'],
    ['permessage-deflate; server_max_window_bits=10', 'permessage-deflate; server_max_window_bits=10'],
    ['permessage-deflate; client_max_window_bits=9', 'permessage-deflate; client_max_window_bits=9'],
    ['permessage-deflate; server_max_window_bits="12"', 'permessage-deflate; server_max_window_bits=12'],
    [
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=8; client_max_window_bits=8',
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=8; client_max_window_bits=8',
    ],
  ])('%s is answered with %s', async (offer, answer) => {
    const raw = await connectOffering(offer);
    expect(raw.head.headers['sec-websocket-extensions']).toBe(answer);
    await expectEchoedOnCompressed(raw, 'hello');
  });

  it.each([
    ['an unknown parameter', 'permessage-deflate; foo=1'],
    ['a window below 8 bits', 'permessage-deflate; server_max_window_bits=7'],
    ['a window above 15 bits', 'permessage-deflate; client_max_window_bits=16'],
    ['a window that is not a number', 'permessage-deflate; client_max_window_bits=abc'],
    ['server_max_window_bits without a value', 'permessage-deflate; server_max_window_bits'],
    ['a parameter given twice', 'permessage-deflate; server_no_context_takeover; server_no_context_takeover'],
    ['a value on a flag parameter', 'permessage-deflate; server_no_context_takeover=1'],
    ['broken syntax', 'permessage-deflate; =x'],
  ])(
    'an invalid first offer (%s) is declined and the next valid one accepted, not HTTP 400',
    async (_what, invalid) => {
      const raw = await connectOffering(
        `${invalid}, permessage-deflate; client_no_context_takeover, permessage-deflate`,
      );
      expect(raw.head.headers['sec-websocket-extensions']).toBe('permessage-deflate; client_no_context_takeover');
      await expectEchoedOnCompressed(raw, 'still fine');
    },
  );

  it('with no acceptable offer the connection opens without compression, and says why in its log event', async () => {
    const sink = new LogSink();
    const raw = await connectOffering('permessage-deflate; foo, permessage-deflate; server_max_window_bits=99', {
      log: sink.log,
    });
    expect(raw.head.headers).not.toHaveProperty('sec-websocket-extensions');
    await expectEchoes(raw, 'uncompressed');
    const connection = await sink.next('connection');
    expect(connection).not.toHaveProperty('extensions');
    expect(connection.declined).toEqual([
      'permessage-deflate offer 1 ("permessage-deflate; foo") declined: Unknown parameter "foo"',
      'permessage-deflate offer 2 ("permessage-deflate; server_max_window_bits=99") declined: Invalid value for parameter "server_max_window_bits": 99',
    ]);
  });

  it('a 14 KB header of declined offers puts under 1 KB in the log, naming the first offers and how many more', async () => {
    const sink = new LogSink();
    const long = `permessage-deflate; ${'x'.repeat(3000)}`;
    const header = [long, ...Array.from({ length: 450 }, (_, i) => `permessage-deflate; p${i}`)].join(', ');
    expect(header.length).toBeGreaterThan(14_000);
    const raw = await connectOffering(header, { log: sink.log });
    expect(raw.head.headers).not.toHaveProperty('sec-websocket-extensions');
    const declined = (await sink.next('connection')).declined as string[];
    expect(declined.join('\n').length).toBeLessThan(1024);
    expect(declined).toEqual([
      `permessage-deflate offer 1 ("permessage-deflate; ${'x'.repeat(60)}...") declined: Unknown parameter "${'x'.repeat(61)}...`,
      'permessage-deflate offer 2 ("permessage-deflate; p0") declined: Unknown parameter "p0"',
      'permessage-deflate offer 3 ("permessage-deflate; p1") declined: Unknown parameter "p1"',
      'and 448 more offers declined',
    ]);
  });

  it('the connection event shows the compression in effect', async () => {
    const sink = new LogSink();
    await connectOffering('permessage-deflate; client_max_window_bits=10', { log: sink.log });
    expect(await sink.next('connection')).toMatchObject({
      extensions: 'permessage-deflate; client_max_window_bits=10',
    });
  });

  it('other extensions are ignored; a later permessage-deflate offer is still taken', async () => {
    const raw = await connectOffering('x-webkit-deflate-frame, permessage-deflate');
    expect(raw.head.headers['sec-websocket-extensions']).toBe('permessage-deflate');
  });

  it('without --deflate an offer is not answered and an RSV1 frame is a protocol error (1002)', async () => {
    await serve();
    const raw = await rawClient({ headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate' } });
    expect(raw.head.headers).not.toHaveProperty('sec-websocket-extensions');
    await sendCompressed(raw, Opcode.text, compressMessage('hello'));
    await expectClosedWith(raw, PROTOCOL_ERROR);
  });

  it('with --deflate but no offer from the client, an RSV1 frame is a protocol error (1002)', async () => {
    const raw = await connectOffering(undefined);
    expect(raw.head.headers).not.toHaveProperty('sec-websocket-extensions');
    await sendCompressed(raw, Opcode.text, compressMessage('hello'));
    await expectClosedWith(raw, PROTOCOL_ERROR);
  });

  it('a whole header ws cannot parse gets no 400: the offers are declined', async () => {
    const server = await serve({ deflate: true });
    const answer = await rawUpgrade(server.port, { headers: { 'Sec-WebSocket-Extensions': ';;;' } });
    expect(answer.status).toBe(101);
  });
});

describe('echoes are byte- and opcode-identical', () => {
  it.each([
    ['text', Opcode.text, Buffer.from('héllo wörld, '.repeat(200))],
    ['binary', Opcode.binary, randomBytes(5000)],
    ['empty text', Opcode.text, Buffer.alloc(0)],
    ['empty binary', Opcode.binary, Buffer.alloc(0)],
  ])('a compressed %s message', async (_kind, opcode, message) => {
    const raw = await connectOffering('permessage-deflate');
    await sendCompressed(raw, opcode, compressMessage(message));
    expect(messageOf(await nextMessage(raw, opcode)).equals(message)).toBe(true);
  });

  it('an uncompressed message on a compressed connection', async () => {
    const raw = await connectOffering('permessage-deflate');
    const message = Buffer.from('plain '.repeat(500));
    await raw.sendFrame({ opcode: Opcode.text, payload: message });
    expect(messageOf(await nextMessage(raw, Opcode.text)).equals(message)).toBe(true);
  });

  it('a compressed message in several fragments (RSV1 on the first only)', async () => {
    const raw = await connectOffering('permessage-deflate');
    const message = Buffer.from('fragmented and compressed; '.repeat(400));
    await sendCompressed(raw, Opcode.binary, compressMessage(message), 5);
    expect(messageOf(await nextMessage(raw, Opcode.binary)).equals(message)).toBe(true);
  });

  it.each([
    { compress: true, sizes: [0, 1, 200, 70_000, 1024 * 1024] },
    { compress: false, sizes: [0, 1, 200, 70_000, 1024 * 1024] },
  ])(
    'a ws client (perMessageDeflate: $compress) gets every text and binary message back as sent',
    async ({ compress, sizes }) => {
      const server = await serve({ deflate: true });
      const ws = await client(server.url, { perMessageDeflate: compress });
      expect(ws.ws.extensions).toBe(compress ? 'permessage-deflate' : '');
      const sent = sizes.flatMap((size) => [
        { data: Buffer.from('z'.repeat(size)), isBinary: false },
        { data: noise(size, size + 1), isBinary: true },
      ]);
      sent.forEach(({ data, isBinary }) => ws.ws.send(data, { binary: isBinary }));
      const received = await ws.nextMessages(sent.length);
      received.forEach((echo, i) => {
        expect(echo.isBinary).toBe(sent[i].isBinary);
        expect(echo.data.equals(sent[i].data)).toBe(true);
      });
    },
  );

  it.each(['one-shot', 'whole-message'] as const)(
    '%s: the compressed echo is written before the TCP drop',
    async (mode) => {
      const server = await serve({ deflate: true, mode });
      const ws = await client(server.url, { perMessageDeflate: true });
      const message = 'compressed before the drop '.repeat(100);
      ws.ws.send(message);
      expect((await ws.closed).code).toBe(1006);
      expect(ws.received.map((echo) => echo.data.toString())).toEqual([
        mode === 'one-shot' ? message.slice(0, 8) : message,
      ]);
    },
  );
});

describe('context takeover', () => {
  const first = Buffer.from(noise(2000, 3));

  it('on (the default): the server reads a message that refers back into the previous one', async () => {
    const raw = await connectOffering('permessage-deflate');
    await sendCompressed(raw, Opcode.binary, compressMessage(first));
    await nextMessage(raw, Opcode.binary);
    const second = compressMessage(first, { previous: first });
    expect(second.length).toBeLessThan(100); // it only refers back
    await sendCompressed(raw, Opcode.binary, second);
    const frame = await nextMessage(raw, Opcode.binary);
    expect(messageOf(frame, { previous: first }).equals(first)).toBe(true);
  });

  it("on (the default): the server's second echo of the same message refers back into its first", async () => {
    const raw = await connectOffering('permessage-deflate');
    await raw.sendFrames([
      { opcode: Opcode.binary, payload: first },
      { opcode: Opcode.binary, payload: first },
    ]);
    expect(messageOf(await nextMessage(raw, Opcode.binary)).equals(first)).toBe(true);
    const second = await nextMessage(raw, Opcode.binary);
    expect(second.rsv1).toBe(true);
    expect(second.payload.length).toBeLessThan(100);
    expect(() => decompressMessage(second.payload)).toThrow(); // alone, it cannot be read
    expect(decompressMessage(second.payload, { previous: first }).equals(first)).toBe(true);
  });

  it('server_no_context_takeover: every echo decompresses on its own', async () => {
    const raw = await connectOffering('permessage-deflate; server_no_context_takeover');
    await raw.sendFrames([
      { opcode: Opcode.binary, payload: first },
      { opcode: Opcode.binary, payload: first },
    ]);
    for (let i = 0; i < 2; i++) {
      const frame = await nextMessage(raw, Opcode.binary);
      expect(frame.rsv1).toBe(true);
      expect(decompressMessage(frame.payload).equals(first)).toBe(true);
    }
  });

  it('client_no_context_takeover: the server resets its context, so a message referring back into the previous one is invalid (1007)', async () => {
    const raw = await connectOffering('permessage-deflate; client_no_context_takeover');
    await sendCompressed(raw, Opcode.binary, compressMessage(first));
    await nextMessage(raw, Opcode.binary);
    await sendCompressed(raw, Opcode.binary, compressMessage(first, { previous: first }));
    await expectClosedWith(raw, INVALID_PAYLOAD);
  });
});

describe('window sizes', () => {
  const farRepeat = repeatingEvery(3000); // repeats 3000 bytes back: beyond a 9-bit (512-byte) window

  it.each([8, 9, 11])(
    'server_max_window_bits=%i: the echo never refers further back than that window',
    async (bits) => {
      const raw = await connectOffering(`permessage-deflate; server_max_window_bits=${bits}`);
      await raw.sendFrame({ opcode: Opcode.binary, payload: farRepeat });
      const frame = await nextMessage(raw, Opcode.binary);
      expect(decompressMessage(frame.payload, { windowBits: bits }).equals(farRepeat)).toBe(true);
    },
  );

  it('without server_max_window_bits the same echo needs the wider window (so the check above can fail)', async () => {
    const raw = await connectOffering('permessage-deflate');
    await raw.sendFrame({ opcode: Opcode.binary, payload: farRepeat });
    const frame = await nextMessage(raw, Opcode.binary);
    expect(() => decompressMessage(frame.payload, { windowBits: 9 })).toThrow(/too far back/);
    expect(decompressMessage(frame.payload).equals(farRepeat)).toBe(true);
  });

  it('client_max_window_bits=9: a message compressed within 9 bits is echoed', async () => {
    const raw = await connectOffering('permessage-deflate; client_max_window_bits=9');
    await sendCompressed(raw, Opcode.binary, compressMessage(farRepeat, { windowBits: 9 }));
    expect(messageOf(await nextMessage(raw, Opcode.binary)).equals(farRepeat)).toBe(true);
  });

  it('client_max_window_bits=9: the server reads with a 9-bit window, so a reference further back is invalid (1007)', async () => {
    const raw = await connectOffering('permessage-deflate; client_max_window_bits=9');
    await sendCompressed(raw, Opcode.binary, compressMessage(farRepeat));
    await expectClosedWith(raw, INVALID_PAYLOAD);
  });

  it('client_max_window_bits without a value: the server reads with the full window', async () => {
    const raw = await connectOffering('permessage-deflate; client_max_window_bits');
    await sendCompressed(raw, Opcode.binary, compressMessage(farRepeat));
    expect(messageOf(await nextMessage(raw, Opcode.binary)).equals(farRepeat)).toBe(true);
  });
});

describe('protocol errors and limits with compression on', () => {
  it('RSV1 on a continuation frame: 1002', async () => {
    const raw = await connectOffering('permessage-deflate');
    const compressed = compressMessage('two fragments, the second wrongly marked');
    await raw.sendFrames([
      { opcode: Opcode.text, rsv1: true, fin: false, payload: compressed.subarray(0, 10) },
      { opcode: Opcode.continuation, rsv1: true, fin: true, payload: compressed.subarray(10) },
    ]);
    await expectClosedWith(raw, PROTOCOL_ERROR);
  });

  it.each([
    ['ping', Opcode.ping],
    ['pong', Opcode.pong],
    ['close', Opcode.close],
  ])('RSV1 on a %s frame: 1002', async (_kind, opcode) => {
    const raw = await connectOffering('permessage-deflate');
    await raw.sendFrame({ opcode, rsv1: true, payload: compressMessage('x') });
    await expectClosedWith(raw, PROTOCOL_ERROR);
  });

  it('invalid compressed data closes with 1007 and is never echoed', async () => {
    const raw = await connectOffering('permessage-deflate');
    await raw.sendFrame({
      opcode: Opcode.binary,
      rsv1: true,
      payload: Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00, 0x01]),
    });
    await expectClosedWith(raw, INVALID_PAYLOAD);
    expect(raw.unread()).toHaveLength(0);
  });

  it('compressed text that inflates to invalid UTF-8 closes with 1007', async () => {
    const raw = await connectOffering('permessage-deflate');
    await sendCompressed(raw, Opcode.text, compressMessage(Buffer.from([0x68, 0xc3, 0x28])));
    await expectClosedWith(raw, INVALID_PAYLOAD);
  });

  it('the inflate bomb: 16 MiB of zeros in a 16 KiB frame, with --max-payload 64 KiB, closes with 1009 and is never echoed', async () => {
    const bomb = compressMessage(Buffer.alloc(16 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(20 * 1024);
    const raw = await connectOffering('permessage-deflate', { maxPayload: 64 * 1024 });
    await sendCompressed(raw, Opcode.binary, bomb);
    const close = await raw.nextClose();
    expect(close.code).toBe(MESSAGE_TOO_BIG);
    // The reason gives the inflated size against the limit, not the compressed size (which is under it).
    expect(close.reason.toString()).toBe(
      `message too big: over 65536 bytes inflated (${bomb.length} compressed), limit 65536`,
    );
    expect((await raw.tcpEnd()).closeFrameReceived).toBe(true);
    expect(raw.unread()).toHaveLength(0);
  });

  it('fragments that each inflate under --max-payload but together over it: 1009, with the inflated size', async () => {
    const raw = await connectOffering('permessage-deflate', { maxPayload: 64 * 1024 });
    await sendCompressed(raw, Opcode.binary, compressMessage(Buffer.alloc(200 * 1024)), 8);
    const close = await raw.nextClose();
    expect(close.code).toBe(MESSAGE_TOO_BIG);
    expect(close.reason.toString()).toMatch(
      /^message too big: over 65536 bytes inflated \(\d+ compressed\), limit 65536$/,
    );
  });

  it('a message that inflates to exactly --max-payload is echoed', async () => {
    const raw = await connectOffering('permessage-deflate', { maxPayload: 64 * 1024 });
    const message = Buffer.alloc(64 * 1024, 0x61);
    await sendCompressed(raw, Opcode.binary, compressMessage(message));
    expect(messageOf(await nextMessage(raw, Opcode.binary)).equals(message)).toBe(true);
  });
});

describe('the CLI', () => {
  it('--deflate negotiates, and the connection line shows the answer and each declined offer', async () => {
    const cli = await cliServer(['--deflate']);
    const answer = await rawUpgrade(portOf(cli.url), {
      headers: {
        'Sec-WebSocket-Extensions': 'permessage-deflate; bogus, permessage-deflate; server_max_window_bits=11',
      },
    });
    expect(answer.status).toBe(101);
    expect(answer.headers['sec-websocket-extensions']).toBe('permessage-deflate; server_max_window_bits=11');
    await cli.waitFor(
      /#1 connected from \S+ path \/, permessage-deflate; server_max_window_bits=11, permessage-deflate offer 1 \("permessage-deflate; bogus"\) declined: Unknown parameter "bogus"/,
    );
  });

  it('without --deflate the CLI answers no extension', async () => {
    const cli = await cliServer([]);
    const answer = await rawUpgrade(portOf(cli.url), { headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate' } });
    expect(answer.status).toBe(101);
    expect(answer.headers).not.toHaveProperty('sec-websocket-extensions');
  });
});
