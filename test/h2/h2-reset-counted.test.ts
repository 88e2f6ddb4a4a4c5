// h2-reset leaves a trace as reject= and h2-refuse= do: a `rejected` log line that says the stream was reset (status 0,
// `reset: "CANCEL"`, no HTTP answer), a count in stats() and the summary's `rejected`, and its own series on /metrics,
// apart from the refusals by status; through the API and the CLI's JSON log.
import { LogSink } from '../helpers/log-sink';
import { perTest } from '../helpers/per-test';
import { jsonLines, startJsonCli } from '../helpers/processes/json-cli';
import { pollUntil } from '../helpers/probe';
import { parsePrometheusText, valueOf, type Family } from '../helpers/prom-text';
import { H2Client, NGHTTP2_CANCEL } from '../helpers/wire/h2-websocket';

const { serve, defer } = perTest();

const REASON = 'stream reset (RST_STREAM CANCEL) as asked (h2-reset)';
const RESET_LINE = { event: 'rejected', path: '/feed?h2-reset', status: 0, reset: 'CANCEL', reason: REASON };

/** An HTTP/2 session to `url`, destroyed after the test. */
function h2Session(url: string): H2Client {
  const client = new H2Client(url);
  defer(() => client.destroy());
  return client;
}

/** Opens an RFC 8441 WebSocket to `/feed?h2-reset` and expects its stream reset (CANCEL) unanswered. */
async function expectReset(client: H2Client): Promise<void> {
  await expect(client.webSocket('/feed?h2-reset')).rejects.toThrow(`(rst ${NGHTTP2_CANCEL})`);
}

async function scrape(url: string): Promise<Map<string, Family>> {
  const response = await fetch(`${url.replace(/^ws/, 'http')}/metrics`);
  expect(response.status).toBe(200);
  return parsePrometheusText(await response.text());
}

describe('a stream reset as asked (h2-reset) is logged and counted', () => {
  test('the API: a rejected line with reset, stats() and /metrics count it apart from refusals by status', async () => {
    const sink = new LogSink('json');
    const server = await serve({ h2: true, log: sink.log });
    await expectReset(h2Session(server.url));
    expect(await sink.next('rejected')).toMatchObject({ ...RESET_LINE, remote: expect.stringMatching(/:\d+$/) });
    expect(server.stats().upgradesRejected).toBe(1);
    const families = await scrape(server.url);
    expect(valueOf(families, 'ws_echo_h2_streams_reset_as_asked_total')).toBe(1);
    expect(families.get('ws_echo_upgrades_refused_as_asked_total')?.samples).toEqual([]);
    expect(families.get('ws_echo_upgrades_refused_total')?.samples).toEqual([]);
  });

  test('the pretty line names the reset, with no HTTP status', async () => {
    const sink = new LogSink('pretty');
    const server = await serve({ h2: true, log: sink.log });
    await expectReset(h2Session(server.url));
    const line = await pollUntil(
      () => sink.text(),
      (text) => text.includes('rejected '),
    );
    expect(line).toMatch(
      new RegExp(`^rejected \\S+:\\d+ /feed\\?h2-reset: stream reset \\(RST_STREAM CANCEL\\) as`, 'm'),
    );
  });

  test('the CLI with --json: the rejected line, and the summary counts it in `rejected`', async () => {
    const cli = await startJsonCli(['--h2'], defer);
    const client = h2Session(cli.url);
    await expectReset(client);
    await expectReset(client);
    const rejected = await pollUntil(
      () => jsonLines(cli.stdout()).filter((line) => line.event === 'rejected'),
      (lines) => lines.length === 2,
    );
    expect(rejected).toEqual([expect.objectContaining(RESET_LINE), expect.objectContaining(RESET_LINE)]);
    client.destroy();
    cli.child.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0);
    expect(jsonLines(cli.stdout()).find((line) => line.event === 'summary')).toMatchObject({ rejected: 2 });
  });
});
