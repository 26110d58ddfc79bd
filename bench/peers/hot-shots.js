/**
 * hot-shots 17, batched (maxBufferSize 8192) over UDP to a loopback sink the main
 * thread drains. A StatsD client keeps no state, so it has no quantile, export or
 * memory rows: its cost is formatting and sending each call.
 */

import { workerData } from 'node:worker_threads';
import StatsD from 'hot-shots';
import { makeAsyncWork, makeSyncWork, ROUTES, VALUES_MS } from '../lib/values.js';

export const name = 'hot-shots';

export async function microOps() {
  const client = new StatsD({
    host: '127.0.0.1',
    port: workerData.options.statsdPort,
    maxBufferSize: 8192,
    errorHandler: () => {},
  });
  return {
    'counter.inc': { ctx: { c: client }, prelude: 'const c = ctx.c;', body: "c.increment('bench.counter');" },
    'counter.tagged.lookup': {
      ctx: { c: client, routes: ROUTES },
      prelude: 'const c = ctx.c; const routes = ctx.routes;',
      body: "c.increment('bench.requests', 1, { method: 'GET', route: routes[i & 3], status: '200' });",
    },
    'gauge.set': {
      ctx: { c: client, vals: VALUES_MS },
      prelude: 'const c = ctx.c; const vals = ctx.vals;',
      body: "c.gauge('bench.gauge', vals[i & 1023]);",
    },
    'histogram.record': {
      ctx: { c: client, vals: VALUES_MS },
      prelude: 'const c = ctx.c; const vals = ctx.vals;',
      body: "c.histogram('bench.histogram', vals[i & 1023]);",
    },
    'timer.update': {
      ctx: { c: client, vals: VALUES_MS },
      prelude: 'const c = ctx.c; const vals = ctx.vals;',
      body: "c.timing('bench.timer', vals[i & 1023]);",
    },
    'timer.time.sync': {
      ctx: { timed: client.timer(makeSyncWork(), 'bench.timer.sync') },
      prelude: 'const timed = ctx.timed;',
      body: 'sink += timed();',
    },
    'timer.time.async': {
      async: true,
      ctx: { timed: client.asyncTimer(makeAsyncWork(), 'bench.timer.async') },
      prelude: 'const timed = ctx.timed;',
      body: 'sink += await timed();',
    },
  };
}
