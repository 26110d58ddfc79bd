/** tapemeasure timer operations: update, time(syncFn), time(asyncFn). */

import { makeAsyncWork, makeSyncWork, VALUES_MS } from '../lib/values.js';

export function timerOps(registry) {
  return {
    'timer.update': {
      ctx: { t: registry.timer('bench.update'), vals: VALUES_MS },
      prelude: 'const t = ctx.t; const vals = ctx.vals;',
      body: 't.update(vals[i & 1023]);',
      consume: (ctx) => ctx.t.count,
    },
    'timer.time.sync': {
      ctx: { t: registry.timer('bench.sync'), fn: makeSyncWork() },
      prelude: 'const t = ctx.t; const fn = ctx.fn;',
      body: 'sink += t.time(fn);',
      consume: (ctx) => ctx.t.count,
    },
    'timer.time.async': {
      async: true,
      ctx: { t: registry.timer('bench.async'), fn: makeAsyncWork() },
      prelude: 'const t = ctx.t; const fn = ctx.fn;',
      body: 'sink += await t.time(fn);',
      consume: (ctx) => ctx.t.count,
    },
  };
}
