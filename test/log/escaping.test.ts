// Client text never reaches a log line or an HTTP answer raw: C1 controls, DEL, NEL, line separators and bidi controls
// are escaped in pretty and JSON logs and in refusals, from every place client text reaches them.
import WebSocket from 'ws';
import type { EchoServerOptions, LogFormat } from '../../src';
import { LogSink } from '../helpers/log-sink';
import { perTest } from '../helpers/per-test';
import { pollUntil } from '../helpers/probe';
import { rawHttp, rawUpgrade, type HttpAnswer } from '../helpers/wire/raw-http';

/** NEL, CSI (U+009B), LINE and PARAGRAPH SEPARATOR, RIGHT-TO-LEFT OVERRIDE, LEFT-TO-RIGHT ISOLATE. */
const HOSTILE = 'a\u0085#3 closed\u009b31m\u2028b\u2029c\u202ed\u2066e';
/** The same, as a header value can carry it: bytes 0x80-0xff, which Node reads as latin1 (U+0080-U+00FF). */
const HOSTILE_HEADER = 'x\u0085#3 closed\u009b31m\u0080y';
/** Any character that must never reach a log line or an answer raw. */
const UNSAFE = /[\u0080-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const { serve, running, client } = perTest();

/** Starts the in-process server logging in `format` into memory; returns a reader of everything logged. */
async function serveLogged(format: LogFormat, options: EchoServerOptions = {}): Promise<() => string> {
  const sink = new LogSink(format);
  await serve({ ...options, log: sink.log });
  return () => sink.text();
}

/** Waits until a line with `event` (JSON) or matching `pretty` is logged, and returns all output. */
function logged(read: () => string, pattern: RegExp): Promise<string> {
  return pollUntil(read, (text) => pattern.test(text));
}

/** Checks `text` (what was logged) holds no unsafe character and, for JSON, that `field` parses back to `value`. */
function expectEscaped(format: LogFormat, text: string, event: string, field: string, value: string): void {
  expect(text).not.toMatch(UNSAFE);
  if (format === 'json') {
    const line = text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.event === event);
    expect(String(line?.[field])).toContain(value);
  } else {
    expect(text).toContain('\\u0085#3 closed\\u009b31m');
    expect(text).not.toMatch(/^#3 closed/m);
  }
}

describe.each<LogFormat>(['pretty', 'json'])('%s logs', (format) => {
  const rejectedPattern = format === 'json' ? /"event":"rejected"/ : /^rejected /m;

  it('escape a text message preview', async () => {
    const read = await serveLogged(format);
    const c = await client(running().url);
    c.ws.send(HOSTILE);
    await c.nextMessages(1);
    const text = await logged(read, format === 'json' ? /"event":"message"/ : /^#1 text /m);
    expectEscaped(format, text, 'message', 'preview', HOSTILE);
  });

  it('escape DEL (U+007F) in a message preview as \\u007f, never raw', async () => {
    const read = await serveLogged(format);
    const c = await client(running().url);
    c.ws.send('a\u007fb\u007f');
    const text = await logged(read, format === 'json' ? /"event":"message"/ : /^#1 text /m);
    expect(text).not.toMatch(/\u007f/);
    expect(text).toContain('a\\u007fb\\u007f');
    if (format === 'json') {
      const line = text.split('\n').find((l) => l.includes('"event":"message"')) as string;
      expect((JSON.parse(line) as { preview: string }).preview).toBe('a\u007fb\u007f');
    }
  });

  it("escape the client's close reason", async () => {
    const read = await serveLogged(format);
    const ws = new WebSocket(running().url);
    await new Promise((resolve) => ws.once('open', resolve));
    ws.close(4000, HOSTILE);
    await new Promise((resolve) => ws.once('close', resolve));
    const text = await logged(read, format === 'json' ? /"event":"close"/ : /^#1 closed /m);
    expectEscaped(format, text, 'close', 'reason', HOSTILE);
  });

  it.each([
    ['Origin', { Origin: HOSTILE_HEADER }, 403],
    ['Upgrade', { Upgrade: HOSTILE_HEADER }, 400],
    ['Sec-WebSocket-Version', { 'Sec-WebSocket-Version': HOSTILE_HEADER }, 426],
  ])('escape a refused request’s %s header, in the log and in the HTTP answer', async (_name, headers, status) => {
    const read = await serveLogged(format, { origins: ['https://example.com'] });
    const answer: HttpAnswer = await rawUpgrade(running().port, { headers });
    expect(answer.status).toBe(status);
    expect(answer.body).not.toMatch(UNSAFE);
    expect(answer.body).toContain('\\u0085#3 closed\\u009b31m');
    const text = await logged(read, rejectedPattern);
    expectEscaped(format, text, 'rejected', 'reason', HOSTILE_HEADER);
  });

  it('never print a raw C1 byte from a request path (the parser refuses it with 400)', async () => {
    const read = await serveLogged(format);
    const answer = await rawHttp(running().port, Buffer.from('GET /a\x85\x9bb HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1'));
    expect(answer.status).toBe(400);
    expect(await logged(read, rejectedPattern)).not.toMatch(UNSAFE);
  });
});
