// Jest (jest-circus) still keeps its event handlers where src/internals/jest-circus.ts finds them, and still sends a
// test's start and its function's outcome before its afterEach hooks run: without them ws-echo/jest cannot tell that a
// test failed (test/fixture/runners/runners.test.ts's jest-fixture run checks a real failure end to end).
import { watchJestFailures } from '../../src/internals/jest-circus';

const EVENT_HANDLERS = Symbol.for('EVENT_HANDLERS');
const handlers: unknown = (globalThis as Record<symbol, unknown>)[EVENT_HANDLERS];
const failed = watchJestFailures();
const events: string[] = [];
if (Array.isArray(handlers)) handlers.push((event: { name: string }) => events.push(event.name));
const afterEachSaw: Array<boolean | undefined> = [];
afterEach(() => {
  events.push('our afterEach');
  afterEachSaw.push(failed());
});

it('jest-circus keeps an array of event handlers at globalThis[Symbol.for("EVENT_HANDLERS")]', () => {
  expect(Array.isArray(handlers)).toBe(true);
});

it('a test starts, and its function succeeds or fails, before its afterEach hooks run', () => {
  const first = events.slice(events.indexOf('test_start'));
  const order = ['test_start', 'test_fn_success', 'our afterEach', 'test_done'].map((name) => first.indexOf(name));
  expect(order.every((index, i) => index >= 0 && (i === 0 || index > order[i - 1]))).toBe(true);
  expect(afterEachSaw).toEqual([false]);
});
