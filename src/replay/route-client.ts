// A page's mocked WebSocket (Playwright's WebSocketRoute) dressed as the connection the replay player plays on.
import type { ClientClosed, ReceivedMessage, SendOptions } from '../core/client-types';
import type { PlayedClient } from './player';

/**
 * The part of Playwright's `WebSocketRoute` the replay uses (structural: ws-echo needs no Playwright to build or run).
 */
export interface WebSocketRouteLike {
  url(): string;
  send(message: string | Buffer): void;
  close(options?: { code?: number; reason?: string }): Promise<void>;
  onMessage(handler: (message: string | Buffer) => unknown): void;
  onClose(handler: (code: number | undefined, reason: string | undefined) => unknown): void;
}

/** Messages from the page kept unread before the route closes it (1008): what a page sends stays bounded. */
export const ROUTE_MESSAGES_KEPT = 1000;

/** The close code when a page sends more than {@link ROUTE_MESSAGES_KEPT} messages the script has not read. */
const CLOSE_TOO_MANY = 1008;

/** A routed page WebSocket as the player sees it: messages queued for `nextMessage()`, sends and closes on it. */
export class RouteClient implements PlayedClient {
  readonly bufferedAmount = 0;
  /** A mock: the player skips frames, pings and `set` lines here (docs/transcripts.md). */
  readonly mock = true;
  isOpen = true;
  readonly closed: Promise<ClientClosed>;
  private readonly unread: ReceivedMessage[] = [];
  private readonly waiting: ((message: ReceivedMessage | undefined) => void)[] = [];
  private settle!: (closed: ClientClosed) => void;

  constructor(
    /** The route's number, 1 for the page's first routed WebSocket. */
    readonly id: number,
    private readonly route: WebSocketRouteLike,
  ) {
    this.closed = new Promise((resolve) => (this.settle = resolve));
    route.onMessage((data) => this.received(data));
    route.onClose((code, reason) =>
      this.ended({ code: code ?? 1005, reason: reason ?? '', clean: true, initiator: 'client' }),
    );
  }

  /** A page's message: handed to a waiting `nextMessage()` or queued (bounded). */
  private received(data: string | Buffer): void {
    if (!this.isOpen) return;
    const message = { data, isBinary: typeof data !== 'string', time: new Date() };
    const waiter = this.waiting.shift();
    if (waiter) waiter(message);
    else if (this.unread.length < ROUTE_MESSAGES_KEPT) this.unread.push(message);
    else this.close(CLOSE_TOO_MANY, 'too many messages unread');
  }

  /** The connection ended: waiters learn there is nothing more. */
  private ended(closed: ClientClosed): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.settle(closed);
    for (const waiter of this.waiting.splice(0)) waiter(undefined);
  }

  /** The page's next message; rejects once the connection ended with none left. */
  nextMessage(): Promise<ReceivedMessage> {
    const message = this.unread.shift();
    if (message) return Promise.resolve(message);
    if (!this.isOpen) return Promise.reject(new Error(`route #${this.id} ended`));
    return new Promise((resolve, reject) =>
      this.waiting.push((next) => (next ? resolve(next) : reject(new Error(`route #${this.id} ended`)))),
    );
  }

  /** Sends to the page: a string as text, a Buffer as binary; whole (a page route has no frames). */
  send(data: string | Buffer, _options?: SendOptions): void {
    if (this.isOpen) this.route.send(data);
  }

  /** Closes the page's WebSocket with `code` and `reason`. */
  close(code?: number, reason?: string): void {
    if (!this.isOpen) return;
    this.route.close({ code, reason }).catch(() => undefined); // the page may be gone already
    this.ended({ code: code ?? 1005, reason: reason ?? '', clean: true, initiator: 'server' });
  }

  /** A mock has no TCP to drop: the page's WebSocket is closed with 1006's nearest, no code. */
  drop(): void {
    this.close();
  }

  /** A mock has no ping frames: never called (the player skips ping lines on a mock). */
  ping(): Promise<never> {
    return Promise.reject(new Error("a page's mocked WebSocket has no ping frames"));
  }

  /** Only the reset ending calls this (`resetAfter: 0`); a mock has no TCP to reset, so it closes as {@link drop}. */
  set(): void {
    this.close();
  }
}
