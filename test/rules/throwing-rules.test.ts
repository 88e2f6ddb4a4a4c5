// A rule function that throws closes its connection with 1011, logs the error, and throws it back to the test (as a
// throwing listener does) while the server serves other clients; so does an `async` when (a Promise is no answer). Run
// in a child process on the compiled dist/, where uncaught errors are the script's own to see.
import path from 'node:path';
import { ROOT, runCommand } from '../helpers/processes/cli';

const SCRIPT = `
const { startEchoServer } = require(${JSON.stringify(path.join(ROOT, 'dist', 'index.js'))});
const WebSocket = require(${JSON.stringify(require.resolve('ws'))});
const { PassThrough } = require('node:stream');
const thrown = [];
process.on('uncaughtException', (error) => thrown.push(error.message));
const logged = [];
const stream = new PassThrough();
stream.on('data', (chunk) => logged.push(...String(chunk).trim().split('\\n').map((line) => JSON.parse(line))));
const talk = (url, text) => new Promise((resolve) => {
  const ws = new WebSocket(url);
  const got = [];
  ws.on('open', () => ws.send(text));
  ws.on('message', (data) => { got.push(String(data)); if (text === 'fine') ws.close(1000); });
  ws.on('close', (code, reason) => resolve({ got, code, reason: String(reason) }));
});
(async () => {
  const rules = [
    { when: (m) => { if (m.data === 'bad when') throw new Error('when broke'); return false; }, reply: 'x' },
    { when: 'bad reply', reply: () => { throw new Error('reply broke'); } },
  ];
  const server = await startEchoServer({ rules, log: { format: 'json', stdout: stream, stderr: stream } });
  const results = [await talk(server.url, 'bad when'), await talk(server.url, 'bad reply'), await talk(server.url, 'fine')];
  await server.close();
  const asyncServer = await startEchoServer({
    rules: [{ when: async () => false, reply: 'matched' }],
    log: { format: 'json', stdout: stream, stderr: stream },
  });
  results.push(await talk(asyncServer.url, 'async when'));
  await asyncServer.close();
  await new Promise((resolve) => setImmediate(resolve));
  const errors = logged.filter((e) => e.event === 'error').map((e) => e.message);
  console.log(JSON.stringify({ results, thrown, errors }));
})();
`;

const PROMISE = 'the when function returned a Promise: rule functions must be synchronous';

describe('a rule function that throws', () => {
  it('closes that connection with 1011, logs it, throws it back, and the server serves on (an async when too)', async () => {
    const result = await runCommand(process.execPath, ['-e', SCRIPT], { timeoutMs: 10_000 });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toEqual({
      results: [
        { got: [], code: 1011, reason: 'rule 1 failed' },
        { got: [], code: 1011, reason: 'rule 2 failed' },
        { got: ['fine'], code: 1000, reason: '' },
        { got: [], code: 1011, reason: 'rule 1 failed' },
      ],
      thrown: ['when broke', 'reply broke', PROMISE],
      errors: [
        '#1: rule 1 threw: when broke; closing it with 1011',
        '#2: rule 2 threw: reply broke; closing it with 1011',
        `#1: rule 1 threw: ${PROMISE}; closing it with 1011`,
      ],
    });
  });
});
