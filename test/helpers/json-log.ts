// jsonLogInMemory, kept at this path for the tests that import it from here; it lives in log-sink.ts with LogSink.
export { jsonLogInMemory } from './log-sink';
