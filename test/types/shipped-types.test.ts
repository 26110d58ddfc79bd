/**
 * The shipped types work in a fresh user project: `tsc --strict`, `module: nodenext`, no
 * `types` field, no `skipLibCheck`, `@types/node` installed, under TypeScript 5, 6 and 7.
 * (TypeScript 6 and later no longer load every `@types` package by default, so the
 * entry points' declarations carry `/// <reference types="node" preserve="true" />`.)
 *
 * The project gets what `npm pack` would ship (the file list comes from
 * `npm pack --dry-run`), copied under `node_modules/tapemeasure`, beside symlinks to the
 * repository's `hdr-histogram-js` (a dependency) and `@types/node`.
 */

import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDist, ROOT } from '../docs/build-dist.js';

const run = promisify(execFile);
const require = createRequire(join(ROOT, 'package.json'));

type ExportTarget = string | { readonly types?: string; readonly default?: string };
type PackageJson = { readonly name: string; readonly exports: Readonly<Record<string, ExportTarget>> };

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;

/** Every import specifier users can write: `tapemeasure`, `tapemeasure/express`, ... (not package.json). */
const SPECIFIERS = Object.keys(pkg.exports)
  .filter((key) => typeof pkg.exports[key] === 'object')
  .map((key) => (key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`));

/** The compilers under test: each alias's `bin/tsc`, run with this Node.js. */
const COMPILERS = [
  { major: 5, name: 'typescript-5' },
  { major: 6, name: 'typescript' },
  { major: 7, name: 'typescript-7' },
].map(({ major, name }) => {
  const manifest = require.resolve(`${name}/package.json`);
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  return { major, version, tsc: join(dirname(manifest), 'bin', 'tsc') };
});

/** The user's tsconfig: exactly these options and no others. */
const TSCONFIG = {
  compilerOptions: { strict: true, module: 'nodenext', noEmit: true },
  files: ['index.ts'],
};

/** Uses a few APIs the way the README does, and imports every subpath. */
const INDEX_ALL = `${SPECIFIERS.slice(1)
  .map((s, i) => `import * as subpath${i} from '${s}';`)
  .join('\n')}
import { JsonStreamReporter, Registry, serveMetrics } from '${pkg.name}';

const registry = new Registry();
const one: number = registry.timer('x').time(() => 1);
const rows: string[] = await registry.timer('db.query').time(async () => ['alice']);
registry.counter('jobs').inc();
const reporter = new JsonStreamReporter({ registry, stream: process.stdout });
await reporter.stop();
const server = await serveMetrics({ port: 0 });
await server.stop();
console.log(one, rows, ${SPECIFIERS.slice(1)
  .map((_, i) => `Object.keys(subpath${i})`)
  .join(', ')});
`;

/** Imports one entry point alone: its own reference must bring in what it needs. */
function indexOne(specifier: string): string {
  return `import * as entry from '${specifier}';\nconsole.log(Object.keys(entry));\nexport {};\n`;
}

let project = '';
/** The files `npm pack` would put in the tarball (read once dist/ is built). */
let packed: string[] = [];

async function packedFiles(): Promise<string[]> {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, maxBuffer: 16 << 20 });
  const [tarball] = JSON.parse(stdout) as [{ files: { path: string }[] }];
  return tarball.files.map((f) => f.path);
}

function writeProject(dir: string, index: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  writeFileSync(join(dir, 'index.ts'), index);
}

async function compile(tsc: string, dir: string): Promise<string> {
  try {
    await run(process.execPath, [tsc, '-p', dir], { cwd: dir, maxBuffer: 16 << 20 });
    return '';
  } catch (error) {
    const { stdout = '', stderr = '', message } = error as { stdout?: string; stderr?: string; message: string };
    return `${stdout}${stderr}` || message;
  }
}

beforeAll(async () => {
  await ensureDist();
  project = mkdtempSync(join(realpathSync(tmpdir()), 'tapemeasure-types-'));
  const modules = join(project, 'node_modules');
  const installed = join(modules, pkg.name);
  packed = await packedFiles();
  for (const file of packed) {
    mkdirSync(dirname(join(installed, file)), { recursive: true });
    cpSync(join(ROOT, file), join(installed, file));
  }
  mkdirSync(join(modules, '@types'), { recursive: true });
  symlinkSync(dirname(require.resolve('@types/node/package.json')), join(modules, '@types', 'node'), 'dir');
  symlinkSync(dirname(require.resolve('hdr-histogram-js/package.json')), join(modules, 'hdr-histogram-js'), 'dir');
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-app', private: true, type: 'module' }));
  writeProject(join(project, 'all'), INDEX_ALL);
  SPECIFIERS.forEach((specifier, i) => writeProject(join(project, `entry-${i}`), indexOne(specifier)));
}, 300_000);

afterAll(() => {
  if (project !== '') rmSync(project, { recursive: true, force: true });
});

describe('the package as npm ships it', () => {
  it('has declarations for every export, and no source maps it cannot ship', () => {
    const files = packed;
    for (const key of Object.keys(pkg.exports)) {
      const target = pkg.exports[key]!;
      if (typeof target === 'string') continue;
      expect(files, `${key} types`).toContain(target.types!.replace(/^\.\//, ''));
      expect(files, `${key} default`).toContain(target.default!.replace(/^\.\//, ''));
    }
    const shipped = files.filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'));
    for (const file of shipped) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      const map = /\/\/# sourceMappingURL=(\S+)/.exec(text)?.[1];
      if (map !== undefined) expect(files, `${file} references ${map}`).toContain(join(dirname(file), map));
    }
  });

  it('declares its use of @types/node in every entry point', () => {
    for (const key of Object.keys(pkg.exports)) {
      const target = pkg.exports[key]!;
      if (typeof target === 'string') continue;
      const dts = readFileSync(join(ROOT, target.types!), 'utf8');
      const referenced = /^\/\/\/ <reference types="node" preserve="true" \/>$/m.test(dts);
      expect(referenced, `${target.types} has /// <reference types="node" preserve="true" />`).toBe(true);
    }
  });
});

describe.each(COMPILERS)('TypeScript $major ($version), strict, nodenext, no types field', ({ major, tsc }) => {
  it(`type-checks a project importing ${SPECIFIERS.join(', ')}`, { timeout: 300_000 }, async () => {
    expect(await compile(tsc, join(project, 'all'))).toBe('');
  });

  // TypeScript 5 loads every @types package anyway, and 6 resolves references as 7 does:
  // the per-entry check runs with the fastest compiler.
  it.runIf(major === 7)('type-checks each entry point imported alone', { timeout: 300_000 }, async () => {
    const failures: string[] = [];
    for (const [i, specifier] of SPECIFIERS.entries()) {
      const out = await compile(tsc, join(project, `entry-${i}`));
      if (out !== '') failures.push(`${specifier}:\n${out}`);
    }
    expect(failures.join('\n')).toBe('');
  });
});
