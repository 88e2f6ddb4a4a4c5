// An RFC 8441 client on Node's http2 (not ws): extended CONNECT streams whose WebSocket frames it builds and parses
// itself (frames.ts), and plain requests on the same session.
import {
  connect,
  constants,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
} from 'node:http2';
import { buildFrame, closePayload, FrameParser, Opcode, type Frame, type FrameSpec } from './frames';

/** RST_STREAM codes a test may name. */
export const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR } = constants;

/** How an RFC 8441 stream ended, as the client saw it. */
export interface StreamEnd {
  /** The server sent END_STREAM. */
  endStream: boolean;
  /** The RST_STREAM code, if the stream was reset (0 is NO_ERROR, 8 CANCEL). */
  rstCode: number;
}

/** One plain answer on the session. */
export interface H2Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Waits for `count` frames and the like on one stream; the test's timeout bounds every wait. */
export class H2WebSocket {
  readonly frames: Frame[] = [];
  private readonly parser = new FrameParser();
  private waiter: (() => void) | undefined;
  private endStream = false;
  private closeSent = false;
  private closeReceived = false;
  /** Resolves once the stream is closed (END_STREAM both ways, or a reset). */
  readonly ended: Promise<StreamEnd>;

  constructor(
    readonly stream: ClientHttp2Stream,
    readonly status: number,
    readonly headers: IncomingHttpHeaders,
  ) {
    stream.on('data', (chunk: Buffer) => {
      const frames = this.parser.push(chunk);
      this.frames.push(...frames);
      // A close handshake done ends our side, as a client closes its TCP connection (RFC 6455 §7.1.1).
      if (frames.some((f) => f.opcode === Opcode.close)) this.closeReceived = true;
      if (this.closeSent && this.closeReceived) stream.end();
      this.waiter?.();
    });
    stream.on('end', () => {
      this.endStream = true;
      this.waiter?.();
    });
    stream.on('error', () => undefined);
    this.ended = new Promise((resolve) =>
      stream.once('close', () => {
        this.waiter?.();
        // Node ends a reset stream's readable side too: only an end with no error code is the server's END_STREAM.
        const rstCode = stream.rstCode ?? 0;
        resolve({ endStream: this.endStream && rstCode === NGHTTP2_NO_ERROR, rstCode });
      }),
    );
  }

  /** Sends one frame (masked unless the spec says otherwise). */
  send(spec: FrameSpec): void {
    this.stream.write(buildFrame(spec));
  }

  /** Sends a text message. */
  sendText(text: string): void {
    this.send({ opcode: Opcode.text, payload: text });
  }

  /** Sends a close frame. */
  close(code = 1000, reason = ''): void {
    this.closeSent = true;
    this.send({ opcode: Opcode.close, payload: closePayload(code, reason) });
    if (this.closeReceived) this.stream.end();
  }

  /** The next frame not taken yet; rejects if the stream ends first. */
  async nextFrame(): Promise<Frame> {
    await this.until(() => this.frames.length > 0);
    return this.frames.shift() as Frame;
  }

  /** Resolves once `done()` holds; rejects if the stream closes or ends first with it still false. */
  until(done: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (done()) {
          this.waiter = undefined;
          resolve();
        } else if (this.endStream || this.stream.closed) {
          this.waiter = undefined;
          reject(new Error(`stream ended (rst ${this.stream.rstCode}) with ${this.frames.length} frames unread`));
        }
      };
      this.waiter = check;
      check();
    });
  }

  /** Stops reading the stream (the server's writes then wait on HTTP/2 flow control). */
  pause(): void {
    this.stream.pause();
  }
}

/** One HTTP/2 session to the server, h2c or TLS (any certificate). */
export class H2Client {
  readonly session: ClientHttp2Session;
  /** Resolves with the server's SETTINGS once they arrive. */
  readonly settings: Promise<ClientHttp2Session['remoteSettings']>;

  constructor(url: string) {
    const origin = url.replace(/^ws/, 'http').replace(/^(https?:\/\/[^/]+).*$/, '$1');
    this.session = connect(origin, { rejectUnauthorized: false, settings: { initialWindowSize: 4 * 1024 * 1024 } });
    this.session.on('error', () => undefined);
    this.settings = new Promise((resolve) => this.session.once('remoteSettings', (settings) => resolve(settings)));
  }

  /** Opens an RFC 8441 WebSocket on `path` (`:protocol` websocket unless `headers` say otherwise). */
  async webSocket(path: string, headers: Record<string, string> = {}): Promise<H2WebSocket> {
    await this.settings; // the server's SETTINGS_ENABLE_CONNECT_PROTOCOL must have arrived
    const stream = this.session.request(
      {
        ':method': 'CONNECT',
        ':protocol': 'websocket',
        ':scheme': 'http',
        ':path': path,
        'sec-websocket-version': '13',
        ...headers,
      },
      { endStream: false },
    );
    // A stream reset before its answer is reported by the close below, with its code.
    stream.on('error', () => undefined);
    const response = await new Promise<IncomingHttpHeaders>((resolve, reject) => {
      stream.once('response', resolve);
      stream.once('close', () => reject(new Error(`stream closed before an answer (rst ${stream.rstCode})`)));
    });
    return new H2WebSocket(stream, Number(response[':status']), response);
  }

  /** A refused CONNECT: its status, headers and body. */
  async refused(path: string, headers: Record<string, string> = {}): Promise<H2Answer> {
    const ws = await this.webSocket(path, headers);
    const chunks: Buffer[] = [];
    ws.stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    await ws.ended;
    return { status: ws.status, headers: ws.headers, body: Buffer.concat(chunks).toString() };
  }

  /** A plain request on the session. */
  get(path: string, headers: Record<string, string> = {}): Promise<H2Answer> {
    return new Promise((resolve, reject) => {
      const stream = this.session.request({ ':path': path, ...headers });
      const chunks: Buffer[] = [];
      let answer: IncomingHttpHeaders = {};
      stream.on('response', (h) => (answer = h));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () =>
        resolve({ status: Number(answer[':status']), headers: answer, body: Buffer.concat(chunks).toString() }),
      );
      stream.on('error', reject);
      stream.end();
    });
  }

  /** Closes the session at once. */
  destroy(): void {
    this.session.destroy();
  }
}
