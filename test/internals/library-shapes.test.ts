// Every ws and Node internal ws-echo relies on (src/internals/) still exists and behaves so on the installed versions.
import { readFileSync } from 'node:fs';
import { SHAPES } from '../../src/internals/shapes';
import { CHECKED_ON, shapeFailures, type Observed } from '../../src/internals/shape-check';
import { PARENT_BEHAVIOUR, SECURE_ESTABLISHED_BEHAVIOUR } from '../../src/internals/node-tls';
import WebSocket from 'ws';
import { CHECKS_ON_LISTENING_BEHAVIOUR, SESSION_IN_LISTENER_BEHAVIOUR } from '../../src/internals/node-http';
import { observeHttp, observeTerminalStdout, observeTls, observeWs } from './observe-libraries';

/** Everything the installed ws and Node show, for every row of SHAPES. */
async function observeInstalled(): Promise<Observed> {
  const ws = await observeWs(WebSocket);
  const tls = await observeTls();
  const terminal = observeTerminalStdout();
  const http = await observeHttp();
  return {
    instances: { ...ws.instances, TLSSocket: tls.socket, 'TTY stream': terminal },
    behaviours: {
      ...ws.behaviours,
      [SECURE_ESTABLISHED_BEHAVIOUR]: tls.secureEstablished,
      [PARENT_BEHAVIOUR]: tls.parent,
      [CHECKS_ON_LISTENING_BEHAVIOUR]: http.checksOnListening,
      [SESSION_IN_LISTENER_BEHAVIOUR]: http.sessionInListener,
    },
  };
}

describe('the library internals in src/internals/', () => {
  it('are all still there on the installed ws and Node, each field with its type and each behaviour as relied on', async () => {
    const observed = await observeInstalled();
    expect(shapeFailures(SHAPES, observed)).toEqual([]);
    expect((observed.instances['TTY stream'] as { isTTY: boolean }).isTTY).toBe(true);
  });

  it('were checked on the minor ws and the major Node installed (else re-check them and update CHECKED_ON)', () => {
    const { version: wsVersion } = JSON.parse(readFileSync(require.resolve('ws/package.json'), 'utf8')) as {
      version: string;
    };
    expect(CHECKED_ON.ws.replace(/\.\d+$/, '')).toBe(`ws ${wsVersion.replace(/\.\d+$/, '')}`);
    expect(CHECKED_ON.node.replace(/\.\d+\.\d+$/, '')).toBe(`Node ${process.versions.node.split('.')[0]}`);
  });

  it('are each listed once, with the file that uses them and a version', () => {
    const keys = SHAPES.map((row) => `${row.object} ${row.member}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const row of SHAPES) {
      expect(row.file).toMatch(/^src\/internals\/[a-z-]+\.ts$/);
      expect(row.checkedOn).toMatch(/^(ws 8\.23\.\d+|Node 20\.\d+\.\d+)$/);
    }
  });
});
