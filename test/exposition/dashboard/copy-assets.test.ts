import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..', '..');
const SCRIPT = join(ROOT, 'src', 'exposition', 'dashboard', 'copy-assets.js');

describe('the build step of the dashboard (copy-assets.js)', () => {
  it('copies the page, script, stylesheet, icon, and uPlot with its licence, next to the built handler', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tapemeasure-assets-'));
    try {
      await run(process.execPath, [SCRIPT, out]);
      const assets = join(out, 'exposition', 'dashboard', 'assets');
      expect(readdirSync(assets).sort()).toEqual(['dashboard.css', 'dashboard.js', 'favicon.svg', 'index.html', 'vendor']);
      expect(readdirSync(join(assets, 'vendor')).sort()).toEqual(['uPlot.LICENSE.txt', 'uPlot.iife.min.js', 'uPlot.min.css']);
      const source = join(ROOT, 'src', 'exposition', 'dashboard', 'assets', 'dashboard.js');
      expect(readFileSync(join(assets, 'dashboard.js'))).toEqual(readFileSync(source));
      expect(readFileSync(join(assets, 'vendor', 'uPlot.LICENSE.txt'), 'utf8')).toContain('The MIT License');
      expect(readFileSync(join(assets, 'vendor', 'uPlot.iife.min.js'))).toEqual(
        readFileSync(join(ROOT, 'node_modules', 'uplot', 'dist', 'uPlot.iife.min.js')),
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
