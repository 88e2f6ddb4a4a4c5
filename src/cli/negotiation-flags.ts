// The handshake flags: --protocol, --no-protocol, --deflate, --header; checked by the same rules as the API options.
import { InvalidArgumentError, Option } from 'commander';
import { EchoServerError } from '../core/errors';
import type { EchoServerOptions } from '../core/types';
import { parseHeaderLine } from '../protocols/extra-headers';
import { parseProtocolNames } from '../protocols/subprotocols';

/** The handshake flags as commander hands them over. */
export interface NegotiationFlags {
  /** Names from every --protocol; false after --no-protocol; `both` when both were given. */
  protocol?: string[] | false | typeof BOTH;
  deflate?: boolean;
  /** Each --header as `Name: value`. */
  header?: string[];
}

/** The --protocol value once both --protocol and --no-protocol were given (refused after parsing, exit 2). */
const BOTH = 'both';

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

/** The options, to add to the program next to each other. */
export const negotiationFlags = {
  protocol: new Option(
    '--protocol <name...>',
    "subprotocols served: answer the first the client offers that is listed; '*' answers any (default: the client's first offer)",
  ).argParser((text: string, previous: string[] | false | typeof BOTH | undefined) =>
    previous === false || previous === BOTH ? BOTH : repeatable(parseProtocolNames)(text, previous),
  ),
  // commander calls a negated flag's parser with no value; it sees what --protocol set before it.
  noProtocol: new Option('--no-protocol', 'answer no subprotocol, whatever the client offers').argParser(
    (_: unknown, previous: string[] | false | typeof BOTH | undefined) =>
      Array.isArray(previous) || previous === BOTH ? BOTH : false,
  ),
  deflate: new Option('--deflate', 'negotiate permessage-deflate compression (RFC 7692) with clients that offer it'),
  header: new Option(
    '--header <line>',
    "add 'Name: value' to every answer (101, plain HTTP, refusals); repeatable",
  ).argParser(
    repeatable((line) => {
      parseHeaderLine(line);
      return [line];
    }),
  ),
};

/** The startEchoServer() options these flags give. */
export function negotiationOptions(
  flags: NegotiationFlags,
): Pick<EchoServerOptions, 'protocols' | 'deflate' | 'headers'> {
  const headers: Record<string, string[]> = {};
  for (const line of flags.header ?? []) {
    const [name, value] = parseHeaderLine(line);
    (headers[name] ??= []).push(value);
  }
  if (flags.protocol === BOTH)
    throw new EchoServerError('--protocol and --no-protocol contradict each other: give one of them', 2);
  return {
    protocols: flags.protocol === false ? [] : flags.protocol,
    deflate: flags.deflate === true,
    headers,
  };
}
