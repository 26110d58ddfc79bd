/** prom-client 15: the same operations, on its own registry. */

import client from 'prom-client';
import { HUNDRED_MS, makeAsyncWork, makeSyncWork, ROUTES, VALUES_MS } from '../lib/values.js';

export const name = 'prom-client';

const LABELS = ['method', 'route', 'status'];

export async function microOps() {
  const register = new client.Registry();
  const registers = [register];
  const tagged = new client.Counter({ name: 'bench_requests', help: 'h', labelNames: LABELS, registers });
  const held = new client.Counter({ name: 'bench_requests_held', help: 'h', labelNames: LABELS, registers });
  const histogram = (n) => new client.Histogram({ name: n, help: 'h', registers });
  return {
    'counter.inc': {
      ctx: { c: new client.Counter({ name: 'bench_counter', help: 'h', registers }) },
      prelude: 'const c = ctx.c;',
      body: 'c.inc();',
    },
    'counter.tagged.lookup': {
      ctx: { c: tagged, routes: ROUTES },
      prelude: 'const c = ctx.c; const routes = ctx.routes;',
      body: "c.inc({ method: 'GET', route: routes[i & 3], status: '200' });",
    },
    'counter.tagged.handle': {
      ctx: { c: held.labels({ method: 'GET', route: ROUTES[0], status: '200' }) },
      prelude: 'const c = ctx.c;',
      body: 'c.inc();',
    },
    'gauge.set': {
      ctx: { g: new client.Gauge({ name: 'bench_gauge', help: 'h', registers }), vals: VALUES_MS },
      prelude: 'const g = ctx.g; const vals = ctx.vals;',
      body: 'g.set(vals[i & 1023]);',
    },
    'histogram.record': {
      ctx: { h: histogram('bench_histogram'), vals: VALUES_MS },
      prelude: 'const h = ctx.h; const vals = ctx.vals;',
      body: 'h.observe(vals[i & 1023]);',
    },
    'timer.update': {
      ctx: { h: histogram('bench_timer'), vals: VALUES_MS },
      prelude: 'const h = ctx.h; const vals = ctx.vals;',
      body: 'h.observe(vals[i & 1023] / 1000);',
    },
    'timer.time.sync': {
      ctx: { h: histogram('bench_timer_sync'), fn: makeSyncWork() },
      prelude: 'const h = ctx.h; const fn = ctx.fn;',
      body: 'const end = h.startTimer(); sink += fn(); end();',
    },
    'timer.time.async': {
      async: true,
      ctx: { h: histogram('bench_timer_async'), fn: makeAsyncWork() },
      prelude: 'const h = ctx.h; const fn = ctx.fn;',
      body: 'const end = h.startTimer(); sink += await fn(); end();',
    },
  };
}

export async function exportOps(timers) {
  const register = new client.Registry();
  for (let i = 0; i < timers; i++) {
    const h = new client.Histogram({ name: `bench_export_t${i}`, help: 'h', registers: [register] });
    for (const v of HUNDRED_MS) h.observe(v / 1000);
  }
  return { 'export.native': { run: () => register.metrics() } };
}

export const memory = {
  init: () => new client.Registry(),
  idle: (register, n) => new client.Histogram({ name: n, help: 'h', registers: [register] }),
  full: (register, n) => {
    const h = new client.Histogram({ name: n, help: 'h', registers: [register] });
    for (const v of HUNDRED_MS) h.observe(v / 1000);
    return h;
  },
};
