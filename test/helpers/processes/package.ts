// The npm tarball of this checkout, packed and installed into an empty project, as a user would get it.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expectSuccess, ROOT, runCommand } from './cli';

/** How long packing and installing may take (npm, from its cache). */
export const INSTALL_TIMEOUT = 300_000;

/** A packed tarball installed into a project of its own. */
export interface InstalledPackage {
  /** Temporary directory holding the tarball and the project; remove with {@link removeInstalled}. */
  work: string;
  tarball: string;
  /** Paths inside the tarball, sorted. */
  files: string[];
  /** The project: package.json and node_modules/ws-echo (with its dependencies) from the tarball. */
  app: string;
}

/** Packs this checkout (dist/ must be built) and installs the tarball into an empty project. */
export async function packAndInstall(): Promise<InstalledPackage> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'ws-echo-package-'));
  // --ignore-scripts: `make test` has built dist/ already; prepack would rebuild it under the other tests' feet.
  const packed = await runCommand('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
    cwd: ROOT,
  });
  expectSuccess(packed, 'npm pack');
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const app = path.join(work, 'app');
  mkdirSync(app);
  // A package.json of its own, so npm installs here and not into a project further up.
  writeFileSync(
    path.join(app, 'package.json'),
    JSON.stringify({ name: 'ws-echo-consumer', version: '1.0.0', private: true }) + '\n',
  );
  const tarball = path.join(work, info.filename);
  expectSuccess(
    await runCommand('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: app }),
    'npm install <tarball>',
  );
  return { work, tarball, files: info.files.map((file) => file.path).sort(), app };
}

/**
 * Links packages of this checkout's node_modules (test runners, its dev dependencies) into
 * `app`'s, with their commands in node_modules/.bin, as `npm install --save-dev` would.
 */
export function linkDevPackages(app: string, names: string[]): void {
  for (const name of names) {
    const source = path.join(ROOT, 'node_modules', name);
    const target = path.join(app, 'node_modules', name);
    mkdirSync(path.dirname(target), { recursive: true });
    symlinkSync(source, target, 'dir');
    const { bin } = JSON.parse(readFileSync(path.join(source, 'package.json'), 'utf8')) as {
      bin?: string | Record<string, string>;
    };
    const bins = typeof bin === 'string' ? { [name.split('/').pop() as string]: bin } : (bin ?? {});
    mkdirSync(path.join(app, 'node_modules', '.bin'), { recursive: true });
    for (const [command, file] of Object.entries(bins))
      symlinkSync(path.join(target, file), path.join(app, 'node_modules', '.bin', command));
  }
}

/** Removes what {@link packAndInstall} made. */
export function removeInstalled(installed: InstalledPackage | undefined): void {
  if (installed) rmSync(installed.work, { recursive: true, force: true });
}
