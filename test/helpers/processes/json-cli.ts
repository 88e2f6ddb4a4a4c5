// The CLI with --json as tests of several processes use it: started on a free port, its JSON lines, one echo at a time.
import { startCli, type CliChild } from './cli';
import type { TestClient } from '../clients';
import { stopChild } from '../probe';

/**
 * Starts the CLI with `--json` on a free port, stopped through `defer` after the test; resolves with it and its URL.
 */
export async function startJsonCli(
  args: string[],
  defer: (cleanup: () => unknown) => void,
): Promise<CliChild & { url: string }> {
  const cli = startCli(['--port', '0', '--json', ...args]);
  defer(() => stopChild(cli.child));
  const [, url] = await cli.waitFor(/"event":"listening".*"url":"(wss?:\/\/[^"]+)"/);
  return Object.assign(cli, { url });
}

/** Sends `text` and resolves with its echo. */
export async function echo(c: TestClient, text: string): Promise<string> {
  const next = c.received.length + 1;
  c.ws.send(text);
  return (await c.nextMessages(next))[next - 1].data.toString();
}

/** The JSON log lines of `text`; every line must be whole JSON. */
export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
