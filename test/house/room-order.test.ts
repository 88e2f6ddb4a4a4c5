// The rooms of src/ import one way only: each folder from the folders below it in src/README.md's table, never above.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/processes/cli';

const SRC = path.join(ROOT, 'src');

/** The rooms in src/README.md's order, top first: `main.ts`, `index.ts`, `runners`, ... (a row may name several). */
function roomsInOrder(): string[][] {
  const table = readFileSync(path.join(SRC, 'README.md'), 'utf8').match(/^\| `.*$/gm) ?? [];
  return table.map((row) => [...row.split('|')[1].matchAll(/`([^`]+?)\/?`/g)].map((match) => match[1]));
}

/** Every .ts file under `dir`. */
function sourcesIn(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourcesIn(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

/** The room of a file: its top folder under src/, or its own name for a file at the top. */
const roomOf = (file: string): string => path.relative(SRC, file).split(path.sep)[0];

/** The files a source imports from src/ (relative imports, `import type` included). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import\(|require\()\s*'(\.{1,2}\/[^']*)'/g)].map((match) => match[1]);
  return specs.map((spec) => path.resolve(path.dirname(file), spec));
}

describe('the rooms of src/', () => {
  const order = roomsInOrder();
  const rank = new Map(order.flatMap((names, index) => names.map((name) => [name, index] as const)));

  it('src/README.md names every room, each once', () => {
    const rooms = new Set(sourcesIn(SRC).map(roomOf));
    expect([...rooms].filter((room) => !rank.has(room))).toEqual([]);
    expect(order.flat().length).toBe(new Set(order.flat()).size);
  });

  it('no import runs back up the table', () => {
    const upward = sourcesIn(SRC).flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith(SRC + path.sep))
        .filter((target) => rank.get(roomOf(target))! < rank.get(roomOf(file))!)
        .map((target) => `${path.relative(ROOT, file)} imports ${path.relative(ROOT, target)}`),
    );
    expect(upward).toEqual([]);
  });
});
