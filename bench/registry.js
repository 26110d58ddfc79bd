/** tapemeasure's registry export: 10,000 timers holding 100 values each. */

import { HUNDRED_MS } from './lib/values.js';

/** Fills `registry` with `timers` timers of 100 values each (0.01 ms to 1.5 s). */
export function fillTimers(registry, timers) {
  for (let i = 0; i < timers; i++) {
    const t = registry.timer(`bench.export.t${i}`);
    for (const v of HUNDRED_MS) t.update(v);
  }
}

export function snapshotExport(registry) {
  return { 'export.json': { run: () => JSON.stringify(registry.snapshot()) } };
}
