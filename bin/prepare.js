// npm's `prepare` for ws-echo: compiles dist/ for git installs, `npm install` and `npm pack`, and never fails an `npx`.
'use strict';
// Under npx a Ctrl-C reaches this script too: finish the few writes below rather than die halfway through them.
if (process.env.npm_command === 'exec') process.on('SIGINT', () => {});
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const BUILT = fs.existsSync(path.join(ROOT, 'dist', 'main.js'));

/**
 * What `prepare` does, by the npm command that runs it (npm_command) and what the checkout has. First match wins.
 * `exec` is `npx ws-echo` (or `npx .`) in a checkout: npm links the checkout into its npx cache and runs this on the
 * first call only; it never compiles there (a silent compile, or its interruption, would be the first thing a user
 * sees), and bin/ws-echo says what to do when dist/ is missing. A git install runs `install` in a clone whose
 * devDependencies npm installed, so TypeScript is there.
 */
const PLAN = [
  { when: (c) => c.command === 'exec', then: 'keep', exitCode: 0 },
  { when: (c) => c.typescript, then: 'compile' },
  { when: (c) => c.built, then: 'keep', exitCode: 0 },
  { when: (c) => c.command === 'pack' || c.command === 'publish', then: 'say', exitCode: 1 },
  { when: () => true, then: 'say', exitCode: 0 },
];

/** The TypeScript compiler's entry if this checkout has it installed, else undefined. */
function findTypeScript() {
  try {
    return require.resolve('typescript/bin/tsc', { paths: [ROOT] });
  } catch {
    return undefined;
  }
}

/** Compiles src/ to dist/ as `npm run build` does; returns tsc's exit code. */
function compile(tsc) {
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  return result.status ?? 1;
}

/**
 * npm's own bookkeeping for a checkout it links into its npx cache (libnpmexec and arborist, in npm 11):
 * the folder is `<cache>/_npx/<first 16 hex digits of sha512(checkout path)>`, holding `node_modules/ws-echo` (a
 * link to the checkout), `node_modules/.bin/ws-echo` and a package.json naming the link. npm writes the last two
 * only after this script ends, and when the install is interrupted (Ctrl-C) its rollback leaves the link in place
 * (arborist rolls back the folders it made, not links): every later `npx ws-echo` in the checkout then fails with
 * `ENOENT ... _npx/<hash>/package.json` until that folder is deleted. Writing them first, as npm would, leaves a
 * folder the next call can use whenever the install stops from here on; a stop between npm's link and this script's
 * first line (the start-up of its node) still leaves npm's state, which README's Installing tells how to clear.
 * Checked on npm 11.19.1 (libnpmexec 10.3.2); test/shipping/npx-in-checkout.test.ts interrupts a first npx in
 * this script and runs the next one.
 */
function completeNpxInstall(env) {
  if (!env.npm_config_cache) return;
  // npx names the folder after the project folder it found (npm_config_local_prefix); this one's path if not set.
  const folder = [env.npm_config_local_prefix, ROOT]
    .filter(Boolean)
    .map((checkout) => crypto.createHash('sha512').update(checkout).digest('hex').slice(0, 16))
    .map((hash) => path.join(env.npm_config_cache, '_npx', hash))
    .find(linksHere);
  if (!folder) return; // not npm's npx cache linking this checkout: nothing of ours to complete
  const manifest = path.join(folder, 'package.json');
  const spec = `file:${path.relative(folder, ROOT)}`;
  if (!fs.existsSync(manifest)) {
    // Whole or not at all: a half-written package.json would break the next call as a missing one does.
    fs.writeFileSync(
      `${manifest}.${process.pid}`,
      JSON.stringify({ dependencies: { 'ws-echo': spec } }, null, 2) + '\n',
    );
    fs.renameSync(`${manifest}.${process.pid}`, manifest);
  }
  const bin = path.join(folder, 'node_modules', '.bin', 'ws-echo');
  fs.mkdirSync(path.dirname(bin), { recursive: true });
  try {
    fs.symlinkSync(path.join('..', 'ws-echo', 'bin', 'ws-echo'), bin);
  } catch (error) {
    if (error.code !== 'EEXIST') throw error;
  }
}

/** Whether npx's `folder` holds node_modules/ws-echo as a link to this checkout. */
function linksHere(folder) {
  const link = path.join(folder, 'node_modules', 'ws-echo');
  try {
    return fs.lstatSync(link).isSymbolicLink() && fs.realpathSync(link) === fs.realpathSync(ROOT);
  } catch {
    return false;
  }
}

/** Runs the first row of {@link PLAN} that matches; returns the exit code. */
function prepare(env) {
  try {
    if (env.npm_command === 'exec') completeNpxInstall(env);
  } catch (error) {
    // npm's cache is npm's: when it is not as described, leave it to npm rather than fail its install.
    process.stderr.write(`ws-echo: npx cache not completed (${error.message})\n`);
  }
  const typescript = findTypeScript();
  const checkout = { command: env.npm_command, typescript: Boolean(typescript), built: BUILT };
  const step = PLAN.find((row) => row.when(checkout));
  if (step.then === 'compile') return compile(typescript);
  if (step.then === 'say' || !BUILT)
    process.stderr.write(`ws-echo is not built: run \`make build\` (or npm install) in ${ROOT}\n`);
  return step.exitCode;
}

process.exitCode = prepare(process.env);
