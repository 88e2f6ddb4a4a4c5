// TCP clients that never finish a TLS handshake on the wss:// port are cut off at --handshake-timeout, release their
// descriptors, and are logged once, never as a refusal.
import { readdirSync } from 'node:fs';
import type { Socket } from 'node:net';
import { perTest } from '../helpers/per-test';
import { getHealth, pollUntil, stopChild, within } from '../helpers/probe';
import { openTcp, portOf } from '../helpers/wire/raw-http';
import { useTestCert } from '../helpers/tls-cert';

/** The start of a ClientHello record that announces 512 bytes and stops after 6 of them. */
const HALF_CLIENT_HELLO = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]);
const STALLED_CLIENTS = 50;

function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

describe('stalled TLS handshakes (--handshake-timeout 1)', () => {
  const testCert = useTestCert();
  const { cliServer, defer } = perTest();

  it('closes 50 stalled clients within 2 s, logs each once, counts no refusal, and releases every descriptor', async () => {
    const cli = await cliServer([
      '--cert',
      testCert().certFile,
      '--key',
      testCert().keyFile,
      '--handshake-timeout',
      '1',
    ]);
    const pid = cli.child.pid!;
    // One full request first, so lazily opened descriptors are part of the baseline.
    await getHealth(cli.url, { ca: testCert().cert });
    const baseline = await pollUntil(
      () => openFds(pid),
      (n) => n > 0,
    );

    const port = portOf(cli.url);
    const clients: Socket[] = [];
    for (let i = 0; i < STALLED_CLIENTS; i++) {
      const socket = await openTcp(port);
      socket.on('error', () => undefined);
      // Half send nothing at all, half stop in the middle of a ClientHello.
      if (i % 2 === 1) socket.write(HALF_CLIENT_HELLO);
      clients.push(socket);
    }
    defer(() => clients.forEach((socket) => socket.destroy()));
    const closedByServer = clients.map(
      (socket) => new Promise<void>((resolve) => socket.once('end', resolve).once('close', resolve)),
    );
    await within(Promise.all(closedByServer), 2000, 'stalled TLS clients still connected');
    clients.forEach((socket) => socket.destroy());

    const fds = await pollUntil(
      () => openFds(pid),
      (n) => n <= baseline,
      50,
      100,
    );
    expect(fds).toBeLessThanOrEqual(baseline);

    const warnings = await pollUntil(
      () =>
        cli
          .stderr()
          .split('\n')
          .filter((line) => line.includes('TLS handshake from')),
      (lines) => lines.length >= STALLED_CLIENTS,
    );
    expect(warnings).toHaveLength(STALLED_CLIENTS);
    expect(warnings[0]).toMatch(
      /^warning: TLS handshake from 127\.0\.0\.1:\d+ failed: not finished within --handshake-timeout$/,
    );
    expect(cli.stdout()).not.toMatch(/rejected/);
    await stopChild(cli.child);
    expect(cli.stdout()).toMatch(/^summary: 0 connections, 0 rejected,/m);
  });
});
