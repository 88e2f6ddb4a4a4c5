// "Did you mean port?": the known name closest to a mistyped one (flags, API options, URL parameters, set()).

/** A name as compared: case, dashes and underscores do not count (`max-payload` is `maxPayload`). */
const plain = (name: string): string => name.toLowerCase().replace(/[-_]/g, '');

/** Edits (insert, delete, replace, swap two neighbours) that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
    }
  }
  return rows[a.length][b.length];
}

/**
 * The name in `known` closest to `word`, or undefined when none is close: at most `maxEdits` edits, and at least 40%
 * of the longer name unchanged (commander's bounds for flags: 3 edits). The first of equally close names wins.
 */
export function closestName(word: string, known: readonly string[], maxEdits = 3): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of known) {
    const distance = editDistance(plain(word), plain(name));
    const length = Math.max(plain(word).length, plain(name).length);
    if (distance <= maxEdits && (length - distance) / length >= 0.4 && distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}
