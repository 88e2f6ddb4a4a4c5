// Lays out the extra --help text (modes, examples) in two columns that fit 80 columns.

/** The width `--help` fits: what a terminal shows without wrapping. */
export const HELP_WIDTH = 80;

/** Splits `text` into lines of at most `width` characters, at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  return [...lines, line];
}

/**
 * Two-column rows, indented by 2: the left column padded to `leftWidth`, the right one
 * wrapped under itself. A left cell too wide for its column gets a line of its own.
 */
export function helpRows(
  rows: ReadonlyArray<readonly [string, string]>,
  leftWidth: number,
  width = HELP_WIDTH,
): string {
  const pad = ' '.repeat(2 + leftWidth + 1);
  return rows
    .flatMap(([left, right]) => {
      const [first, ...rest] = wrap(right, width - pad.length);
      const head = left.length <= leftWidth ? [`  ${left.padEnd(leftWidth)} ${first}`] : [`  ${left}`, pad + first];
      return [...head, ...rest.map((line) => pad + line)];
    })
    .join('\n');
}

/** `text` wrapped to `width` columns. */
export function helpParagraph(text: string, width = HELP_WIDTH): string {
  return wrap(text, width).join('\n');
}
