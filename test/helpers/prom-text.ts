// A strict parser of the Prometheus text exposition format (0.0.4): every line must be valid, or it throws naming the
// line.

/** One sample line: `name{labels} value`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A metric family: its `# TYPE`, `# HELP` and samples. */
export interface Family {
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
/**
 * A value as Prometheus reads it (Go's strconv.ParseFloat): a decimal float, or NaN and
 * Inf in any case (prom-client writes NaN as `Nan`, e.g. an event-loop mean with no sample yet).
 */
const VALUE =
  /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[nN][aA][nN]|[+-]?(?:[iI][nN][fF](?:[iI][nN][iI][tT][yY])?))$/;

/** The family a sample name belongs to: `x_bucket`, `x_sum`, `x_count` belong to histogram/summary `x`. */
function familyOf(name: string, families: Map<string, Family>): string | undefined {
  if (families.has(name)) return name;
  const match = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (!match) return undefined;
  const family = families.get(match[1]);
  if (family?.type === 'histogram' || (family?.type === 'summary' && match[2] !== 'bucket')) return match[1];
  return undefined;
}

function parseValue(text: string, where: string): number {
  if (!VALUE.test(text)) throw new Error(`${where}: bad value ${JSON.stringify(text)}`);
  const lower = text.toLowerCase();
  if (lower === 'nan') return NaN;
  if (/^[+-]?inf/.test(lower)) return lower.startsWith('-') ? -Infinity : Infinity;
  return Number(text);
}

/** Parses `{a="x",b="y"}` from `text` at `start`; returns the labels and the index after `}`. */
function parseLabels(text: string, start: number, where: string): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  while (text[i] !== '}') {
    const nameEnd = text.indexOf('=', i);
    if (nameEnd === -1) throw new Error(`${where}: label without "="`);
    const name = text.slice(i, nameEnd);
    if (!LABEL_NAME.test(name)) throw new Error(`${where}: bad label name ${JSON.stringify(name)}`);
    if (name in labels) throw new Error(`${where}: label ${name} repeated`);
    if (text[nameEnd + 1] !== '"') throw new Error(`${where}: label value of ${name} not quoted`);
    let value = '';
    let j = nameEnd + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        const escaped = text[++j];
        if (escaped === 'n') value += '\n';
        else if (escaped === '\\' || escaped === '"') value += escaped;
        else throw new Error(`${where}: bad escape \\${escaped} in label ${name}`);
      } else if (text[j] === '\n') {
        throw new Error(`${where}: raw newline in label ${name}`);
      } else value += text[j];
    }
    if (j >= text.length) throw new Error(`${where}: unterminated label value of ${name}`);
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new Error(`${where}: expected "," or "}" after label ${name}`);
  }
  return { labels, end: i + 1 };
}

/**
 * Parses a whole exposition. Throws on: a body not ending in a newline, a malformed line,
 * a sample before its `# TYPE` or of no declared family, a family split into two runs of
 * lines, a second TYPE or HELP for a name, a duplicate series, a negative counter, a
 * histogram without its `+Inf` bucket.
 */
export function parsePrometheusText(body: string): Map<string, Family> {
  if (!body.endsWith('\n')) throw new Error('the body must end with a newline');
  const families = new Map<string, Family>();
  const finished = new Set<string>();
  const seen = new Set<string>();
  const helps = new Map<string, string>();
  let current: string | undefined;
  const enter = (name: string, where: string): void => {
    if (current === name) return;
    if (finished.has(name)) throw new Error(`${where}: the lines of ${name} are not all together`);
    if (current !== undefined) finished.add(current);
    current = name;
  };
  body
    .slice(0, -1)
    .split('\n')
    .forEach((line, index) => {
      const where = `line ${index + 1} ${JSON.stringify(line)}`;
      if (line === '') return;
      if (line.startsWith('#')) {
        const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
        if (!match) return; // any other comment is allowed
        const [, keyword, name, rest] = match;
        if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name`);
        enter(name, where);
        if (keyword === 'TYPE') {
          if (families.has(name)) throw new Error(`${where}: second TYPE for ${name}`);
          if (!TYPES.has(rest)) throw new Error(`${where}: unknown type ${JSON.stringify(rest)}`);
          families.set(name, { type: rest as Family['type'], help: '', samples: [] });
        } else {
          if (helps.has(name)) throw new Error(`${where}: second HELP for ${name}`);
          if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) throw new Error(`${where}: bad escape in HELP`);
          helps.set(name, rest);
        }
        return;
      }
      const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
      if (!nameMatch) throw new Error(`${where}: not a sample`);
      const name = nameMatch[0];
      let rest = name.length;
      let labels: Record<string, string> = {};
      if (line[rest] === '{') ({ labels, end: rest } = parseLabels(line, rest, where));
      if (line[rest] !== ' ') throw new Error(`${where}: expected a space before the value`);
      const fields = line.slice(rest + 1).split(' ');
      if (fields.length > 2 || (fields.length === 2 && !/^-?\d+$/.test(fields[1])))
        throw new Error(`${where}: bad value or timestamp`);
      const value = parseValue(fields[0], where);
      const familyName = familyOf(name, families);
      if (familyName === undefined) throw new Error(`${where}: sample of ${name} has no # TYPE before it`);
      enter(familyName, where);
      const family = families.get(familyName)!;
      if (family.type === 'counter' && !(value >= 0)) throw new Error(`${where}: counter below zero`);
      const series = name + JSON.stringify(Object.entries(labels).sort());
      if (seen.has(series)) throw new Error(`${where}: duplicate series`);
      seen.add(series);
      family.samples.push({ name, labels, value });
    });
  for (const [name, family] of families) {
    family.help = helps.get(name) ?? '';
    if (
      family.type === 'histogram' &&
      family.samples.length > 0 &&
      !family.samples.some((s) => s.labels.le === '+Inf')
    ) {
      throw new Error(`histogram ${name} has no +Inf bucket`);
    }
  }
  return families;
}

/** The value of `name` with exactly `labels` (default none), or undefined if there is no such sample. */
export function valueOf(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const family of families.values()) {
    const sample = family.samples.find(
      (s) =>
        s.name === name &&
        JSON.stringify(Object.entries(s.labels).sort()) === JSON.stringify(Object.entries(labels).sort()),
    );
    if (sample) return sample.value;
  }
  return undefined;
}
