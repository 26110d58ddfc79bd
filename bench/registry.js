/** tapemeasure's registry export: 10,000 timers holding 100 values each. */

import { HUNDRED_MS } from './lib/values.js';

/** Fills `registry` with `timers` timers of 100 values each (0.01 ms to 1.5 s). */
export function fillTimers(registry, timers) {
  for (let i = 0; i < timers; i++) {
    const t = registry.timer(`bench.export.t${i}`);
    for (const v of HUNDRED_MS) t.update(v);
  }
}

/**
 * The JSON export as users get it: what `GET /metrics` renders (the snapshot tree, read and
 * serialised in 8 ms slices that yield to the event loop).
 */
export async function snapshotExport(registry) {
  const { renderMetrics } = await import('../dist/exposition/handler.js');
  return { 'export.json': { run: () => renderMetrics(registry, 'json') } };
}
