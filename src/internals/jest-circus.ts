// Whether the Jest test that just ran failed, for an afterEach hook: jest-circus's event handlers, reached through
// the registered symbol it keeps them under.
//
// Why: Jest has no public "did this test fail" for a hook or a library (its public route, a custom testEnvironment's
// handleTestEvent, would make every user change their testEnvironment). jest-circus keeps its event handlers in an
// array at globalThis[Symbol.for('EVENT_HANDLERS')], in the test file's own global, and calls each with every event.
// Checked on jest-circus 30.5.2 (Jest 30): events `test_start`, `hook_failure` (a beforeEach) and `test_fn_failure`
// come before the test's afterEach hooks run. Guarded by test/internals/jest-circus.test.ts; without the array (another
// runner, a Jest that moved it) failures are simply not known, and nothing else changes.

const EVENT_HANDLERS = Symbol.for('EVENT_HANDLERS');
const WATCH = Symbol.for('ws-echo.jest-failure-watch');

/** The one event field read. */
interface CircusEvent {
  name: string;
}

/** What a test file's global holds: circus's handlers, and our watch once installed. */
interface CircusGlobal {
  [EVENT_HANDLERS]?: unknown;
  [WATCH]?: { failed: boolean };
}

/**
 * Starts watching this test file's tests (once per file) and returns a function that says, in an afterEach hook,
 * whether the test that just ran failed: `true` or `false`, or `undefined` when jest-circus's handlers are not there.
 */
export function watchJestFailures(): () => boolean | undefined {
  const global = globalThis as CircusGlobal;
  const handlers = global[EVENT_HANDLERS];
  if (!Array.isArray(handlers)) return () => undefined;
  let watch = global[WATCH];
  if (!watch) {
    const state = { failed: false };
    watch = state;
    global[WATCH] = state;
    handlers.push((event: CircusEvent) => {
      if (event.name === 'test_start') state.failed = false;
      else if (event.name === 'test_fn_failure' || event.name === 'hook_failure') state.failed = true;
    });
  }
  const seen = watch;
  return () => seen.failed;
}
