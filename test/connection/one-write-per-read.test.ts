// Batching (issue 9, "One write per read"): the echoes of the messages one read brings go out
// in one socket write. Counted with the kernel's own tally of the server's write system calls
// (/proc/<pid>/io, syscw), so the real CLI is measured and nothing is mocked.
import { readFileSync } from 'node:fs';
import { Opcode } from '../helpers/frames';
import { perTest } from '../helpers/per-test';
import { expectEcho, RawClient } from '../helpers/raw-client';
import { openUpgraded, portOf } from '../helpers/raw-http';

const BATCHES = 100;
const MESSAGES_PER_BATCH = 16;

/** Write system calls `pid` has made so far. */
function writeCallsOf(pid: number): number {
  const match = readFileSync(`/proc/${pid}/io`, 'utf8').match(/^syscw:\s+(\d+)$/m);
  if (!match) throw new Error(`no syscw in /proc/${pid}/io`);
  return Number(match[1]);
}

const { cliServer, defer } = perTest();

describe('pipelined messages that arrive in one read', () => {
  it('are echoed in order with one write per read, not one per message', async () => {
    const cli = await cliServer(['--quiet']);
    const pid = cli.child.pid as number;
    const raw = new RawClient(await openUpgraded(portOf(cli.url)));
    defer(() => raw.destroy());

    const before = writeCallsOf(pid);
    for (let batch = 0; batch < BATCHES; batch++) {
      const texts = Array.from({ length: MESSAGES_PER_BATCH }, (_, i) => `batch ${batch} message ${i}`);
      await raw.sendFrames(texts.map((payload) => ({ opcode: Opcode.text, payload }))); // one TCP write, one segment
      for (const text of texts) await expectEcho(raw, Opcode.text, text);
    }
    const writes = writeCallsOf(pid) - before;
    if (process.env.WS_ECHO_TEST_VERBOSE)
      process.stdout.write(
        `one write per read: ${writes} writes for ${BATCHES} reads of ${MESSAGES_PER_BATCH} messages\n`,
      );
    // One per message would be 1,600; one per read is 100. A read split in two now and then stays far below the bound.
    expect(writes).toBeLessThan((BATCHES * MESSAGES_PER_BATCH) / 4);
  });
});
