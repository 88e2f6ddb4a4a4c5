// Transcripts, HAR files and flags that would hang, freeze or crash a replay are refused at start, naming the fault.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, ftruncateSync, writeFileSync } from 'node:fs';
import { EchoServerError } from '../../src/core/errors';
import { MAX_TRANSCRIPT_BYTES, readTranscript } from '../../src/replay/replay-server';
import { runCliToEnd } from '../helpers/processes/cli';
import { scratchFile } from '../helpers/upstream/conversation';
import { OPEN, scriptFile } from './scripts';

/** The message readTranscript() refuses `file` with (an exit-2 error), or a failure of the test. */
function refusal(file: string): string {
  try {
    readTranscript(file);
  } catch (error) {
    expect(error).toBeInstanceOf(EchoServerError);
    expect((error as EchoServerError).exitCode).toBe(2);
    return (error as Error).message;
  }
  throw new Error(`${file} was accepted`);
}

/** JSON text nested 20,000 arrays deep around 1 (too deep for JSON.stringify to write: written as text). */
const DEEP = '['.repeat(20000) + '1' + ']'.repeat(20000);

/** A transcript file from the open line and one line given as JSON text. */
function rawScript(line: string): string {
  const file = scratchFile('script.jsonl');
  const header = { 'ws-echo': 'transcript', version: 1, recorded: '', target: 'ws://x/' };
  writeFileSync(file, `${JSON.stringify(header)}\n${JSON.stringify(OPEN)}\n${line}\n`);
  return file;
}

const SCRIPT_LINES: [string, string, RegExp][] = [
  [
    'an invalid RegExp',
    JSON.stringify({ c: 1, from: 'c', t: 0, match: 'regexp', text: '(' }),
    /:3: "text" is not a valid RegExp/,
  ],
  [
    'a RegExp that nests repeats',
    JSON.stringify({ c: 1, from: 'c', t: 0, match: 'regexp', text: '^(a+)+$' }),
    /:3: .*"\(a\+\)\+"/,
  ],
  [
    'a json-subset pattern 20,000 deep',
    `{"c":1,"from":"c","t":0,"match":"json-subset","json":${DEEP}}`,
    /:3: .*deeper than 100/,
  ],
  ['a server json line 20,000 deep', `{"c":1,"from":"s","t":0,"json":${DEEP}}`, /:3: .*deeper than 100 levels/],
  [
    'a rule whose RegExp nests repeats',
    JSON.stringify({ c: 1, rule: { match: '^(a+)+$', reply: 'x' } }),
    /:3: "rule": when: .*repeats a group that itself repeats/,
  ],
  [
    'close code 99999',
    JSON.stringify({ c: 1, event: 'close', by: 's', t: 0, code: 99999 }),
    /:3: "code" must be a close code .*99999/,
  ],
  [
    'a close reason of 124 bytes',
    JSON.stringify({ c: 1, event: 'close', by: 's', t: 0, code: 4000, reason: 'r'.repeat(124) }),
    /:3: "reason" must be at most 123 bytes/,
  ],
  [
    'a server line in more frames than send() takes',
    JSON.stringify({ c: 1, from: 's', t: 0, text: 'a'.repeat(65537), frames: Array(65537).fill(1) }),
    /:3: "frames" lists 65537 frames; a server line is sent in at most 65536/,
  ],
  [
    'a "set" count that is not whole, in server lines',
    JSON.stringify({ c: 1, from: 's', t: 0, text: 'a', set: { closeAfter: -1 } }),
    /:3: "set": closeAfter must be a whole number of at least 0 server lines, got -1/,
  ],
  [
    'binary that is not base64',
    JSON.stringify({ c: 1, from: 's', t: 0, binary: 'AQI#' }),
    /:3: "binary" must be base64 .*got "AQI#"/,
  ],
  [
    'a ping payload that is not base64',
    JSON.stringify({ c: 1, from: 's', t: 0, ping: 'a b' }),
    /:3: "ping" must be its payload as base64 \("" for none\), got "a b"/,
  ],
  [
    'a misspelt field on a message line',
    JSON.stringify({ c: 1, from: 'c', t: 0, macth: 'json-subset', json: {} }),
    /:3: unknown field "macth" \(did you mean "match"\?\); a message line has: c, from, t, .*match, ignore, wait, set/,
  ],
  [
    'a misspelt field on an ending line',
    JSON.stringify({ c: 1, event: 'close', by: 's', t: 0, cdoe: 1000 }),
    /:3: unknown field "cdoe" \(did you mean "code"\?\); an ending line has: c, event, by, t, code, reason, wait, set/,
  ],
  [
    'an unknown field on a rule line',
    JSON.stringify({ c: '*', rule: { match: 'a', reply: 'b' }, times: 2 }),
    /:3: unknown field "times"; a rule line has: c, rule/,
  ],
];

