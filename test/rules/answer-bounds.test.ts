// What a client can make a rule's answer cost is bounded: an answer that cannot be built (a capture too deep for
// JSON) or would be over --max-payload closes only that connection (1011, logged; the CLI serves on), and RegExps and
// JSON patterns are tried only on text messages up to 1 MiB.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MAX_MATCHED_TEXT_BYTES } from '../../src/rules/compile';
import { perTest } from '../helpers/per-test';
import type { TestClient } from '../helpers/clients';

const { serve, cliServer, client } = perTest();
let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'ws-echo-answer-bounds-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `rules` as a rules file and returns its path. */
function rulesFile(rules: unknown[]): string {
  const file = path.join(dir, `rules-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(rules));
  return file;
}

/** The echo of one message on a fresh connection: the server still serves. */
async function stillEchoes(url: string): Promise<string> {
  const c = await client(url);
  c.ws.send('still there?');
  const [echo] = await c.nextMessages(1);
  return echo.data.toString();
}

/** Sends `text` and waits for the next message. */
async function answerTo(c: TestClient, text: string): Promise<string> {
  const before = c.received.length;
  c.ws.send(text);
  return (await c.nextMessages(before + 1))[before].data.toString();
}

describe('an answer that cannot be built', () => {
  it('a capture too deep for JSON closes that connection with 1011 and a log line; the CLI serves on', async () => {
    const cli = await cliServer(['--rules', rulesFile([{ when: { id: '$id' }, reply: { got: '$id' } }])]);
    const c = await client(cli.url);
    expect(await answerTo(c, '{"id":[[1]]}')).toBe('{"got":[[1]]}');
    const depth = 200_000;
    c.ws.send(`{"id":${'['.repeat(depth)}${']'.repeat(depth)}}`);
    expect(await c.closed).toEqual({ code: 1011, reason: 'rule 1 failed' });
    expect(await stillEchoes(cli.url)).toBe('still there?');
    expect(cli.child.exitCode).toBeNull();
    expect(cli.stdout() + cli.stderr()).toMatch(/rule 1: could not build its answer: [^"]+; closing it with 1011/);
  });
});

describe('an answer over --max-payload', () => {
  it('is refused with 1011 naming the bound; smaller answers of the same rule are sent', async () => {
    const rules = rulesFile([{ match: '^a+$', reply: '$0'.repeat(1000) }]);
    const cli = await cliServer(['--max-payload', '65536', '--rules', rules]);
    const c = await client(cli.url);
    expect(await answerTo(c, 'a'.repeat(65))).toBe('a'.repeat(65_000));
    c.ws.send('a'.repeat(66));
    expect(await c.closed).toEqual({ code: 1011, reason: 'rule 1: answer over 65536 bytes' });
    expect(await stillEchoes(cli.url)).toBe('still there?');
  });

  it('a capture repeated past what a string can hold is refused before it is built, and the CLI serves on', async () => {
    // 1,000 copies of a 600 KB capture: 600 M characters, past V8's longest string (RangeError when built).
    const cli = await cliServer(['--rules', rulesFile([{ match: '^a+$', reply: '$0'.repeat(1000) }])]);
    const c = await client(cli.url);
    c.ws.send('a'.repeat(600_000));
    expect(await c.closed).toEqual({ code: 1011, reason: `rule 1: answer over ${100 * 1024 * 1024} bytes` });
    expect(await stillEchoes(cli.url)).toBe('still there?');
  });

  it('applies to an answer function too (API: maxPayload)', async () => {
    const server = await serve({ maxPayload: 1000, rules: [{ when: 'big', reply: () => 'x'.repeat(1001) }] });
    const c = await client(server.url);
    c.ws.send('big');
    expect(await c.closed).toEqual({ code: 1011, reason: 'rule 1: answer over 1000 bytes' });
  });
});

describe('RegExps and JSON patterns look at text messages up to 1 MiB', () => {
  it('a text message of 1 MiB matches them; one byte more is echoed', async () => {
    const server = await serve({
      rules: [
        { when: { type: 'a' }, reply: 'json rule' },
        { when: /^x/, reply: 'regexp rule' },
      ],
    });
    const c = await client(server.url);
    const json = (size: number): string => {
      const head = '{"type":"a","pad":"';
      return `${head}${'p'.repeat(size - head.length - 2)}"}`;
    };
    expect(await answerTo(c, json(MAX_MATCHED_TEXT_BYTES))).toBe('json rule');
    expect((await answerTo(c, json(MAX_MATCHED_TEXT_BYTES + 1))).length).toBe(MAX_MATCHED_TEXT_BYTES + 1);
    expect(await answerTo(c, 'x'.repeat(MAX_MATCHED_TEXT_BYTES))).toBe('regexp rule');
    expect((await answerTo(c, 'x'.repeat(MAX_MATCHED_TEXT_BYTES + 1))).length).toBe(MAX_MATCHED_TEXT_BYTES + 1);
  });
});
