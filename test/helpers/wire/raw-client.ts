// A WebSocket client over raw TCP for protocol and resource tests: it sends any bytes, answers nothing by itself, and
// shows every frame the server sends.
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  buildFrame,
  FrameParser,
  Opcode,
  parseClosePayload,
  type CloseBody,
  type Frame,
  type FrameSpec,
} from './frames';
import { openUpgraded, type HttpHead, type UpgradedSocket, type UpgradeRequest } from './raw-http';

/** How the server's side of the TCP connection ended, as the raw client saw it. */
export interface TcpEnd {
  /** Whether a close frame arrived before the end. */
  closeFrameReceived: boolean;
  /** Whether the end was a FIN ('end') rather than only a reset or destroy ('close'). */
  gracefulEnd: boolean;
}

/**
 * A WebSocket client that speaks raw bytes: nothing is validated or answered for you,
 * so tests can send anything and see exactly what the server sends back.
 */
export class RawClient {
  readonly socket: Socket;
  /** The 101 response head. */
  readonly head: HttpHead;
  private readonly parser = new FrameParser();
  private readonly frames: Frame[] = [];
  private readonly waiters: Array<{ resolve: (frame: Frame) => void; reject: (error: Error) => void }> = [];
  private closeFrameSeen = false;
  private ended = false;
  private readonly endPromise: Promise<TcpEnd>;

  /** Starts reading an upgraded socket; `rest` (bytes after the 101 head) is parsed first. */
  constructor({ socket, head, rest }: UpgradedSocket) {
    this.socket = socket;
    this.head = head;
    this.endPromise = new Promise<TcpEnd>((resolve) => {
      const finish = (gracefulEnd: boolean): void => {
        if (this.ended) return;
        this.ended = true;
        this.waiters
          .splice(0)
          .forEach((w) => w.reject(new Error(`TCP connection ended with no further frame${this.leftoverNote()}`)));
        resolve({ closeFrameReceived: this.closeFrameSeen, gracefulEnd });
      };
      socket.once('end', () => finish(true));
      socket.once('close', () => finish(false));
    });
    socket.on('error', () => undefined); // resets show up as 'close'
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.receive(rest);
    socket.resume();
  }

  private leftoverNote(): string {
    return this.parser.pendingBytes > 0 ? ` (${this.parser.pendingBytes} bytes of an incomplete frame)` : '';
  }

  private receive(chunk: Buffer): void {
    for (const frame of this.parser.push(chunk)) {
      if (frame.opcode === Opcode.close) this.closeFrameSeen = true;
      const waiter = this.waiters.shift();
      if (waiter) waiter.resolve(frame);
      else this.frames.push(frame);
    }
  }

  /** Writes raw bytes as one TCP write; resolves once they are handed to the kernel. */
  send(bytes: Buffer | string): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (error) => (error ? reject(error) : resolve())));
  }

  /** Builds `spec` (masked unless it says otherwise) and writes it. */
  sendFrame(spec: FrameSpec): Promise<void> {
    return this.send(buildFrame(spec));
  }

  /** Writes several frames in one TCP write. */
  sendFrames(specs: FrameSpec[]): Promise<void> {
    return this.send(Buffer.concat(specs.map(buildFrame)));
  }

  /** Writes `bytes` one byte per TCP write, each write waited for. */
  async sendByteByByte(bytes: Buffer): Promise<void> {
    for (let i = 0; i < bytes.length; i++) await this.send(bytes.subarray(i, i + 1));
  }

  /** Resolves with the next frame from the server; rejects if TCP ends before one arrives. */
  nextFrame(): Promise<Frame> {
    const frame = this.frames.shift();
    if (frame) return Promise.resolve(frame);
    if (this.ended) return Promise.reject(new Error(`TCP connection already ended; no frame${this.leftoverNote()}`));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Resolves with the next frame's close body; rejects if the next frame is not a close frame. */
  async nextClose(): Promise<CloseBody> {
    const frame = await this.nextFrame();
    if (frame.opcode !== Opcode.close) {
      throw new Error(`expected a close frame, got opcode ${frame.opcode} with ${frame.payload.length} bytes`);
    }
    return parseClosePayload(frame.payload);
  }

  /** The status code of the next frame, which must be a close frame. */
  async nextCloseCode(): Promise<number | undefined> {
    return (await this.nextClose()).code;
  }

  /** Resolves when the server's side of TCP ends ('end' or 'close'), saying whether a close frame came first. */
  tcpEnd(): Promise<TcpEnd> {
    return this.endPromise;
  }

  /** Frames that arrived and were not read with {@link nextFrame}. */
  unread(): readonly Frame[] {
    return this.frames;
  }

  /** Destroys the socket at once. */
  destroy(): void {
    this.socket.destroy();
  }
}

