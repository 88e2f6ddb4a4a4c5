// SERVER_OPTIONS is the only place a server-wide option is written: each row's flag is in --help and reaches the API
// option it names, each default --help states is the one the API applies, and an unknown API option gets a suggestion.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Option } from 'commander';
import { startEchoServer, EchoServerError, type BehaviourOptions, type EchoServerOptions } from '../../src';
import { buildProgram, optionsFrom } from '../../src/cli/cli';
import { durationFlag, numberFlag, sizeFlag } from '../../src/cli/units';
import { BEHAVIOUR_PARAMETERS } from '../../src/behaviour/parameters';
import { KNOWN_OPTIONS, resolveOptions } from '../../src/options/options';
import {
  SERVER_OPTIONS,
  resolvedName,
  type OptionKind,
  type ServerFlag,
  type ServerOption,
  type ServerOptionName,
} from '../../src/options/server-options';
import { perTest } from '../helpers/per-test';
import { makeTestCert, type TestCert } from '../helpers/tls-cert';

// Type level (`make typecheck` fails, not a test): the table's options and the per-connection ones are exactly the
// options of the public interface, so an option added to one and not the other does not compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const tableCoversTheInterface: Same<ServerOptionName | keyof BehaviourOptions, keyof EchoServerOptions> = true;
void tableCoversTheInterface;

const ROWS = SERVER_OPTIONS as readonly ServerOption[];
const FLAG_ROWS = ROWS.filter((row): row is ServerOption & { flags: readonly ServerFlag[] } =>
  Array.isArray(row.flags),
);
const API_ROWS = ROWS.filter((row): row is ServerOption & { option: keyof EchoServerOptions } => !!row.option);
const longName = (flag: ServerFlag): string => new Option(flag.flag).long as string;

const { cliServer } = perTest();
let tls: TestCert & { rulesFile: string };
beforeAll(() => {
  const cert = makeTestCert();
  // The rules sample sits by the certificate, so the one remove() takes both.
  const rulesFile = path.join(path.dirname(cert.certFile), 'rules.json');
  writeFileSync(rulesFile, '[{"when": "ping", "reply": "pong"}]');
  tls = { ...cert, rulesFile };
});
afterAll(() => tls?.remove());

/** A value for one flag of each kind, other than the default, and what resolveOptions() makes of it. */
const SAMPLES: Record<OptionKind, (row: ServerOption, flag: ServerFlag) => { args: string[]; resolved: unknown }> = {
  count: (row, flag) => ({ args: [longName(flag), String(row.rule!.min + 1)], resolved: row.rule!.min + 1 }),
  size: (_, flag) => ({ args: [longName(flag), '2KiB'], resolved: 2048 }),
  duration: (_, flag) => ({ args: [longName(flag), '1500ms'], resolved: 1500 }),
  text: (_, flag) => ({ args: [longName(flag), '127.0.0.9'], resolved: '127.0.0.9' }),
  path: (_, flag) => ({ args: [longName(flag), '/sample'], resolved: '/sample' }),
  switch: (row, flag) => ({ args: [longName(flag)], resolved: !row.default }),
  origins: (_, flag) => ({ args: [longName(flag), 'https://Example.com'], resolved: new Set(['https://example.com']) }),
  protocols: (_, flag) =>
    flag.flag === '--no-protocol'
      ? { args: [flag.flag], resolved: [] }
      : { args: [longName(flag), 'mqtt'], resolved: ['mqtt'] },
  headers: (_, flag) => ({ args: [longName(flag), 'X-Sample: 1'], resolved: [['X-Sample', '1']] }),
  tls: () => ({ args: ['--cert', tls.certFile, '--key', tls.keyFile], resolved: { cert: tls.cert, key: tls.key } }),
  log: (_, flag) => ({
    args: [longName(flag)],
    resolved: expect.objectContaining(
      flag.flag === '--json' ? { format: 'json' } : flag.flag === '--no-color' ? { color: false } : { quiet: true },
    ),
  }),
  mode: () => ({ args: ['--mode', 'forever'], resolved: 'forever' }),
  workers: (_, flag) => ({ args: [longName(flag), '3'], resolved: 3 }),
  rules: (_, flag) => ({
    args: [longName(flag), tls.rulesFile],
    resolved: { rules: [expect.objectContaining({ number: 1, echo: false })], counted: false },
  }),
};

/** What `--help` lists (the program's own text, from the source under test rather than dist/). */
function helpText(): string {
  return buildProgram({ stdout: process.stdout, stderr: process.stderr }).helpInformation();
}

/** The flags parsed by the real program, as startEchoServer() options. */
function optionsOf(args: string[]): EchoServerOptions {
  const program = buildProgram({ stdout: process.stdout, stderr: process.stderr });
  program.parse(['node', 'ws-echo', ...args]);
  return optionsFrom(program.opts());
}

