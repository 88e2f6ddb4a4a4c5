// Log lines read right and cannot hold the server up: previews, sizes and durations in short forms, pretty and JSON
// lines, --quiet, colors (and NO_COLOR), and a writer that drops and counts lines while its stream is backed up instead
// of queueing them.
import { PassThrough, Writable } from 'node:stream';
import { colorLevel, createLogger, SILENT_LOGGER } from '../../src/log/logger';
import { formatBytes, formatDuration, previewOf } from '../../src/log/log-format';
import { LineWriter } from '../../src/log/output';
import { LogSink } from '../helpers/log-sink';
import { waitUntil } from '../helpers/probe';

const listening = {
  event: 'listening',
  url: 'ws://127.0.0.1:8080',
  host: '127.0.0.1',
  port: 8080,
  mode: 'graceful',
  tls: false,
} as const;
const flushed = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const ANSI = /\x1b\[/;

describe('previewOf', () => {
  it('shows short text whole', () => {
    expect(previewOf(Buffer.from('hello'), false)).toEqual({ preview: 'hello', truncated: false });
  });
  it('cuts long text at 80 characters, counting characters, not bytes', () => {
    const { preview, truncated } = previewOf(Buffer.from('é'.repeat(200)), false);
    expect(preview).toBe('é'.repeat(80));
    expect(truncated).toBe(true);
  });
  it('shows binary as spaced hex, at most 16 bytes', () => {
    expect(previewOf(Buffer.from([0xde, 0xad, 0xbe, 0xef]), true)).toEqual({
      preview: 'de ad be ef',
      truncated: false,
    });
    const long = previewOf(Buffer.alloc(40, 0xab), true);
    expect(long.preview.split(' ')).toHaveLength(16);
    expect(long.truncated).toBe(true);
  });
});

describe('formatBytes and formatDuration', () => {
  it.each([
    [20, '20 B'],
    [1536, '1.5 KiB'],
    [3 * 1024 * 1024, '3.0 MiB'],
  ])('%i bytes is %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));
  it.each([
    [850, '850 ms'],
    [2400, '2.4 s'],
    [185_000, '3m 05s'],
  ])('%i ms is %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('createLogger', () => {
  it('prints the listening line plainly when colors are off', async () => {
    const out = new LogSink();
    createLogger({ stdout: out.stream, stderr: out.stream, color: false }).log(listening);
    await flushed();
    expect(out.text()).toBe('ws-echo listening on ws://127.0.0.1:8080 (mode: graceful)\n');
  });

  it('colors when asked to', async () => {
    const out = new LogSink();
    createLogger({ stdout: out.stream, stderr: out.stream, color: true }).log({ event: 'error', message: 'boom' });
    await flushed();
    expect(out.text()).toMatch(ANSI);
  });

  it('writes one JSON object per line with event and time first', async () => {
    const out = new LogSink();
    const logger = createLogger({ format: 'json', stdout: out.stream, stderr: out.stream, color: true });
    logger.log(listening);
    logger.message(3, Buffer.from('hi'), false);
    await flushed();
    const lines = out
      .text()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(Object.keys(lines[0]).slice(0, 2)).toEqual(['event', 'time']);
    expect(lines[0]).toMatchObject({
      event: 'listening',
      url: 'ws://127.0.0.1:8080',
      port: 8080,
      mode: 'graceful',
      tls: false,
    });
    expect(new Date(lines[0].time).toISOString()).toBe(lines[0].time);
    expect(lines[1]).toMatchObject({ event: 'message', id: 3, type: 'text', size: 2, preview: 'hi', truncated: false });
    expect(out.text()).not.toMatch(ANSI);
  });

  it('with quiet, keeps the listening line, warnings and errors only', async () => {
    const out = new LogSink();
    const err = new LogSink();
    const logger = createLogger({ quiet: true, stdout: out.stream, stderr: err.stream, color: false });
    expect(logger.logsMessages).toBe(false);
    logger.log(listening);
    logger.log({ event: 'connection', id: 1, remote: '127.0.0.1:1', path: '/' });
    logger.log({ event: 'warning', message: 'careful' });
    await flushed();
    expect(out.text()).toBe('ws-echo listening on ws://127.0.0.1:8080 (mode: graceful)\n');
    expect(err.text()).toBe('warning: careful\n');
  });

  it('is silent and free when logs are off', () => {
    expect(createLogger(false)).toBe(SILENT_LOGGER);
    expect(SILENT_LOGGER.logsMessages).toBe(false);
  });
});

describe('colorLevel', () => {
  it('honours NO_COLOR unless FORCE_COLOR is set, and --no-color always', () => {
    const stream = new PassThrough();
    expect(colorLevel(stream, undefined, { NO_COLOR: '1' })).toBe(0);
    expect(colorLevel(stream, true, { NO_COLOR: '1' })).toBeGreaterThan(0);
    expect(colorLevel(stream, false, { FORCE_COLOR: '1' })).toBe(0);
  });
});

describe('LineWriter', () => {
  it('drops and counts lines while the stream is backed up, then reports them', async () => {
    let release: (() => void) | undefined;
    const written: string[] = [];
    // A stream whose first write never completes until released: like a pipe nobody reads.
    const stuck = new Writable({
      highWaterMark: 16,
      write(chunk, _encoding, callback) {
        written.push(String(chunk));
        if (written.length === 1) release = callback;
        else callback();
      },
    });
    const writer = new LineWriter(stuck, (count) => `dropped ${count}`, 64);
    for (let i = 0; i < 100; i++) writer.write(`line ${i} with some padding to fill the buffer`);
    await flushed(); // lines go out in one write per event-loop turn
    expect(writer.dropped).toBeGreaterThan(90);
    expect(stuck.writableLength).toBeLessThan(200);
    release?.();
    await waitUntil(() => stuck.writableLength === 0);
    writer.write('after');
    await flushed();
    expect(written.join('')).toContain(`dropped ${writer.dropped}\n`);
    expect(written.join('')).toMatch(/after\n$/);
  });

  it('survives a reader that went away (EPIPE)', () => {
    const broken = new PassThrough();
    const writer = new LineWriter(broken, () => '');
    broken.destroy(new Error('EPIPE'));
    expect(() => writer.write('x')).not.toThrow();
  });
});

describe('LineWriter.flush', () => {
  it('resolves once queued lines are written, even when the stream never asked for a drain', async () => {
    let release: (() => void) | undefined;
    const slow = new Writable({
      write(_chunk, _encoding, callback) {
        release = callback;
      },
    });
    const writer = new LineWriter(slow, () => '');
    writer.write('queued');
    let flushed = false;
    const flushing = writer.flush(60_000).then(() => (flushed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(flushed).toBe(false);
    while (release) {
      const next = release;
      release = undefined;
      next();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await flushing;
    expect(flushed).toBe(true);
  });
});
