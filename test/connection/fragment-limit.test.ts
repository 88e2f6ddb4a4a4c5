// The fragment limit (--max-fragments / maxFragments): a default that lets a --max-payload message in 4 KiB fragments
// through (ws's own limit would stop it at 16,384), and 1008 with a reason past it.
import { startEchoServer } from '../../src';
import { resolveOptions } from '../../src/options/options';
import { runCliToEnd } from '../helpers/processes/cli';
import { sendFragmented } from '../helpers/clients';
import { fragments, Opcode } from '../helpers/wire/frames';
import { perTest } from '../helpers/per-test';
import { expectEcho } from '../helpers/wire/raw-client';

const MiB = 1024 * 1024;
const { serve, rawClient, client, cliServer } = perTest();

/** `count` one-byte fragments of one binary message, and the message they make. */
function oneByteFragments(count: number): { specs: ReturnType<typeof fragments>; message: Buffer } {
  const message = Buffer.alloc(count, 0x42);
  return {
    specs: fragments(
      Opcode.binary,
      Array.from({ length: count }, () => Buffer.from([0x42])),
    ),
    message,
  };
}

describe('the default fragment limit', () => {
  it('is --max-payload / 4096, at least 16384', () => {
    expect(resolveOptions({}).maxFragments).toBe(25_600); // 100 MiB in 4 KiB fragments
    expect(resolveOptions({ maxPayload: 1024 * MiB }).maxFragments).toBe(262_144);
    expect(resolveOptions({ maxPayload: 1 * MiB }).maxFragments).toBe(16_384);
    expect(resolveOptions({ maxPayload: 1 * MiB, maxFragments: 3 }).maxFragments).toBe(3);
  });

  it("lets a message in more fragments than ws's own 16,384 through", async () => {
    await serve();
    const raw = await rawClient();
    const { specs, message } = oneByteFragments(16_385);
    await raw.sendFrames(specs);
    await expectEcho(raw, Opcode.binary, message);
  });

  it('grows with --max-payload: 200 MiB allows 51,200 fragments and closes the 51,201st with 1008 and a reason', async () => {
    await serve({ maxPayload: 200 * MiB });
    const atLimit = await rawClient();
    const allowed = oneByteFragments(51_200);
    await atLimit.sendFrames(allowed.specs);
    await expectEcho(atLimit, Opcode.binary, allowed.message);

    const over = await rawClient();
    await over.sendFrames(oneByteFragments(51_201).specs);
    const close = await over.nextClose();
    expect({ code: close.code, reason: close.reason.toString() }).toEqual({
      code: 1008,
      reason: 'too many fragments: more than 51200 in one message',
    });
  });
});

describe('--max-fragments', () => {
  it('echoes a message in exactly that many fragments and closes one in more with 1008 and a reason', async () => {
    const cli = await cliServer(['--max-fragments', '10']);
    const fine = await client(cli.url);
    sendFragmented(
      fine,
      Array.from({ length: 10 }, (_, i) => `part ${i};`),
      false,
    );
    const [echo] = await fine.nextMessages(1);
    expect(echo.data.toString()).toBe(Array.from({ length: 10 }, (_, i) => `part ${i};`).join(''));

    const tooMany = await client(cli.url);
    sendFragmented(
      tooMany,
      Array.from({ length: 11 }, (_, i) => `part ${i};`),
      false,
    );
    expect(await tooMany.closed).toEqual({ code: 1008, reason: 'too many fragments: more than 10 in one message' });
    expect(tooMany.received).toHaveLength(0);
    await cli.waitFor(/#2 closed 1008 "too many fragments: more than 10 in one message" clean \(too many fragments/);
  });

  it.each(['0', '-1', '1.5', 'lots', '2147483648'])('refuses %s, naming the flag (exit 2)', async (value) => {
    const result = await runCliToEnd(['--max-fragments', value]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /--max-fragments <n>' argument .* is invalid\. It must be a whole number from 1 to 2147483647\./,
    );
  });

  it('is maxFragments in the API, checked the same way', async () => {
    await expect(startEchoServer({ maxFragments: 0 })).rejects.toMatchObject({
      exitCode: 2,
      message: 'maxFragments must be a whole number from 1 to 2147483647, got 0',
    });
  });
});