describe('the table', () => {
  it('has a rule for every number, and flags no other flag spells', () => {
    for (const row of ROWS.filter((r) => ['count', 'size', 'duration', 'workers'].includes(r.kind)))
      expect({ row: row.option, rule: row.rule }).toEqual({ row: row.option, rule: expect.any(Object) });
    const names = [
      ...FLAG_ROWS.flatMap((row) => row.flags.map(longName)),
      ...BEHAVIOUR_PARAMETERS.map((p) => `--${p.name}`),
    ];
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
  });

  it('names every option startEchoServer() knows, and nothing else', () => {
    expect(new Set(KNOWN_OPTIONS)).toEqual(
      new Set([...API_ROWS.map((row) => row.option), ...BEHAVIOUR_PARAMETERS.map((p) => p.option)]),
    );
  });

  it('gives every row a flag that --help shows, its own or its per-connection parameter (or none: API only)', () => {
    const help = helpText();
    for (const row of ROWS) {
      const flags =
        row.flags === 'behaviour'
          ? BEHAVIOUR_PARAMETERS.filter((p) => p.option === row.option).map((p) => `--${p.name}`)
          : (row.flags ?? []).map(longName);
      if (row.flags !== undefined) expect(`${row.option}: ${flags.length} flags`).not.toBe(`${row.option}: 0 flags`);
      for (const flag of flags) expect(help).toMatch(new RegExp(`^  (-\\w, )?${flag}\\b`, 'm'));
    }
  });
});

describe('every flag reaches the option its row names', () => {
  const cases = FLAG_ROWS.flatMap((row) => row.flags.map((flag) => [flag.flag, row, flag] as const));
  it.each(cases)('%s', (_, row, flag) => {
    const sample = SAMPLES[row.kind](row, flag);
    const options = optionsOf(sample.args);
    if (row.option === undefined) {
      // A setting of the command line only: the CLI reads it from the parsed flags.
      const program = buildProgram({ stdout: process.stdout, stderr: process.stderr });
      program.parse(['node', 'ws-echo', ...sample.args]);
      expect(program.opts()[new Option(flag.flag).attributeName()]).toEqual(sample.resolved);
      return;
    }
    expect(resolveOptions(options)[resolvedName(row as ServerOption & { option: string }) as 'port']).toEqual(
      sample.resolved,
    );
  });

  it('and the real CLI serves with every one of them given at once', async () => {
    // --port is the one the test chooses (0); each other row's first flag with its sample value.
    const args = FLAG_ROWS.filter((row) => row.option !== undefined && row.option !== 'port').flatMap(
      (row) => SAMPLES[row.kind](row, row.flags[0]).args,
    );
    const cli = await cliServer(args);
    expect(cli.url).toMatch(/^wss:\/\/127\.0\.0\.9:\d+\/sample$/);
  });
});

describe('defaults', () => {
  /** What the words --help uses for a default mean. */
  const WORDS: Record<string, unknown> = {
    off: 0,
    'no limit': Infinity,
    any: undefined,
    'any path': undefined,
    "the client's first offer": undefined,
  };

  it.each(API_ROWS.map((row) => [row.option, row] as const))('%s: the API applies the row default', (_, row) => {
    const fallback = typeof row.default === 'function' ? row.default(resolveOptions({})) : row.default;
    const resolved = resolveOptions({})[resolvedName(row) as 'port'];
    const expected = row.kind === 'duration' ? (fallback as number) * 1000 : row.kind === 'headers' ? [] : fallback;
    expect(resolved).toEqual(expected);
  });

  it('every default --help states is the value the command line uses', () => {
    const help = helpText().replace(/\s+/g, ' ');
    const parsers: Partial<Record<OptionKind, (row: ServerOption) => (text: string) => unknown>> = {
      count: (row) => numberFlag(row.rule!),
      size: (row) => sizeFlag(row.rule!),
      duration: (row) => durationFlag(row.rule!),
      workers: (row) => numberFlag(row.rule!),
    };
    const stated = FLAG_ROWS.flatMap((row) => row.flags.map((flag) => [row, flag] as const)).filter(
      ([row, flag]) =>
        typeof row.default !== 'function' &&
        (flag.shown !== undefined || (flag.flag.includes('<') && row.default !== undefined)),
    );
    expect(stated.length).toBeGreaterThan(5);
    for (const [row, flag] of stated) {
      const match = new RegExp(`${longName(flag)} <[^>]+> .*?\\(default: ([^,)]+)`).exec(help);
      const words = match?.[1] ?? 'missing';
      const value = words in WORDS ? WORDS[words] : (parsers[row.kind]?.(row) ?? JSON.parse)(words);
      expect({ flag: flag.flag, value }).toEqual({ flag: flag.flag, value: row.cliDefault ?? row.default });
    }
  });
});

describe('an unknown API option', () => {
  it.each([
    ['prot', 'port'],
    ['portt', 'port'],
    ['max-payload', 'maxPayload'],
    ['idletimeout', 'idleTimeout'],
    ['orgins', 'origins'],
    ['closeafter', 'closeAfter'],
  ])('%s: the error names it and suggests %s', async (name, suggestion) => {
    const attempt = startEchoServer({ [name]: 0 } as EchoServerOptions);
    await expect(attempt).rejects.toBeInstanceOf(EchoServerError);
    await expect(attempt).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(
        new RegExp(`^unknown option ${name}; known: mode, port, .*\\. Did you mean ${suggestion}\\?$`),
      ),
    });
  });

  it.each([
    ['workers', '--workers'],
    ['stats', '--stats'],
    ['stdin', '--stdin'],
  ])("%s: the error says it is the command line's %s, not an API option", async (name, flag) => {
    await expect(startEchoServer({ [name]: 2 } as EchoServerOptions)).rejects.toMatchObject({
      exitCode: 2,
      message: `${name} is a command-line setting only (${flag}), not a startEchoServer() option`,
    });
  });

  it('far from every known name gets no guess', async () => {
    await expect(startEchoServer({ zzzzzzzz: 1 } as EchoServerOptions)).rejects.toMatchObject({
      message: expect.not.stringMatching(/Did you mean/),
    });
  });
});
