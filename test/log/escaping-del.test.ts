// DEL (U+007F) from a client is escaped in pretty and JSON log lines, as the other controls are.
import { PassThrough } from 'node:stream';
import type { LogFormat } from '../../src';
import { perTest } from '../helpers/per-test';
import { pollUntil } from '../helpers/probe';

const { serve, running, client } = perTest();

describe.each<LogFormat>(['pretty', 'json'])('a message preview with DEL in the %s log', (format) => {
  it('shows DEL as \\u007f, never raw', async () => {
    const out = new PassThrough();
    let text = '';
    out.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    await serve({ log: { format, color: false, stdout: out, stderr: out } });
    const c = await client(running().url);
    c.ws.send('a\u007fb\u007f');
    const logged = await pollUntil(
      () => text,
      (t) => (format === 'json' ? /"event":"message"/ : /^#1 text /m).test(t),
    );
    expect(logged).not.toMatch(/\u007f/);
    expect(logged).toContain('a\\u007fb\\u007f');
    if (format === 'json') {
      const line = logged.split('\n').find((l) => l.includes('"event":"message"')) as string;
      expect((JSON.parse(line) as { preview: string }).preview).toBe('a\u007fb\u007f');
    }
  });
});
