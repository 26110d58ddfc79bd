/** tapemeasure histogram operations: record, and the statistics of 100,000 values. */

import { VALUES_MS } from '../lib/values.js';

export const QUANTILE_VALUES = 100_000;

export function histogramOps(registry, frozenRegistry) {
  // The quantile histogram lives on a clock that never moves, so its window never empties.
  const full = frozenRegistry.histogram('bench.full');
  for (let i = 0; i < QUANTILE_VALUES; i++) full.record(VALUES_MS[i & 1023]);
  return {
    'histogram.record': {
      ctx: { h: registry.histogram('bench.histogram'), vals: VALUES_MS },
      prelude: 'const h = ctx.h; const vals = ctx.vals;',
      body: 'h.record(vals[i & 1023]);',
      consume: (ctx) => ctx.h.count,
    },
    'histogram.quantiles': {
      ctx: { h: full },
      prelude: 'const h = ctx.h;',
      body: 'const s = h.statistics(); sink += s.p50 + s.p99;',
    },
  };
}
