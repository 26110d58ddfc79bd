/** tapemeasure gauge operations. */

import { VALUES_MS } from '../lib/values.js';

export function gaugeOps(registry) {
  return {
    'gauge.set': {
      ctx: { g: registry.gauge('bench.gauge'), vals: VALUES_MS },
      prelude: 'const g = ctx.g; const vals = ctx.vals;',
      body: 'g.set(vals[i & 1023]);',
      consume: (ctx) => ctx.g.value,
    },
  };
}
