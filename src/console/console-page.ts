// The console page: one self-contained HTML page for browsers, served with a strict CSP.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml } from './escape-html';
import { renderParameterFields } from './param-form';
import { PAGE_SCRIPT } from './page-script';
import { PAGE_STYLE } from './page-style';

/** What the page needs to know about its server. */
export interface ConsoleConfig {
  /** The server's echo mode, shown as the default. */
  mode: string;
  /** `--path`, which the page's WebSocket URL uses; undefined: the page's own path. */
  path: string | undefined;
}

/** Serves the page to browsers. */
export interface ConsolePage {
  /** Answers `req` with the page and returns true if it asks for HTML; false leaves `res` alone. */
  serve(req: IncomingMessage, res: ServerResponse): boolean;
}

/** Whether the `Accept` header asks for HTML (a browser navigating), not `*\/*` (curl) or nothing. */
export function acceptsHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const [type, ...rest] = part.split(';').map((piece) => piece.trim().toLowerCase());
    const q = rest.find((piece) => piece.startsWith('q='));
    return (type === 'text/html' || type === 'application/xhtml+xml') && (q === undefined || Number(q.slice(2)) > 0);
  });
}

const hashOf = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * Only the page's own script and style run; it may open WebSockets to its own origin
 * (`'self'` covers ws:// and wss:// of the same host), and nothing else loads.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src ${hashOf(PAGE_SCRIPT)}`,
  `style-src ${hashOf(PAGE_STYLE)}`,
  "connect-src 'self'",
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The whole page for one server. */
export function renderPage(config: ConsoleConfig): string {
  const mode = escapeHtml(config.mode);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ws-echo console</title>
<style>${PAGE_STYLE}</style>
</head>
<body data-path="${escapeHtml(config.path ?? '')}" data-mode="${mode}">
<main>
<header><h1>ws-echo console</h1><p>A WebSocket echo server (mode: <b>${mode}</b>). Connect, send, close, and watch what comes back.</p></header>
<section id="connect-section" aria-labelledby="connect-h">
<h2 id="connect-h">Connect</h2>
<form id="connect-form" novalidate>
${renderParameterFields(config.mode)}
<div class="field"><label for="subprotocols">subprotocols</label><input type="text" id="subprotocols" autocomplete="off" placeholder="chat, v2.chat" aria-describedby="subprotocols-hint"><small id="subprotocols-hint">comma separated; offered in Sec-WebSocket-Protocol</small></div>
<div class="field"><label for="url">URL</label><div class="row"><input type="text" id="url" readonly><button type="button" class="secondary" id="copy">Copy</button><span id="copy-status" role="status"></span></div></div>
<p id="connect-error" class="error" role="alert"></p>
<div class="row"><button type="submit" id="connect">Connect</button></div>
</form>
<p id="state" role="status">Not connected</p>
</section>
<section id="send-section" aria-labelledby="send-h">
<h2 id="send-h">Send</h2>
<form id="send-form" novalidate>
<fieldset><legend>As</legend><label><input type="radio" name="as" id="as-text" value="text" checked> text</label><label><input type="radio" name="as" id="as-binary" value="binary"> binary (hex)</label></fieldset>
<div class="field"><label for="message">Message</label><div class="row"><input type="text" id="message" autocomplete="off" placeholder="text to echo" aria-describedby="send-error"><button type="submit" id="send">Send</button></div></div>
<p id="send-error" class="error" role="alert"></p>
</form>
<h2 id="close-h">Close</h2>
<form id="close-form" novalidate aria-labelledby="close-h">
<div class="row"><div class="field"><label for="close-code">code</label><input type="text" id="close-code" inputmode="numeric" value="1000" autocomplete="off"></div>
<div class="field"><label for="close-reason">reason</label><input type="text" id="close-reason" autocomplete="off" placeholder="at most 123 bytes"></div></div>
<div class="row"><button type="submit" id="close">Send close</button></div>
<p id="close-error" class="error" role="alert"></p>
</form>
<p id="ended" role="status"></p>
</section>
<section id="log-section" aria-labelledby="log-h">
<div class="log-head"><h2 id="log-h">Log</h2><small id="log-count">0 of at most 500 entries</small><button type="button" class="secondary" id="clear">Clear log</button></div>
<ol id="log" role="log" aria-labelledby="log-h" tabindex="0"></ol>
</section>
</main>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

/** The console of one server; the page is rendered once, on the first request for it. */
export function createConsolePage(config: ConsoleConfig): ConsolePage {
  let page: Buffer | undefined;
  return {
    serve(req, res) {
      if (!acceptsHtml(req.headers.accept)) return false;
      page ??= Buffer.from(renderPage(config), 'utf8');
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Length': page.length,
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Cache-Control': 'no-store',
        Vary: 'Accept',
      });
      res.end(req.method === 'HEAD' ? undefined : page);
      return true;
    },
  };
}