describe('a replay refuses at start', () => {
  it.each(SCRIPT_LINES)('%s, naming the file and line', (_what, line, expected) => {
    const file = rawScript(line);
    expect(refusal(file)).toMatch(expected); // line 1 the header, 2 the open line, 3 the bad one
  });

  it('a "t" of 1e400 (Infinity), naming it', () => {
    const file = rawScript('{"c":1,"from":"s","t":1e400,"text":"never"}');
    expect(refusal(file)).toContain(':3: "t" must be a number of ms, 0 or more, got Infinity');
  });

  it('a FIFO, a device and a file over the size bound, without reading them', () => {
    const fifo = scratchFile('transcript.fifo');
    execFileSync('mkfifo', [fifo]);
    expect(refusal(fifo)).toContain('it is not a regular file');
    expect(refusal('/dev/zero')).toContain('it is not a regular file');
    const huge = scratchFile('huge.jsonl');
    const fd = openSync(huge, 'w');
    ftruncateSync(fd, MAX_TRANSCRIPT_BYTES + 1); // sparse: no disk used
    closeSync(fd);
    expect(refusal(huge)).toContain(`over the 256 MiB a replay reads`);
  });
});

/** A HAR with one WebSocket entry; `request` and `entry` add to it. */
function har(request: object, entry: object, before: unknown[] = []): string {
  const file = scratchFile('capture.har');
  const socket = {
    _resourceType: 'websocket',
    startedDateTime: '2026-01-01T00:00:00Z',
    request: { url: 'ws://h/x', ...request },
    response: { status: 101 },
    ...entry,
  };
  writeFileSync(file, JSON.stringify({ log: { entries: [...before, socket] } }));
  return file;
}

const FRAME = { type: 'receive', time: 1767225600.5, opcode: 1, data: 'hi' };
const HARS: [string, () => string, string][] = [
  ['request.headers an object', () => har({ headers: { a: 'b' } }, {}), 'entry 1: request.headers must be an array'],
  ['a header with no name', () => har({ headers: [{ value: 'b' }] }, {}), 'entry 1: request.headers[0] must be'],
  [
    '_webSocketMessages an object',
    () => har({}, { _webSocketMessages: { a: 1 } }),
    'entry 1: _webSocketMessages must be an array',
  ],
  [
    '_webSocketMessages [null]',
    () => har({}, { _webSocketMessages: [null] }),
    'entry 1: _webSocketMessages[0] must be an object',
  ],
  ['an entry null', () => har({}, {}, [{}, null]), 'entry 2: must be an object'],
  [
    'response.headers a string',
    () => har({}, { response: { status: 101, headers: 'x' } }),
    'entry 1: response.headers must be an array',
  ],
  [
    'a frame whose data is a number',
    () => har({}, { _webSocketMessages: [{ ...FRAME, data: 12345 }] }),
    'entry 1: _webSocketMessages[0].data must be a string',
  ],
  [
    'a binary frame whose data is null',
    () => har({}, { _webSocketMessages: [{ ...FRAME, opcode: 2, data: null }] }),
    'entry 1: _webSocketMessages[0].data must be a string',
  ],
];

describe('a replay of a HAR with wrong field types', () => {
  it.each(HARS)('refuses %s with exit 2, naming the file, entry and field', (_what, make, expected) => {
    const file = make();
    expect(refusal(file)).toContain(`${file}: ${expected}`);
  });

  it('refuses through the CLI with exit 2 and no stack', async () => {
    const result = await runCliToEnd(['replay', har({ headers: { a: 'b' } }, {}), '--port', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('entry 1: request.headers must be an array');
    expect(result.stderr).not.toContain('TypeError');
  });
});

describe('--replay-speed', () => {
  it.each(['NaN', '', '0x10', ' 2 ', 'Infinity'])('refuses %j with exit 2, echoing the text as given', async (text) => {
    const file = scriptFile(OPEN, { c: 1, from: 's', t: 0, text: 'hi' });
    const result = await runCliToEnd(['replay', file, '--port', '0', '--replay-speed', text]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `--replay-speed must be a decimal number above 0 (such as 2 or 0.5) or 'max', got ${JSON.stringify(text)}`,
    );
  });
});
