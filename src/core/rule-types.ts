// The shapes of reply rules (the `rules` option and `--rules` files): what a message must look like, what answers it.

/** A message as a rule sees it: text as a string, binary as a Buffer. */
export interface RuleMessage {
  data: string | Buffer;
  isBinary: boolean;
}

/** Values a rule captured: RegExp groups (`1`, `2`, named), `$name` placeholders of a JSON pattern, a predicate's. */
export type RuleCaptures = Record<string, unknown>;

/**
 * A leaf or branch of a JSON pattern: a plain object matches an object holding at least these keys (more are fine),
 * an array one of the same length, element by element; a string `'$name'` matches any value and captures it as
 * `name` (`'$$x'` is the text `$x`); a RegExp matches a string (its named groups are captured); any other value
 * matches itself.
 */
export type JsonPattern =
  string | number | boolean | null | RegExp | readonly JsonPattern[] | { readonly [key: string]: JsonPattern };

/**
 * What a message must be for a rule to answer it: a string (exactly this text), a RegExp (tried on text; its groups
 * are captured: `$0`, `$1`, `$name`), a plain object or array (a {@link JsonPattern} tried on text parsed as JSON),
 * or a function of the message returning `true`, an object of captures, or a falsy value (no match).
 */
export type RuleWhen =
  | string
  | RegExp
  | readonly JsonPattern[]
  | { readonly [key: string]: JsonPattern }
  | ((message: RuleMessage) => boolean | RuleCaptures | null | undefined);

/**
 * One message a rule sends: a string as text, a Buffer or Uint8Array as binary, any other object or array as JSON text.
 * `$name` (or `${name}`) in a string is replaced by that capture; a string that is only `'$name'` in an object becomes
 * the captured value itself (a number stays a number); `$$` is a `$`.
 */
export type RuleAnswerData = string | Buffer | Uint8Array | readonly unknown[] | { readonly [key: string]: unknown };

/** An answer as written: data, or a function of the message and its captures returning data (undefined: none). */
export type RuleAnswer =
  RuleAnswerData | ((message: RuleMessage, captures: RuleCaptures) => RuleAnswerData | undefined | null);

/** One rule of the `rules` option: the first rule whose `when` matches answers the message, instead of its echo. */
export interface EchoRule {
  /** Which messages this rule answers. */
  when: RuleWhen;
  /** One message sent back. */
  reply?: RuleAnswer;
  /** Several messages sent back, in order (after `reply` if both are given). */
  send?: readonly RuleAnswer[];
  /** Then a close frame with this code (1000-1003, 1007-1014, 3000-4999) and reason, whatever the mode. */
  close?: readonly [code: number, reason?: string];
  /** Then the TCP connection ends with no close frame, once the answers are written (the client sees 1006). */
  drop?: boolean;
  /** Also echo the message, after the answers (default false: the rule replaces the echo). */
  echo?: boolean;
  /** Answers only its first n matches on each connection; later ones go on to the next rules. */
  times?: number;
}
