// --workers with ?accept-delay: an upgrade whose 101 is held back holds its --max-connections slot while it waits, as
// it does in one process, so held upgrades cannot pile up past the one limit; a held client that leaves frees it.
import type { Socket } from 'node:net';
import { upgradeStatus } from '../helpers/clients';
import { perTest } from '../helpers/per-test';
import { getHealth, pollUntil } from '../helpers/probe';
import { httpRequestText, openTcp, portOf, randomKey, upgradeHeaders } from '../helpers/wire/raw-http';

const { cliServer, defer } = perTest();

/** Sends an upgrade whose 101 is held back for ten minutes, and leaves the socket open (no answer comes). */
async function heldUpgrade(url: string): Promise<Socket> {
  const port = portOf(url);
  const socket = await openTcp(port);
  defer(() => socket.destroy());
  socket.write(httpRequestText('GET', '/?accept-delay=600000', upgradeHeaders(port, randomKey())));
  return socket;
}

describe.each([
  ['one process', []],
  ['--workers 2', ['--workers', '2']],
])('%s', (_name, workers) => {
  it('upgrades held by accept-delay take their slots: a third client gets 503, and gets in once one held leaves', async () => {
    const cli = await cliServer(['--max-connections', '2', '--quiet', ...workers]);
    const held = [await heldUpgrade(cli.url), await heldUpgrade(cli.url)];
    // Let the server take both in before a client probes: a probe admitted first would take a slot for a moment, and a
    // held upgrade arriving then is refused, as it should be, leaving one.
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Both have been seen (and, with workers, admitted by the primary) once the third is refused.
    const refused = await pollUntil(
      () => upgradeStatus(`${cli.url}/`),
      (status) => status === 503,
      30,
    );
    expect(refused).toBe(503);
    held[0].destroy();
    const status = await pollUntil(
      () => upgradeStatus(`${cli.url}/`),
      (answer) => answer === 101,
    );
    expect(status).toBe(101);
    expect((await getHealth(cli.url)).connections).toBeLessThanOrEqual(2);
  }, 30_000);
});
