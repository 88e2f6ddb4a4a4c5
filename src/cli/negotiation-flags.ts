// The handshake flags: --protocol, --no-protocol, --header; checked by the same rules as the API options.
import { InvalidArgumentError } from 'commander';
import { EchoServerError } from '../core/errors';
import type { EchoServerOptions } from '../core/types';
import { parseHeaderLine } from '../protocols/extra-headers';
import { parseProtocolNames } from '../protocols/subprotocols';

/** The --protocol value once both --protocol and --no-protocol were given (refused after parsing, exit 2). */
const BOTH = 'both';

/** What commander holds for --protocol: names from every --protocol; false after --no-protocol; or {@link BOTH}. */
type ProtocolFlag = string[] | false | typeof BOTH | undefined;

/** Turns a protocols/ check into commander's invalid-argument error (exit 2, naming the value). */
function repeatable(check: (text: string) => string[]): (text: string, previous: string[] | undefined) => string[] {
  return (text, previous) => {
    try {
      return [...(previous ?? []), ...check(text)];
    } catch (error) {
      const message = (error as Error).message;
      throw new InvalidArgumentError(`${message[0].toUpperCase()}${message.slice(1)}.`);
    }
  };
}

/** Parses each `--protocol <name...>`, adding to the names before it. */
export function protocolFlag(text: string, previous: ProtocolFlag): ProtocolFlag {
  return previous === false || previous === BOTH ? BOTH : repeatable(parseProtocolNames)(text, previous);
}

/** `--no-protocol`: commander calls a negated flag's parser with no value; it sees what --protocol set before it. */
export function noProtocolFlag(_: unknown, previous: ProtocolFlag): ProtocolFlag {
  return Array.isArray(previous) || previous === BOTH ? BOTH : false;
}

/** Parses each `--header 'Name: value'`, keeping the lines. */
export const headerFlag = repeatable((line) => {
  parseHeaderLine(line);
  return [line];
});

/** The `protocols` option from what --protocol and --no-protocol left. */
export function protocolsFrom(flag: ProtocolFlag): EchoServerOptions['protocols'] {
  if (flag === BOTH)
    throw new EchoServerError('--protocol and --no-protocol contradict each other: give one of them', 2);
  return flag === false ? [] : flag;
}

/** The `headers` option from the --header lines. */
export function headersFrom(lines: string[] | undefined): EchoServerOptions['headers'] {
  const headers: Record<string, string[]> = {};
  for (const line of lines ?? []) {
    const [name, value] = parseHeaderLine(line);
    (headers[name] ??= []).push(value);
  }
  return headers;
}