/**
 * Does the opening handshake by hand with 127.0.0.1:`port` (see {@link openUpgraded}) and
 * resolves with a {@link RawClient} reading the upgraded socket.
 */
export async function openRawClient(port: number, request: UpgradeRequest = {}): Promise<RawClient> {
  return new RawClient(await openUpgraded(port, request));
}

/** Asserts `frame` is one final, unmasked server frame with this opcode and exactly these payload bytes. */
export function expectFrame(frame: Frame, opcode: number, payload: Buffer | string): void {
  const expected = typeof payload === 'string' ? Buffer.from(payload) : payload;
  expect({
    fin: frame.fin,
    rsv: [frame.rsv1, frame.rsv2, frame.rsv3],
    masked: frame.masked,
    opcode: frame.opcode,
  }).toEqual({
    fin: true,
    rsv: [false, false, false],
    masked: false,
    opcode,
  });
  expect(frame.payload.length).toBe(expected.length);
  // Buffer.equals, not toEqual: a 16 MiB diff would drown the report.
  expect(frame.payload.equals(expected)).toBe(true);
}

/** Asserts the client's next frame echoes `payload` with `opcode`. */
export async function expectEcho(client: RawClient, opcode: number, payload: Buffer | string): Promise<void> {
  expectFrame(await client.nextFrame(), opcode, payload);
}

/** Sends `text` as a text message and asserts it is echoed unchanged: the connection is healthy. */
export async function expectEchoes(client: RawClient, text: string): Promise<void> {
  await client.sendFrame({ opcode: Opcode.text, payload: text });
  await expectEcho(client, Opcode.text, text);
}

/**
 * Echoes a small text message every `everyMs` until `done()` is true, waiting for each echo; resolves with the round
 * trips in ms, sorted. For checks that a client flooding or dripping elsewhere does not freeze the others.
 */
export async function echoRoundTrips(client: RawClient, done: () => boolean, everyMs: number): Promise<number[]> {
  const roundTrips: number[] = [];
  for (let i = 0; !done(); i++) {
    const started = performance.now();
    await client.sendFrame({ opcode: Opcode.text, payload: `tick ${i}` });
    await expectEcho(client, Opcode.text, `tick ${i}`);
    roundTrips.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return roundTrips.sort((a, b) => a - b);
}

/** A flood in progress; see {@link flood}. */
export interface Flood {
  /** Bytes written so far. */
  readonly sent: number;
  /** Whether the last write is still waiting for 'drain'. */
  readonly waitingForDrain: boolean;
  /**
   * Resolves true once the flood is stuck (still waiting for the same 'drain' a whole
   * `stallMs` later: the peer stopped reading), or false once `target` bytes are written.
   */
  readonly stuck: Promise<boolean>;
}

/**
 * Writes `frame` to `socket` again and again until `target` bytes are sent, honouring
 * write()/'drain' so this process buffers at most one socket high-water mark. It goes on
 * whenever 'drain' comes, even after {@link Flood.stuck} resolved.
 */
export function flood(socket: Socket, frame: Buffer, target: number, stallMs: number): Flood {
  let sent = 0;
  let waitingForDrain = false;
  let lastDrain = 0;
  const stuck = new Promise<boolean>((resolve) => {
    const pump = (): void => {
      while (sent < target) {
        sent += frame.length;
        if (!socket.write(frame)) {
          waitingForDrain = true;
          socket.once('drain', () => {
            waitingForDrain = false;
            lastDrain = sent;
            pump();
          });
          return;
        }
      }
      clearInterval(watch);
      resolve(false);
    };
    let seen = -1;
    const watch = setInterval(() => {
      if (waitingForDrain && seen === lastDrain) {
        clearInterval(watch);
        resolve(true);
      }
      seen = waitingForDrain ? lastDrain : -1;
    }, stallMs);
    pump();
  });
  return {
    get sent() {
      return sent;
    },
    get waitingForDrain() {
      return waitingForDrain;
    },
    stuck,
  };
}
