/**
 * Builds `dist/` (as `npm run build` does) unless it is fresh, for the tests that use the
 * package as users get it: the docs-as-tests and the shipped-types test. "Fresh" means
 * built by this helper from the same sources: a hash of `src/`, the tsconfigs, the
 * compiler's version and package.json is kept in `.tmp/dist-stamp`. Test files run in
 * parallel workers, so the build holds a lock (`.tmp/dist-lock/`, a directory: creating
 * it is atomic); a worker that finds it taken waits for it, then checks again.
 */

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { waitUntil } from '../helpers/wait.js';

const run = promisify(execFile);

/** The repository root. */
export const ROOT = join(import.meta.dirname, '..', '..');

const TMP = join(ROOT, '.tmp');
const STAMP = join(TMP, 'dist-stamp');
const LOCK = join(TMP, 'dist-lock');
const DIST = join(ROOT, 'dist');
const TS_PACKAGE = createRequire(join(ROOT, 'package.json')).resolve('typescript/package.json');
const TSC = join(TS_PACKAGE, '..', 'bin', 'tsc');

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

/** A hash of everything the build reads. */
function inputsHash(): string {
  const hash = createHash('sha256');
  const inputs = [...files(join(ROOT, 'src'))].sort();
  inputs.push(join(ROOT, 'tsconfig.json'), join(ROOT, 'tsconfig.build.json'), join(ROOT, 'package.json'));
  for (const path of inputs) {
    hash.update(relative(ROOT, path)).update('\0').update(readFileSync(path)).update('\0');
  }
  hash.update(readFileSync(TS_PACKAGE));
  return hash.digest('hex');
}

function isFresh(hash: string): boolean {
  return existsSync(join(DIST, 'index.js')) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === hash;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock, or returns false when another live process holds it. */
function tryLock(): boolean {
  mkdirSync(TMP, { recursive: true });
  try {
    mkdirSync(LOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    let holder = Number.NaN;
    try {
      holder = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
    } catch {
      return false; // just created, the pid not written yet
    }
    if (Number.isInteger(holder) && isAlive(holder)) return false;
    rmSync(LOCK, { recursive: true, force: true }); // left by a process that died
    return tryLock();
  }
  writeFileSync(join(LOCK, 'pid'), String(process.pid));
  return true;
}

/**
 * Makes sure `dist/` holds a build of the current sources: builds it (from clean) unless
 * it is fresh. Takes about 15 s when it builds.
 *
 * @throws Error with the compiler's output if the build fails.
 */
export async function ensureDist(): Promise<void> {
  const hash = inputsHash();
  if (isFresh(hash)) return;
  await waitUntil(() => isFresh(hash) || tryLock(), { what: 'the dist/ build lock', timeoutMs: 180_000, pollMs: 200 });
  try {
    if (isFresh(hash)) return;
    rmSync(DIST, { recursive: true, force: true });
    rmSync(STAMP, { force: true });
    try {
      await run(process.execPath, [TSC, '-p', 'tsconfig.build.json'], { cwd: ROOT, maxBuffer: 16 << 20 });
      // The rest of `npm run build`: the dashboard's static files.
      await run(process.execPath, [join(ROOT, 'src', 'exposition', 'dashboard', 'copy-assets.js')], { cwd: ROOT });
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`tsc -p tsconfig.build.json failed:\n${stdout}${stderr}`, { cause: error });
    }
    writeFileSync(STAMP, hash);
  } finally {
    if (existsSync(join(LOCK, 'pid')) && readFileSync(join(LOCK, 'pid'), 'utf8') === String(process.pid)) {
      rmSync(LOCK, { recursive: true, force: true });
    }
  }
}
