// The shape of a library internal ws-echo relies on, as one row of data, and the check that holds a real object to it.

/** The versions every row here was checked on: ws from package-lock.json, Node from `node -v`. */
export const CHECKED_ON = { ws: 'ws 8.23.0', node: 'Node 20.20.2' } as const;

/** The library objects whose internals are used, as the guard test and the warnings name them. */
export type ShapedObject = 'ws' | 'WebSocket' | 'Receiver' | 'TLSSocket' | 'TTY stream' | 'http.Server' | 'Http2Server';

/**
 * What a member must be: a `typeof` answer, an array, `extensible` (we plant our own symbol on the object), or
 * `behaviour` (something the library does that no type shows; the guard test observes it on real objects).
 */
export type ShapeKind = 'number' | 'boolean' | 'function' | 'object' | 'array' | 'extensible' | 'behaviour';

/** One thing ws-echo takes from a library beyond its public API. */
export interface Shape {
  /** The internals file that uses it: the one to update when it moves. */
  readonly file: string;
  /** The library object it is on. */
  readonly object: ShapedObject;
  /** The field or method (a dotted path from the object), or the behaviour relied on, in words. */
  readonly member: string;
  readonly kind: ShapeKind;
  /** The library version it was last checked on ({@link CHECKED_ON}). */
  readonly checkedOn: string;
}

/** What the guard test saw: one real instance of each object, and whether each behaviour held. */
export interface Observed {
  readonly instances: Partial<Record<ShapedObject, unknown>>;
  /** By {@link Shape.member}; a behaviour that could not be observed is false or missing. */
  readonly behaviours: Readonly<Record<string, boolean>>;
}

/** The value at a dotted `path` from `instance`, or undefined where the path breaks. */
function valueAt(instance: unknown, path: string): unknown {
  let value = instance;
  for (const key of path.split('.')) {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Whether `value` is what `kind` asks for (never called for `behaviour`). */
function fits(value: unknown, kind: ShapeKind): boolean {
  if (kind === 'array') return Array.isArray(value);
  if (kind === 'extensible') return typeof value === 'object' && value !== null && Object.isExtensible(value);
  if (kind === 'object') return typeof value === 'object' && value !== null;
  return typeof value === kind;
}

/** The message for a row that no longer holds: it names the internals file to update. */
export function shapeFailure(row: Shape, found?: string): string {
  const library = row.checkedOn.split(' ')[0];
  const what =
    row.kind === 'behaviour'
      ? `${library} no longer behaves as relied on: ${row.object}: ${row.member}`
      : row.kind === 'extensible'
        ? `${library} ${row.object} no longer takes properties of ours (${row.member})`
        : `${library} no longer has ${row.object}.${row.member} as ${row.kind === 'array' ? 'an' : 'a'} ${row.kind}` +
          ` (found ${found})`;
  return `${what}: update ${row.file} (checked on ${row.checkedOn})`;
}

/** The failures of the field rows of `object` (not its behaviours) against a real `instance` of it. */
export function fieldFailures(rows: readonly Shape[], object: ShapedObject, instance: unknown): string[] {
  const failures: string[] = [];
  for (const row of rows) {
    if (row.object !== object || row.kind === 'behaviour') continue;
    const value = row.kind === 'extensible' ? instance : valueAt(instance, row.member);
    if (!fits(value, row.kind)) failures.push(shapeFailure(row, Array.isArray(value) ? 'an array' : typeof value));
  }
  return failures;
}

/** Every row of `rows` that `observed` contradicts, as messages naming the file to update; empty when all hold. */
export function shapeFailures(rows: readonly Shape[], observed: Observed): string[] {
  const failures: string[] = [];
  for (const row of rows) {
    if (row.kind === 'behaviour') {
      if (observed.behaviours[row.member] !== true) failures.push(shapeFailure(row));
    } else if (!(row.object in observed.instances)) {
      failures.push(`no ${row.object} was observed to check ${row.member}: the guard test must supply one`);
    }
  }
  for (const object of Object.keys(observed.instances) as ShapedObject[]) {
    failures.push(...fieldFailures(rows, object, observed.instances[object]));
  }
  return failures;
}
