// `ws-echo/playwright`: a fixture for Playwright Test's test.extend that gives each test a server of its own (its
// open connections printed if the test fails), and routeFromTranscript: a transcript played in the page, no server.
import type { EchoServer, EchoServerOptions } from '../core/types';
import { play, scriptFor, type ReplayEnd } from '../replay/player';
import { playSettings, readTranscript } from '../replay/replay-server';
import { RouteClient, type WebSocketRouteLike } from '../replay/route-client';
import { startEchoServer } from '../server/server';
import { reportOpenConnections } from './failure-report';

/** The part of Playwright's TestInfo the fixture reads (structural: ws-echo needs no Playwright to build or run). */
export interface PlaywrightTestInfo {
  status?: string;
  expectedStatus: string;
}

/** A per-test fixture function, as `test.extend({ name: fn })` takes it. */
export type PlaywrightEchoFixture = (
  fixtures: object,
  use: (server: EchoServer) => Promise<void>,
  testInfo: PlaywrightTestInfo,
) => Promise<void>;

/** The fixture's type, for `test.extend<WsEchoFixtures>()` (Playwright does not infer it from the function). */
export interface WsEchoFixtures {
  /** The test's own server. */
  wsEcho: EchoServer;
}

/**
 * A fixture for `test.extend()`: each test that names it gets its own started server, closed when the test ends.
 * The page connects to its `url`; the test's own code waits for that connection and answers through it. When a test
 * does not end as expected, the server's open connections are printed with console.error.
 *
 * @example
 * import { test as base } from '@playwright/test';
 * import { wsEchoFixture, type WsEchoFixtures } from 'ws-echo/playwright';
 * const test = base.extend<WsEchoFixtures>({ wsEcho: wsEchoFixture({ echo: false }) });
 * test('the page connects', async ({ page, wsEcho }) => {
 *   await page.evaluate((url) => { new WebSocket(url); }, wsEcho.url);
 *   const client = await wsEcho.nextConnection();
 * });
 */
export function wsEchoFixture(options: EchoServerOptions = {}): PlaywrightEchoFixture {
  // Playwright reads the fixtures a fixture depends on from its first parameter, which must be a destructuring pattern.
  // eslint-disable-next-line no-empty-pattern
  return async ({}: object, use, testInfo): Promise<void> => {
    const server = await startEchoServer(options);
    try {
      await use(server);
    } finally {
      if (testInfo.status !== testInfo.expectedStatus) console.error(reportOpenConnections(server));
      await server.close();
    }
  };
}

/** A Playwright `Page` or `BrowserContext`, as far as {@link routeFromTranscript} uses it. */
export interface WebSocketRouter {
  routeWebSocket(url: string | RegExp, handler: (route: WebSocketRouteLike) => unknown): Promise<void>;
}

/** How {@link routeFromTranscript} plays: which WebSockets, and the replay's speed and ending. */
export interface RouteTranscriptOptions {
  /** The page WebSocket URLs to mock, as `page.routeWebSocket()` takes them (a glob, a RegExp). */
  url: string | RegExp;
  /** Recorded times are divided by this (default 1); `'max'` sends server lines without waiting. */
  speed?: number | 'max';
  /** After the script: `close` as recorded (default), `stay-open`, or `loop`. */
  end?: ReplayEnd;
}

/** What {@link routeFromTranscript} gives back: each routed WebSocket's outcome. */
export interface RouteReplay {
  /**
   * How the page's `n`th routed WebSocket (1 for the first) played: resolves when it played to the end, rejects with
   * a `ReplayMismatchError` (the diff) when the page strayed; its WebSocket was then closed with 4400.
   */
  outcome(n: number): Promise<void>;
}

/** Outcomes kept per route, as startReplay keeps them. */
const ROUTE_OUTCOMES_KEPT = 1000;

/**
 * Mocks the page's WebSockets matching `options.url` with a transcript (or a HAR), no server at all: each plays the
 * recorded connection with its path (or the first) as `ws-echo replay` would, server lines sent with the route's
 * `send`, the page's messages matched as client lines; a mismatch closes the page's WebSocket with 4400.
 * Throws {@link EchoServerError} (exit code 2) for a bad file, speed or end.
 *
 * @example
 * const replay = await routeFromTranscript(page, 'feed.jsonl', { url: '**\/feed', speed: 'max' });
 * await page.goto(appUrl);
 * await replay.outcome(1);
 */
export async function routeFromTranscript(
  target: WebSocketRouter,
  file: string,
  options: RouteTranscriptOptions,
): Promise<RouteReplay> {
  const settings = playSettings(options.speed, options.end);
  const transcript = readTranscript(file);
  const outcomes = new Map<number, Promise<void>>();
  await target.routeWebSocket(options.url, (route) => {
    const client = new RouteClient(outcomes.size + 1, route);
    const outcome = play(client, scriptFor(transcript.connections, new URL(route.url()).pathname), settings);
    outcome.catch(() => undefined); // kept for outcome(); a page that strays is no unhandled rejection
    outcomes.set(client.id, outcome);
    if (outcomes.size > ROUTE_OUTCOMES_KEPT) outcomes.delete(outcomes.keys().next().value!);
  });
  return {
    outcome: (n) => outcomes.get(n) ?? Promise.reject(new Error(`no routed WebSocket #${n} (yet)`)),
  };
}
