// The shape of a row of the server-wide option table: the kinds of value, a flag, a rule, a default.
import type { EchoMode, EchoServerOptions, LogOptions, TlsOptions } from '../core/types';
import type { NumberRule } from '../core/validate';
import type { ExtraHeaders } from '../protocols/extra-headers';
import type { ProtocolList } from '../protocols/subprotocols';
import type { CompiledRules } from '../rules/compile';

/**
 * How a setting's value is written and checked. Each kind has one check in the API (options/option-types.ts) and one
 * flag parser on the command line (cli/server-flags.ts), so a new option of a kind that exists is one row.
 */
export interface OptionKinds {
  /** A number under `rule`, written plain on the command line. */
  count: number;
  /** Bytes under `rule`; flags also take units (64KiB, 16MiB, 100MB). */
  size: number;
  /** Seconds under `rule`; flags also take units (500ms, 30s, 2m); resolved to milliseconds as `<option>Ms`. */
  duration: number;
  /** A string (`example` shows one). */
  text: string;
  /** A request path that a client can send (`/ws`). */
  path: string | undefined;
  /** True or false; a flag is present or absent (`--no-x` when the default is true). */
  switch: boolean;
  /** An echo mode. */
  mode: EchoMode;
  /** Origins (`https://example.com`), normalized. */
  origins: ReadonlySet<string> | undefined;
  /** Subprotocol names; `--no-protocol` lists none. */
  protocols: ProtocolList;
  /** Header lines added to every answer. */
  headers: ExtraHeaders;
  /** A certificate and key; on the command line two PEM files. */
  tls: TlsOptions | undefined;
  /** How to log; on the command line --quiet, --json and --no-color. */
  log: LogOptions | false;
  /** `--workers`: a count, or `auto` for one per CPU (the command line only). */
  workers: number;
  /** Reply rules, compiled; on the command line a JSON or JSON Lines file (`--rules`). */
  rules: CompiledRules | undefined;
}

/** A kind of value (a key of {@link OptionKinds}). */
export type OptionKind = keyof OptionKinds;

/** One flag of a row, as commander spells it, and its line in `--help`. */
export interface ServerFlag {
  /** Alias, long name and value placeholder: `-p, --port <port>`; `<name...>` takes several; `--no-x` negates. */
  readonly flag: string;
  /** Its line in `--help`. */
  readonly help: string;
  /** How `--help` words the default when it is no value the flag could be given (`any path`, `no limit`). */
  readonly shown?: string;
  /** An environment variable read when the flag is absent. */
  readonly env?: string;
}

/** The resolved options so far, for a default that depends on another option (`maxFragments` on `maxPayload`). */
export type ResolvedSoFar = Readonly<Record<string, unknown>>;

/** The kinds that are numbers: each needs a rule. */
export type NumberKind = 'count' | 'size' | 'duration' | 'workers';

/** A row's kind, and a number's allowed range (core/validate.ts): a number row without one does not compile. */
export type KindAndRule =
  | { readonly kind: NumberKind; readonly rule: NumberRule }
  | { readonly kind: Exclude<OptionKind, NumberKind>; readonly rule?: undefined };

/** One server-wide setting: its API option, its flags, its kind and rule, its default. */
export type ServerOption = KindAndRule & {
  /** The startEchoServer() option; absent for a setting of the command line only (`--workers`). */
  readonly option?: keyof EchoServerOptions;
  /** The value when the option is absent (the API's, and the command line's unless `cliDefault`). */
  readonly default?: string | number | boolean | ((resolved: ResolvedSoFar) => number);
  /** The command line's default when it differs from the API's (`--port` 8080, the API a free port). */
  readonly cliDefault?: number;
  /** For `text` and `path`: a value, for the error message of a value of another type. */
  readonly example?: string;
  /**
   * Its flags in `--help` order; `'behaviour'`: its flag is its row of BEHAVIOUR_PARAMETERS (it is also a
   * per-connection parameter); absent: an option of the API only.
   */
  readonly flags?: readonly ServerFlag[] | 'behaviour';
  /** The value the command line always passes (it has no flag for it). */
  readonly cliValue?: boolean;
};
