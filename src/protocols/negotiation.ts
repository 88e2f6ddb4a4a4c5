// What a handshake negotiates beyond the plain upgrade (subprotocol, permessage-deflate, extra headers), wired into ws.
import type { IncomingMessage } from 'node:http';
import type { ServerOptions, WebSocket, WebSocketServer } from 'ws';
import { replaceExtensionOffers, replaceProtocolOffers } from '../internals/ws-extensions';
import { DEFLATE_OPTIONS, filterDeflateOffers } from './deflate';
import { headerLines, type ExtraHeaders } from './extra-headers';
import { shareInflation } from './inflation-share';
import { chooseProtocol, withoutEmptyOffers, type ProtocolList } from './subprotocols';

/** The server-wide settings negotiation follows. */
export interface NegotiationSettings {
  protocols: ProtocolList;
  deflate: boolean;
  headers: ExtraHeaders;
}

/** What one connection got, for its `connection` log line; empty fields are left out. */
export interface Negotiated {
  /** The subprotocol answered. */
  protocol?: string;
  /** The `Sec-WebSocket-Extensions` answer (the compression in effect). */
  extensions?: string;
  /** Offers declined, one line each (the connection opened without them). */
  declined?: string[];
}

/** Negotiation for one server. */
export interface Negotiation {
  /** Options for ws's `WebSocketServer`. */
  readonly wsOptions: Pick<ServerOptions, 'perMessageDeflate' | 'handleProtocols'>;
  /**
   * Call before `wss.handleUpgrade`: declines, one by one, the compression offers ws would refuse the whole handshake
   * for.
   */
  prepare(req: IncomingMessage): void;
  /** Adds the extra headers to every `101` ws writes, and notes the extensions it answered. */
  attach(wss: WebSocketServer): void;
  /**
   * What the connection `ws`, upgraded from `req`, got. Called once per connection as it opens: a compressed one's
   * inflation is also put under the process's shared turns from then on (inflation-share.ts).
   */
  describe(req: IncomingMessage, ws: WebSocket): Negotiated;
}

const EXTENSIONS_ANSWER = 'sec-websocket-extensions:';

/** Builds the negotiation from the resolved settings. */
export function createNegotiation(settings: NegotiationSettings): Negotiation {
  // Per handshake, kept only as long as its request: what was declined and the extensions answered.
  const notes = new WeakMap<IncomingMessage, Negotiated>();
  const noteOf = (req: IncomingMessage): Negotiated => {
    let note = notes.get(req);
    if (!note) notes.set(req, (note = {}));
    return note;
  };
  const decline = (req: IncomingMessage, lines: string[]): void => {
    if (lines.length === 0) return;
    const note = noteOf(req);
    note.declined = [...(note.declined ?? []), ...lines];
  };
  const extraLines = headerLines(settings.headers);

  return {
    wsOptions: {
      perMessageDeflate: settings.deflate ? DEFLATE_OPTIONS : false,
      handleProtocols: (offered: Set<string>, req: IncomingMessage) => {
        const choice = chooseProtocol(offered, settings.protocols);
        if (choice.declined) decline(req, [choice.declined]);
        return choice.protocol ?? false;
      },
    },
    prepare(req) {
      const protocols = withoutEmptyOffers(req.headers['sec-websocket-protocol']);
      if (protocols !== undefined) replaceProtocolOffers(req, protocols);
      const offered = req.headers['sec-websocket-extensions'];
      if (!settings.deflate || offered === undefined) return;
      const { header, declined } = filterDeflateOffers(offered);
      replaceExtensionOffers(req, header);
      decline(req, declined);
    },
    attach(wss) {
      if (!settings.deflate && extraLines.length === 0) return;
      wss.on('headers', (lines: string[], req: IncomingMessage) => {
        if (settings.deflate) {
          const answer = lines.find((line) => line.toLowerCase().startsWith(EXTENSIONS_ANSWER));
          if (answer !== undefined) noteOf(req).extensions = answer.slice(EXTENSIONS_ANSWER.length).trim();
        }
        lines.push(...extraLines);
      });
    },
    describe(req, ws) {
      if (settings.deflate) shareInflation(ws);
      const note = notes.get(req);
      notes.delete(req);
      return { ...(ws.protocol ? { protocol: ws.protocol } : {}), ...note };
    },
  };
}
