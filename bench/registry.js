/** tapemeasure's registry export: 10,000 timers holding 100 values each. */

import process from 'node:process';
import { pathToFileURL, URL } from 'node:url';
import { isMainThread, workerData } from 'node:worker_threads';
import { HUNDRED_MS } from './lib/values.js';

// The build the library was loaded from: `--compare=DIR/index.js` runs a second copy
// (bench/tapemeasure.js), whose export rows must use its own modules too.
const distPath = (isMainThread ? undefined : workerData?.options?.dist) ?? process.env.TAPEMEASURE_DIST;

/** The dist/ directory of the build under test. */
export const distDir = distPath === undefined ? new URL('../dist/', import.meta.url) : new URL('./', pathToFileURL(distPath));

/** Imports a module of the build under test (`'index.js'`, `'formats/statsd.js'`). */
export function fromDist(file) {
  return import(new URL(file, distDir).href);
}

/** Fills `registry` with `timers` timers of 100 values each (0.01 ms to 1.5 s). */
export function fillTimers(registry, timers) {
  for (let i = 0; i < timers; i++) {
    const t = registry.timer(`bench.export.t${i}`);
    for (const v of HUNDRED_MS) t.update(v);
  }
}

/**
 * The JSON export as users get it: what `GET /metrics` renders (the snapshot tree, read
 * and serialised in 8 ms slices that yield to the event loop).
 */
export async function snapshotExport(registry) {
  const { renderMetrics } = await fromDist('index.js');
  return { 'export.json': { run: () => renderMetrics({ registry, format: 'json' }) } };
}
