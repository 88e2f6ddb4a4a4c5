// RFC 8441's extended CONNECT handed to the HTTP/1.1 upgrade path: the request seen as the upgrade it stands for.
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Duplex } from 'node:stream';
import { StreamSocket } from './stream-socket';

/** The upgrade path's entry: the same function HTTP/1.1 upgrades go through. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

const NO_HEAD = Buffer.alloc(0);

/**
 * The headers of the HTTP/1.1 upgrade an RFC 8441 CONNECT stands for (§5): `:authority` as `Host`, `:protocol` as
 * `Upgrade` (so the upgrade checks refuse another protocol as they would in HTTP/1.1), and a fresh
 * `Sec-WebSocket-Key` (RFC 8441 has none, ws needs one; its accept value is never sent). Pseudo-headers go.
 */
export function upgradeHeadersOf(req: Http2ServerRequest): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) if (!name.startsWith(':')) headers[name] = value;
  const authority = req.headers[':authority'];
  if (authority !== undefined) headers.host = authority;
  const protocol = req.headers[':protocol'];
  if (protocol !== undefined) headers.upgrade = String(protocol);
  headers.connection = 'Upgrade';
  headers['sec-websocket-key'] = randomBytes(16).toString('base64');
  return headers;
}

/**
 * The CONNECT request as the `IncomingMessage` of an HTTP/1.1 `GET` upgrade: what the upgrade checks, the behaviour
 * step, ws and the fixture read (method, version, URL, headers, socket). `url` is `:path`.
 */
export function upgradeRequestOf(req: Http2ServerRequest): IncomingMessage {
  const view = {
    method: 'GET',
    httpVersion: '1.1',
    httpVersionMajor: 1,
    httpVersionMinor: 1,
    url: req.url,
    headers: upgradeHeadersOf(req),
    socket: req.socket,
    connection: req.socket,
  };
  return view as unknown as IncomingMessage;
}

/**
 * The server's `'connect'` listener for HTTP/2 streams: an extended CONNECT (`:protocol` set) becomes an upgrade
 * through `upgrade`, answered on its stream; HTTP/1.1 CONNECT is left to the refusals (405). A CONNECT without
 * `:protocol` (a proxy request) goes the same way as a method other than GET: 405 on the stream.
 */
export function extendedConnect(upgrade: UpgradeHandler): (req: Http2ServerRequest, res: Http2ServerResponse) => void {
  return (req) => {
    if (req.httpVersionMajor !== 2) return;
    const view = upgradeRequestOf(req);
    // A plain CONNECT is refused by the upgrade path's first check (405, Allow: GET), as a method it does not serve.
    if (req.headers[':protocol'] === undefined) (view as { method: string }).method = 'CONNECT';
    upgrade(view, new StreamSocket(req.stream), NO_HEAD);
  };
}
