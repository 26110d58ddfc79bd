#!/usr/bin/env node
/**
 * `npm run soak -- --seconds N` (default 180): builds nothing itself (the npm script
 * builds first), runs bench/soak/soak.test.ts through vitest with its own config, then
 * prints the soak's table. Exit code: vitest's (non-zero on any uncounted loss, a heap
 * trend or a blocked loop; see docs/reliability.md).
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import console from 'node:console';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

const args = process.argv.slice(2);
let seconds = 180;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const value = a.startsWith('--seconds=') ? a.slice('--seconds='.length) : a === '--seconds' ? args[++i] : undefined;
  if (value === undefined) {
    console.error(`soak: unknown argument ${a} (usage: npm run soak -- --seconds N)`);
    process.exit(2);
  }
  seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 20) {
    console.error(`soak: --seconds must be an integer of at least 20, received ${value}`);
    process.exit(2);
  }
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tapemeasure-soak-'));
const out = join(dir, 'table.txt');
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const run = spawnSync(process.execPath, [vitest, 'run', '--config', 'bench/soak/vitest.config.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, SOAK_SECONDS: String(seconds), SOAK_OUT: out },
});
if (existsSync(out)) process.stdout.write(`\n${readFileSync(out, 'utf8')}`);
else console.error('soak: no table was written (the run failed before its end; see above)');
rmSync(dir, { recursive: true, force: true });
process.exit(run.status ?? 1);
