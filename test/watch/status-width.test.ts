// The --stats status line on a narrow terminal is cut at a separator, never in the middle of a number.
import { PassThrough } from 'node:stream';
import { formatStats } from '../../src/log/log-format';
import { fitStatus, LineWriter } from '../../src/log/output';

const line = formatStats({
  event: 'stats',
  connections: 12,
  connectionsTotal: 345,
  messagesInPerSecond: 12345.6,
  bytesInPerSecond: 7_654_321,
  messagesOutPerSecond: 12345.6,
  bytesOutPerSecond: 7_654_321,
  messagesReceived: 9_876_543,
  bytesReceived: 123_456_789,
  messagesEchoed: 9_876_543,
  bytesEchoed: 123_456_789,
  logLinesDropped: 0,
  uptimeMs: 1000,
});

describe('fitStatus', () => {
  it('keeps a line that fits whole', () => {
    expect(fitStatus(line, line.length)).toBe(line);
  });

  it.each([30, 40, 60, 79, 100])('at %i columns ends at a separator: every part it shows is whole', (width) => {
    const fitted = fitStatus(line, width);
    expect(fitted.length).toBeLessThanOrEqual(width);
    expect(fitted.length).toBeGreaterThan(0);
    expect(line.startsWith(fitted)).toBe(true);
    expect(line.slice(fitted.length).startsWith(' · ')).toBe(true);
  });

  it('falls back to the last space, then to a hard cut, when there is no separator', () => {
    expect(fitStatus('stats: 12 open (345 total)', 20)).toBe('stats: 12 open (345');
    expect(fitStatus('stats: 12 open (345 total)', 18)).toBe('stats: 12 open');
    expect(fitStatus('x'.repeat(50), 19)).toBe('x'.repeat(19));
  });
});

it('the line writer cuts the status line on a narrow terminal at a separator', async () => {
  const out = Object.assign(new PassThrough(), { columns: 50 });
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const writer = new LineWriter(out, (n) => `${n} dropped`);
  writer.setStatus(line);
  await writer.flush(100);
  const shown = text.replace(/\r|\x1b\[2K/g, '');
  expect(shown.length).toBeLessThanOrEqual(49);
  expect(line.slice(shown.length).startsWith(' · ')).toBe(true);
});
