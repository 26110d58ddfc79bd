/** measured-core 2: counters, settable gauges, meters, histograms and timers. */

import measured from 'measured-core';
import { HUNDRED_MS, makeAsyncWork, makeSyncWork, VALUES_MS } from '../lib/values.js';

export const name = 'measured-core';

const { Collection, Counter, Histogram, Meter, SettableGauge, Timer } = measured;

export async function microOps() {
  const full = new Histogram();
  for (let i = 0; i < 100_000; i++) full.update(VALUES_MS[i & 1023]);
  const timer = () => new Timer({ keepAlive: false });
  return {
    'counter.inc': { ctx: { c: new Counter() }, prelude: 'const c = ctx.c;', body: 'c.inc();', consume: (ctx) => ctx.c.toJSON() },
    'gauge.set': {
      ctx: { g: new SettableGauge(), vals: VALUES_MS },
      prelude: 'const g = ctx.g; const vals = ctx.vals;',
      body: 'g.setValue(vals[i & 1023]);',
      consume: (ctx) => ctx.g.toJSON(),
    },
    'meter.mark': {
      ctx: { m: new Meter({ keepAlive: false }) },
      prelude: 'const m = ctx.m;',
      body: 'm.mark();',
      consume: (ctx) => ctx.m.toJSON().count,
    },
    'histogram.record': {
      ctx: { h: new Histogram(), vals: VALUES_MS },
      prelude: 'const h = ctx.h; const vals = ctx.vals;',
      body: 'h.update(vals[i & 1023]);',
      consume: (ctx) => ctx.h.toJSON().count,
    },
    'timer.update': {
      ctx: { t: timer(), vals: VALUES_MS },
      prelude: 'const t = ctx.t; const vals = ctx.vals;',
      body: 't.update(vals[i & 1023]);',
    },
    'timer.time.sync': {
      ctx: { t: timer(), fn: makeSyncWork() },
      prelude: 'const t = ctx.t; const fn = ctx.fn;',
      body: 'const w = t.start(); sink += fn(); w.end();',
    },
    'timer.time.async': {
      async: true,
      ctx: { t: timer(), fn: makeAsyncWork() },
      prelude: 'const t = ctx.t; const fn = ctx.fn;',
      body: 'const w = t.start(); sink += await fn(); w.end();',
    },
    'histogram.quantiles': {
      ctx: { h: full },
      prelude: 'const h = ctx.h;',
      body: 'const j = h.toJSON(); sink += j.median + j.p99;',
    },
  };
}

export async function exportOps(timers) {
  const collection = new Collection();
  for (let i = 0; i < timers; i++) {
    const t = collection.timer(`bench.export.t${i}`);
    t.unref();
    for (const v of HUNDRED_MS) t.update(v);
  }
  return { 'export.native': { run: () => JSON.stringify(collection.toJSON()) } };
}

export const memory = {
  idle: () => new Timer({ keepAlive: false }),
  full: () => {
    const t = new Timer({ keepAlive: false });
    for (const v of HUNDRED_MS) t.update(v);
    return t;
  },
};
