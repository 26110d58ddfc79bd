#!/usr/bin/env node
/**
 * Build step of the dashboard (run after `tsc` by `npm run build`): copies the page, its
 * script, stylesheet and icon from src/exposition/dashboard/assets/ to
 * dist/exposition/dashboard/assets/, and uPlot (its minified script, its stylesheet and
 * its MIT licence notice) from node_modules/uplot into assets/vendor/, where the handler
 * reads them at run time (next to itself, through import.meta.url).
 *
 *   node src/exposition/dashboard/copy-assets.js [outDir]     (default: dist)
 */

import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const outDir = resolve(root, process.argv[2] ?? 'dist');
const from = join(here, 'assets');
const to = join(outDir, 'exposition', 'dashboard', 'assets');
const require = createRequire(import.meta.url);

mkdirSync(join(to, 'vendor'), { recursive: true });
const copied = [];
for (const entry of readdirSync(from, { withFileTypes: true })) {
  if (!entry.isFile()) continue;
  copyFileSync(join(from, entry.name), join(to, entry.name));
  copied.push(entry.name);
}
const vendor = [
  ['uplot/dist/uPlot.iife.min.js', 'uPlot.iife.min.js'],
  ['uplot/dist/uPlot.min.css', 'uPlot.min.css'],
  ['uplot/LICENSE', 'uPlot.LICENSE.txt'],
];
for (const [module, name] of vendor) {
  copyFileSync(require.resolve(module), join(to, 'vendor', name));
  copied.push(`vendor/${name}`);
}
process.stdout.write(`dashboard assets: ${copied.length} files in ${to}\n`);
