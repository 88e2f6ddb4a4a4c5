// The shape check fails, naming the one internals file to update, against copies of ws with one internal changed.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { shapeFailures } from '../../src/internals/shape-check';
import { SHAPES } from '../../src/internals/shapes';
import { WARNING_CODE } from '../../src/internals/ws-receiver';
import { observeWs, type WsModule } from './observe-libraries';

/** One change to a copy of ws: in which file, what is replaced (every occurrence) by what, and what must fail. */
interface Change {
  name: string;
  file: 'lib/receiver.js' | 'lib/websocket.js';
  from: string;
  to: string;
  /** The internals file every failure must name. */
  update: string;
  /** One failure that must be among them, word for word. */
  failure: string;
}

const CHANGES: Change[] = [
  {
    name: 'a Receiver field renamed',
    file: 'lib/receiver.js',
    from: '_bufferedBytes',
    to: '_bufferedBytes2',
    update: 'src/internals/ws-receiver.ts',
    failure:
      'ws no longer has Receiver._bufferedBytes as a number (found undefined): ' +
      'update src/internals/ws-receiver.ts (checked on ws 8.23.0)',
  },
  {
    name: 'a WebSocket field renamed',
    file: 'lib/websocket.js',
    from: '_closeFrameReceived',
    to: '_closeFrameReceived2',
    update: 'src/internals/ws-close-flags.ts',
    failure:
      'ws no longer has WebSocket._closeFrameReceived as a boolean (found undefined): ' +
      'update src/internals/ws-close-flags.ts (checked on ws 8.23.0)',
  },
  {
    name: "socket reads no longer go through the receiver's write() (the gatherer's replaced method)",
    file: 'lib/websocket.js',
    from: 'this[kWebSocket]._receiver.write(chunk)',
    to: 'Receiver.prototype.write.call(this[kWebSocket]._receiver, chunk)',
    update: 'src/internals/ws-receiver.ts',
    failure:
      "ws no longer behaves as relied on: Receiver: every socket read goes to the 'write' method found on the " +
      'receiver instance: update src/internals/ws-receiver.ts (checked on ws 8.23.0)',
  },
  {
    name: "a peer's close frame no longer goes through the instance's close() (our replaced close)",
    file: 'lib/websocket.js',
    from: 'websocket.close(code, reason)',
    to: 'WebSocket.prototype.close.call(websocket, code, reason)',
    update: 'src/internals/ws-websocket.ts',
    failure:
      "ws no longer behaves as relied on: WebSocket: a peer's close frame makes ws call close(code, reason) on the " +
      'instance: update src/internals/ws-websocket.ts (checked on ws 8.23.0)',
  },
];

const WS_ROWS = SHAPES.filter((row) => row.checkedOn.startsWith('ws '));
const installed = path.dirname(require.resolve('ws/package.json'));
const temp = mkdtempSync(path.join(tmpdir(), 'ws-echo-changed-ws-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

let copies = 0;

/** Makes a copy of the installed ws with `change` made to it; returns its folder. */
function changedWsDir(change: Change): string {
  const dir = path.join(temp, `copy-${++copies}`);
  cpSync(installed, dir, { recursive: true });
  const file = path.join(dir, change.file);
  const source = readFileSync(file, 'utf8');
  expect(source).toContain(change.from); // the change is made, or this test says nothing
  writeFileSync(file, source.split(change.from).join(change.to));
  return dir;
}

/** Loads a copy of the installed ws, with `change` made to it, from its own path. */
function changedWs(change: Change): WsModule {
  return createRequire(__filename)(changedWsDir(change)) as WsModule;
}

describe('the shape check against a changed copy of ws', () => {
  it.each(CHANGES)('$name: fails naming $update', async (change) => {
    const failures = shapeFailures(WS_ROWS, await observeWs(changedWs(change)));
    expect(failures).toContain(change.failure);
    for (const failure of failures) expect(failure).toContain(`: update ${change.update} (checked on ws 8.23.0)`);
  });

  it('passes against an unchanged copy (what the copying alone does)', async () => {
    const copy = changedWs({ ...CHANGES[0], to: CHANGES[0].from });
    expect(shapeFailures(WS_ROWS, await observeWs(copy))).toEqual([]);
  });
});

/** What gathering-echo.js saw, and what the process wrote to stderr, for the ws module at `wsPath`. */
function gatheringEcho(wsPath: string): { echoes: number[]; ownWrites: boolean[]; stderr: string } {
  const result = spawnSync(process.execPath, [path.join(__dirname, 'gathering-echo.js'), wsPath], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { ...(JSON.parse(result.stdout) as { echoes: number[]; ownWrites: boolean[] }), stderr: result.stderr };
}

// The compiled payload gatherer runs in a child process: Jest keeps process warnings from the test's own process.
describe('the payload gatherer on a ws whose Receiver is not shaped as ws-receiver.ts says (needs make build)', () => {
  it('leaves each receiver alone, warns once on stderr naming the file to update, and the server still echoes', () => {
    const seen = gatheringEcho(changedWsDir(CHANGES[0]));
    expect(seen.echoes).toEqual([100_000, 100_000]);
    expect(seen.ownWrites).toEqual([false, false]);
    const warnings = seen.stderr.split('\n').filter((line) => line.includes(`[${WARNING_CODE}]`));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      'Warning: ws no longer has Receiver._bufferedBytes as a number (found undefined): ' +
        'update src/internals/ws-receiver.ts (checked on ws 8.23.0)',
    );
  });

  it('on the installed ws, replaces write() on each receiver and warns nothing', () => {
    const seen = gatheringEcho(installed);
    expect(seen).toEqual({ echoes: [100_000, 100_000], ownWrites: [true, true], stderr: '' });
  });
});
