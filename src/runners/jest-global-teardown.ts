// `ws-echo/jest-global-teardown`: stops the servers `ws-echo/jest-global-setup` started.
import { jestServers } from './jest-server';

/** Closes every server the global setup started in this process and waits until their sockets are gone. */
export default async function globalTeardown(): Promise<void> {
  const servers = jestServers().splice(0);
  await Promise.all(servers.map((server) => server.close()));
}
