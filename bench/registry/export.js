/**
 * The registry's own read: `registry.snapshot()` of every timer (count, sum, rates and
 * every window statistic), the step under every export, and what OpenTelemetry's
 * `collect()` is compared with (theirs computes no quantiles).
 */

import { HUNDRED_MS } from '../lib/values.js';

/** Fills `registry` with `timers` timers of 100 values each (0.01 ms to 1.5 s). */
export function fillTimers(registry, timers) {
  for (let i = 0; i < timers; i++) {
    const t = registry.timer(`bench.export.t${i}`);
    for (const v of HUNDRED_MS) t.update(v);
  }
}

/** Export rows of the registry itself. */
export function registryExports(registry) {
  return {
    'export.snapshot': {
      run: () => {
        let n = 0;
        for (const m of registry.metrics()) n += m.snapshot().count;
        return n;
      },
    },
  };
}
