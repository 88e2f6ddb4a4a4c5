// Checks the `log` option of startEchoServer() before a logger is made from it: known fields, right types.
import { EchoServerError } from '../core/errors';

const LOG_FIELDS: Record<string, string> = {
  format: '"pretty" or "json"',
  quiet: 'true or false',
  color: 'true or false',
  stdout: 'a writable stream',
  stderr: 'a writable stream',
};

const show = (value: unknown): string =>
  typeof value === 'string' ? JSON.stringify(value) : typeof value === 'object' && value ? 'an object' : String(value);
const isStream = (value: unknown): boolean => typeof (value as { write?: unknown } | null)?.write === 'function';

/**
 * Throws {@link EchoServerError} (exit code 2) naming the field and what it allows unless
 * `log` is `false`, `undefined`, or an object of known fields with values of the right type.
 */
export function checkLogOptions(log: unknown): void {
  if (log === undefined || log === false) return;
  if (typeof log !== 'object' || log === null || Array.isArray(log)) {
    throw new EchoServerError(`log must be false or an object such as { format: 'json' }, got ${show(log)}`, 2);
  }
  const fields = log as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !(key in LOG_FIELDS));
  if (unknown.length > 0)
    throw new EchoServerError(
      `unknown log option ${unknown.join(', ')}; known: ${Object.keys(LOG_FIELDS).join(', ')}`,
      2,
    );
  const bad = (name: string, value: unknown): never => {
    throw new EchoServerError(`log.${name} must be ${LOG_FIELDS[name]}, got ${show(value)}`, 2);
  };
  const { format, quiet, color, stdout, stderr } = fields;
  if (format !== undefined && format !== 'pretty' && format !== 'json') bad('format', format);
  if (quiet !== undefined && typeof quiet !== 'boolean') bad('quiet', quiet);
  if (color !== undefined && typeof color !== 'boolean') bad('color', color);
  if (stdout !== undefined && !isStream(stdout)) bad('stdout', stdout);
  if (stderr !== undefined && !isStream(stderr)) bad('stderr', stderr);
}
