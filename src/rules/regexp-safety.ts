// A RegExp's source checked for a repeated group that itself repeats (`(a+)+`): the nesting that backtracks for ages.

/** Whether `source` at `at` starts a quantifier that repeats (`*`, `+`, `{n,}`, `{n,m}` with m > 1); its length. */
function repeatAt(source: string, at: number): number {
  const char = source[at];
  if (char === '*' || char === '+') return 1;
  if (char !== '{') return 0;
  const braces = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(at));
  if (!braces) return 0;
  const most = braces[2] === undefined ? Number(braces[1]) : braces[3] === '' ? Infinity : Number(braces[3]);
  return most > 1 ? braces[0].length : 0;
}

/** Where the character class starting at `at` (`[`) ends: the index of its `]`. */
function classEnd(source: string, at: number): number {
  let index = at + 1;
  if (source[index] === '^') index++;
  if (source[index] === ']') index++;
  for (; index < source.length && source[index] !== ']'; index++) if (source[index] === '\\') index++;
  return index;
}

/**
 * The first group of `source` that repeats and holds a repeating part (`(a+)+`, `(?:\d*,)*`, `(x{2,})+`), as text;
 * undefined when there is none. Such a pattern can take time exponential in the message's length on a message that
 * almost matches (catastrophic backtracking): the check safe-regex makes, on the pattern's text.
 */
export function nestedRepeat(source: string): string | undefined {
  const open: { at: number; repeats: boolean }[] = [{ at: 0, repeats: false }];
  for (let index = 0; index < source.length; index++) {
    const char = source[index];
    let atomEnd = index;
    if (char === '\\') atomEnd = index + 1;
    else if (char === '[') atomEnd = classEnd(source, index);
    else if (char === '(') {
      open.push({ at: index, repeats: false });
      continue;
    } else if (char === ')' && open.length > 1) {
      const group = open.pop()!;
      const repeat = repeatAt(source, index + 1);
      if (repeat > 0 && group.repeats) return source.slice(group.at, index + 1 + repeat);
      open[open.length - 1].repeats ||= group.repeats || repeat > 0;
      index += repeat;
      continue;
    }
    const repeat = repeatAt(source, atomEnd + 1);
    if (repeat > 0) open[open.length - 1].repeats = true;
    index = atomEnd + repeat;
  }
  return undefined;
}

/** What is wrong with a RegExp source that nests repeats, worded for a user, or undefined. */
export function nestedRepeatFault(source: string): string | undefined {
  const nested = nestedRepeat(source);
  if (nested === undefined) return undefined;
  return (
    `${JSON.stringify(source)} repeats a group that itself repeats (${JSON.stringify(nested)}): on a message that ` +
    'almost matches it can run for minutes, holding up every connection; write it with one level of repetition ' +
    '(e.g. "^(a+)+$" as "^a+$", "(\\\\w+\\\\s?)*" as "[\\\\w\\\\s]*")'
  );
}
