// `--rules FILE` on the command line: a JSON array or JSON Lines file of rules (RegExps as "match" strings) answers
// through the CLI, with --workers (each worker gets the rules), --deflate and TLS; a bad file exits 2 naming the file,
// the rule and what is wrong.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { perTest } from '../helpers/per-test';
import { runCliToEnd } from '../helpers/processes/cli';
import { useTestCert } from '../helpers/tls-cert';
import type { TestClient } from '../helpers/clients';

const { cliServer, client } = perTest();
const cert = useTestCert();
let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'ws-echo-rules-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `text` to a file named `name` in the test's folder and returns its path. */
function file(name: string, text: string): string {
  const full = path.join(dir, name);
  writeFileSync(full, text);
  return full;
}

const JSON_RPC_RULES = JSON.stringify([
  { match: '^ping (\\d+)$', reply: 'pong $1' },
  { match: '^HELLO$', flags: 'i', reply: 'hi' },
  { when: { jsonrpc: '2.0', id: '$id', method: 'version' }, reply: { jsonrpc: '2.0', id: '$id', result: '1.0' } },
  { when: 'bye', close: [4001, 'bye'] },
]);

/** Sends each text and waits for as many answers, returned as text. */
async function ask(c: TestClient, ...texts: string[]): Promise<string[]> {
  const before = c.received.length;
  texts.forEach((text) => c.ws.send(text));
  return (await c.nextMessages(before + texts.length)).slice(before).map((m) => m.data.toString());
}

describe('ws-echo --rules FILE', () => {
  it('answers by a JSON array of rules; unmatched messages are echoed; close ends as the rule says', async () => {
    const cli = await cliServer(['--rules', file('rules.json', JSON_RPC_RULES)]);
    const c = await client(cli.url);
    expect(await ask(c, 'ping 7', 'Hello', '{"jsonrpc":"2.0","id":9,"method":"version"}', 'other')).toEqual([
      'pong 7',
      'hi',
      '{"jsonrpc":"2.0","id":9,"result":"1.0"}',
      'other',
    ]);
    c.ws.send('bye');
    expect(await c.closed).toEqual({ code: 4001, reason: 'bye' });
  });

  it('takes JSON Lines too (one rule per line, blank lines skipped)', async () => {
    const lines = '{"when": "a", "reply": "one"}\n\n{"match": "^b+$", "reply": "two"}\n';
    const cli = await cliServer(['--rules', file('rules.jsonl', lines)]);
    expect(await ask(await client(cli.url), 'a', 'bbb', 'c')).toEqual(['one', 'two', 'c']);
  });

  it('every worker answers by the rules (--workers 2)', async () => {
    const cli = await cliServer(['--workers', '2', '--rules', file('workers.json', JSON_RPC_RULES)]);
    const clients = await Promise.all([1, 2, 3, 4].map(() => client(cli.url)));
    const answers = await Promise.all(clients.map((c, index) => ask(c, `ping ${index}`)));
    expect(answers).toEqual([['pong 0'], ['pong 1'], ['pong 2'], ['pong 3']]);
  }, 30_000);

  it('answers compressed with --deflate over wss:// (TLS)', async () => {
    const { certFile, keyFile } = cert();
    const args = ['--deflate', '--cert', certFile, '--key', keyFile, '--rules', file('tls.json', JSON_RPC_RULES)];
    const cli = await cliServer(args);
    expect(cli.url).toMatch(/^wss:/);
    const c = await client(cli.url, { rejectUnauthorized: false, perMessageDeflate: true });
    expect(c.ws.extensions).toMatch(/permessage-deflate/);
    const big = `ping ${'1'.repeat(5000)}`;
    expect(await ask(c, 'ping 1', big, 'x')).toEqual(['pong 1', `pong ${'1'.repeat(5000)}`, 'x']);
  });
});

describe('a bad rules file', () => {
  it.each([
    ['missing.json', undefined, 'no such file'],
    ['broken.json', '[{"when": "a",', 'it is not JSON'],
    ['broken.jsonl', '{"when": "a"}\n{"when": b}\n', 'line 2 is not JSON'],
    ['empty.jsonl', '\n\n', 'it holds no rules'],
    ['no-when.json', '[{"when": "a"}, {"reply": "x"}]', 'rule 2: has no when'],
    ['both.json', '[{"when": "a", "match": "b"}]', 'rule 1: has both when and match'],
    ['bad-regexp.json', '[{"match": "(", "reply": "x"}]', 'rule 1: match is not a valid regular expression'],
    ['flags.json', '[{"when": "a", "flags": "i"}]', 'rule 1: flags goes with match'],
    [
      'capture.json',
      '[{"match": "^a(b)$", "reply": "$2"}]',
      'rule 1: an answer uses $2, but when captures only $0, $1',
    ],
    ['typo.json', '[{"when": "a", "replay": "x"}]', 'rule 1: unknown key "replay"'],
    ['close.json', '[{"when": "a", "close": [999]}]', 'rule 1: close code must be 1000-1003'],
    [
      'references.json',
      JSON.stringify([{ match: '^a$', reply: '$0'.repeat(1001) }]),
      'rule 1: an answer names captures more than 1000 times',
    ],
  ])('%s exits 2 and says what is wrong', async (name, text, message) => {
    const target = text === undefined ? path.join(dir, name) : file(name, text);
    const result = await runCliToEnd(['--port', '0', '--rules', target]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: --rules file ${JSON.stringify(target)}: ${message}`);
  });
});
