/**
 * The floors: a plain JS number for counters, gauges and meters; a raw hdr-histogram-js
 * histogram (1% precision, like tapemeasure's default) for records, with the same
 * ms-to-µs scaling a user would write; two clock reads plus one record for time(fn).
 */

import * as hdr from 'hdr-histogram-js';
import { HUNDRED_MS, makeAsyncWork, makeSyncWork, VALUES_MS } from '../lib/values.js';

export const name = 'floor';

const build = () => hdr.build({ useWebAssembly: false, numberOfSignificantValueDigits: 2, autoResize: true });

export async function microOps() {
  const full = build();
  for (let i = 0; i < 100_000; i++) full.recordValue(Math.round(VALUES_MS[i & 1023] * 1000));
  return {
    'counter.inc': { ctx: { s: { n: 0 } }, prelude: 'const s = ctx.s;', body: 's.n += 1;', consume: (ctx) => ctx.s.n },
    'gauge.set': {
      ctx: { s: { v: 0 }, vals: VALUES_MS },
      prelude: 'const s = ctx.s; const vals = ctx.vals;',
      body: 's.v = vals[i & 1023];',
      consume: (ctx) => ctx.s.v,
    },
    'meter.mark': { ctx: { s: { n: 0 } }, prelude: 'const s = ctx.s;', body: 's.n += 1;', consume: (ctx) => ctx.s.n },
    'histogram.record': {
      ctx: { h: build(), vals: VALUES_MS },
      prelude: 'const h = ctx.h; const vals = ctx.vals;',
      body: 'h.recordValue(Math.round(vals[i & 1023] * 1000));',
      consume: (ctx) => ctx.h.totalCount,
    },
    'timer.update': {
      ctx: { h: build(), vals: VALUES_MS },
      prelude: 'const h = ctx.h; const vals = ctx.vals;',
      body: 'h.recordValue(Math.round(vals[i & 1023] * 1000));',
      consume: (ctx) => ctx.h.totalCount,
    },
    'timer.time.sync': {
      ctx: { h: build(), fn: makeSyncWork() },
      prelude: 'const h = ctx.h; const fn = ctx.fn;',
      body: 'const t0 = performance.now(); sink += fn(); h.recordValue(Math.round((performance.now() - t0) * 1000));',
      consume: (ctx) => ctx.h.totalCount,
    },
    'timer.time.async': {
      async: true,
      ctx: { h: build(), fn: makeAsyncWork() },
      prelude: 'const h = ctx.h; const fn = ctx.fn;',
      body: 'const t0 = performance.now(); sink += await fn(); h.recordValue(Math.round((performance.now() - t0) * 1000));',
      consume: (ctx) => ctx.h.totalCount,
    },
    'histogram.quantiles': {
      ctx: { h: full },
      prelude: 'const h = ctx.h;',
      body: 'sink += h.getValueAtPercentile(50) + h.getValueAtPercentile(99);',
    },
  };
}

export const memory = {
  idle: () => build(),
  full: () => {
    const h = build();
    for (const v of HUNDRED_MS) h.recordValue(Math.round(v * 1000));
    return h;
  },
};
