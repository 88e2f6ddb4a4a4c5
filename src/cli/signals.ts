// SIGINT and SIGTERM: the first stops the server gracefully, a second exits at once.

/**
 * Listens for SIGINT and SIGTERM: `first` resolves with the first one; after it, a second
 * means "now" and exits at once with the shell's 128 + signal number. `stop()` removes the handlers.
 */
export function listenForSignals(): { first: Promise<NodeJS.Signals>; stop: () => void } {
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const first = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = (signal) => {
      onSignal = (again) => process.exit(again === 'SIGINT' ? 130 : 143);
      resolve(signal);
    };
  });
  const handler = (signal: NodeJS.Signals): void => onSignal(signal);
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    first,
    stop: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
