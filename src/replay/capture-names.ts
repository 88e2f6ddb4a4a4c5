// The captures a script's lines make and use: a server line may use only what an earlier client line captures.
import { checkJsonPattern } from '../rules/json-pattern';
import { referencesInJson } from '../rules/templates';
import { withoutPointers } from './json-pointers';
import type { MessageLine, TranscriptLine } from './transcript';

/** The text of a line parsed as JSON, or undefined. */
function parsed(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The names a checked client line captures: a RegExp's named groups, a JSON subset's `"$name"` values not ignored. */
function capturedBy(line: MessageLine): string[] {
  if (line.match === 'regexp') return Object.keys(new RegExp(`${line.text!}|`).exec('')!.groups ?? {});
  if (line.match !== 'json-subset') return [];
  const pattern = line.json ?? parsed(line.text);
  return checkJsonPattern(line.ignore ? withoutPointers(pattern, line.ignore) : pattern);
}

/**
 * Follows one connection's lines in file order: {@link CaptureNames.fault} says what is wrong with a server line that
 * uses a capture no earlier client line of that connection makes (it would be sent as written). Each round of a
 * `--replay-end loop` starts with no captures, so earlier in the file is what counts; rules capture for their own
 * answers only.
 */
export class CaptureNames {
  private readonly byConnection = new Map<number, Set<string>>();

  /** What is wrong with `line` (a checked line), or undefined; a client line's captures count from then on. */
  fault(line: TranscriptLine): string | undefined {
    if (!('from' in line) || line.ping !== undefined || line.pong !== undefined) return undefined;
    let names = this.byConnection.get(line.c);
    if (names === undefined) this.byConnection.set(line.c, (names = new Set()));
    if (line.from === 'c') {
      for (const name of capturedBy(line)) names.add(name);
      return undefined;
    }
    if (line.json === undefined) return undefined; // text and binary are sent as written
    const missing = referencesInJson(line.json).find((name) => !names.has(name));
    if (missing === undefined) return undefined;
    return (
      `"$${missing}" is not captured by an earlier client line of connection ${line.c}: a client line captures ` +
      `with "match": "json-subset" (a value written "$${missing}") or "match": "regexp" (a group (?<${missing}>...)); ` +
      'write $$ for a literal $'
    );
  }
}
