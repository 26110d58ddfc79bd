/**
 * @opentelemetry/sdk-metrics 2.x with one pull reader (so instruments really record):
 * counters, sync gauges and explicit-bucket histograms. It has no timer, so time(fn)
 * is the two clock reads plus a record a user writes by hand.
 */

import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { HUNDRED_MS, makeAsyncWork, makeSyncWork, ROUTES, VALUES_MS } from '../lib/values.js';

export const name = 'opentelemetry';

class PullReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

function meterWithReader() {
  const reader = new PullReader();
  const provider = new MeterProvider({ readers: [reader] });
  return { reader, meter: provider.getMeter('bench') };
}

export async function microOps() {
  const { meter } = meterWithReader();
  return {
    'counter.inc': { ctx: { c: meter.createCounter('bench.counter') }, prelude: 'const c = ctx.c;', body: 'c.add(1);' },
    'counter.tagged.lookup': {
      ctx: { c: meter.createCounter('bench.requests'), routes: ROUTES },
      prelude: 'const c = ctx.c; const routes = ctx.routes;',
      body: "c.add(1, { method: 'GET', route: routes[i & 3], status: '200' });",
    },
    'gauge.set': {
      ctx: { g: meter.createGauge('bench.gauge'), vals: VALUES_MS },
      prelude: 'const g = ctx.g; const vals = ctx.vals;',
      body: 'g.record(vals[i & 1023]);',
    },
    'histogram.record': {
      ctx: { h: meter.createHistogram('bench.histogram'), vals: VALUES_MS },
      prelude: 'const h = ctx.h; const vals = ctx.vals;',
      body: 'h.record(vals[i & 1023]);',
    },
    'timer.update': {
      ctx: { h: meter.createHistogram('bench.timer', { unit: 'ms' }), vals: VALUES_MS },
      prelude: 'const h = ctx.h; const vals = ctx.vals;',
      body: 'h.record(vals[i & 1023]);',
    },
    'timer.time.sync': {
      ctx: { h: meter.createHistogram('bench.timer.sync', { unit: 'ms' }), fn: makeSyncWork() },
      prelude: 'const h = ctx.h; const fn = ctx.fn;',
      body: 'const t0 = performance.now(); sink += fn(); h.record(performance.now() - t0);',
    },
    'timer.time.async': {
      async: true,
      ctx: { h: meter.createHistogram('bench.timer.async', { unit: 'ms' }), fn: makeAsyncWork() },
      prelude: 'const h = ctx.h; const fn = ctx.fn;',
      body: 'const t0 = performance.now(); sink += await fn(); h.record(performance.now() - t0);',
    },
  };
}

export async function exportOps(timers) {
  const { reader, meter } = meterWithReader();
  for (let i = 0; i < timers; i++) {
    const h = meter.createHistogram(`bench.export.t${i}`, { unit: 'ms' });
    for (const v of HUNDRED_MS) h.record(v);
  }
  return {
    // What an exporter does: collect, then serialise (as JSON here).
    'export.native': {
      run: async () => {
        const { resourceMetrics } = await reader.collect();
        return JSON.stringify(resourceMetrics.scopeMetrics);
      },
    },
    // collect() alone: the SDK's read of every histogram (no quantiles), what
    // tapemeasure's registry read (export.snapshot) is compared with.
    'export.collect': {
      run: async () => {
        const { resourceMetrics } = await reader.collect();
        return resourceMetrics.scopeMetrics[0]?.metrics.length ?? 0;
      },
    },
  };
}

export const memory = {
  init: () => meterWithReader(),
  idle: ({ meter }, n) => meter.createHistogram(n, { unit: 'ms' }),
  full: ({ meter }, n) => {
    const h = meter.createHistogram(n, { unit: 'ms' });
    for (const v of HUNDRED_MS) h.record(v);
    return h;
  },
};
