// The one counter list (src/core/counters.ts) and what follows from it in one process: stats(), /metrics, --stats and
// the summary name exactly the listed counters (the real server in-process, a real ws client).
import { COUNTERS } from '../../src/core/counters';
import { statsEvent } from '../../src/stats/stats-reporter';
import { summaryEvent } from '../../src/stats/summary';
import { perTest } from '../helpers/per-test';
import { parsePrometheusText } from '../helpers/prom-text';

const { serve, client } = perTest();

describe('the counter list', () => {
  it('stats() has exactly the public counters, each a number', async () => {
    const server = await serve();
    const stats = server.stats();
    const publicNames = COUNTERS.filter((spec) => spec.public).map((spec) => spec.name);
    expect(Object.keys(stats).sort()).toEqual([...publicNames].sort());
    for (const value of Object.values(stats)) expect(typeof value).toBe('number');
  });

  it('/metrics has a family for every counter with a metric, with its type and help, after real traffic', async () => {
    const server = await serve();
    const c = await client(server.url);
    c.ws.send('hi');
    await c.nextMessages(1);
    const response = await fetch(`${server.url.replace(/^ws/, 'http')}/metrics`);
    const families = parsePrometheusText(await response.text());
    for (const spec of COUNTERS) {
      if (!('metric' in spec)) continue;
      const type = spec.kind === 'gauge' ? 'gauge' : 'counter';
      expect([spec.metric, families.get(spec.metric)]).toEqual([spec.metric, expect.objectContaining({ type })]);
      expect(families.get(spec.metric)?.help).toBe(spec.help);
    }
  });

  it('the --stats event and the summary take their fields from the list (messages to a tenth, bytes whole)', () => {
    const before = { connectionsTotal: 1, connectionsOpen: 1, upgradesRejected: 2, messagesReceived: 0 };
    const zero = { ...before, messagesEchoed: 0, bytesReceived: 0, bytesEchoed: 0, protocolErrors: 0 };
    const previous = { ...zero, logLinesDropped: 0, uptimeMs: 1000 };
    const now = {
      ...previous,
      messagesReceived: 1,
      messagesEchoed: 1,
      bytesReceived: 5,
      bytesEchoed: 5,
      uptimeMs: 4000,
    };
    expect(statsEvent(now, previous)).toEqual({
      event: 'stats',
      connections: 1,
      connectionsTotal: 1,
      messagesInPerSecond: 0.3,
      messagesOutPerSecond: 0.3,
      bytesInPerSecond: 2,
      bytesOutPerSecond: 2,
      messagesReceived: 1,
      messagesEchoed: 1,
      bytesReceived: 5,
      bytesEchoed: 5,
      logLinesDropped: 0,
      uptimeMs: 4000,
    });
    expect(JSON.stringify(summaryEvent(now))).toBe(
      JSON.stringify({
        event: 'summary',
        connections: 1,
        rejected: 2,
        messages: 1,
        bytesReceived: 5,
        bytesEchoed: 5,
        protocolErrors: 0,
        logLinesDropped: 0,
        uptimeMs: 4000,
      }),
    );
  });
});
