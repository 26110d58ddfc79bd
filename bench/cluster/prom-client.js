// Side by side with prom-client's AggregatorRegistry on the same 4-worker node:cluster
// workload: each worker records the same known durations into a prom-client Summary and a
// tapemeasure timer. The primary measures the latency of one scrape of each
// (clusterMetrics() vs renderMetrics() of the fleet view) and compares each p99 with the
// exact p99 of all values together. prom-client sums the workers' quantiles.
//
//   npm run build && node bench/cluster/prom-client.js
//
// Environment: BENCH_VALUES (per worker, default 20000), BENCH_SCRAPES (default 20).

/* global console, process, setTimeout, performance */
import cluster from 'node:cluster';
import { createRequire } from 'node:module';
import { Registry, renderMetrics } from '../../dist/index.js';
import { aggregate, forward } from '../../dist/cluster/index.js';

const require = createRequire(import.meta.url);
const client = require('prom-client');
const N = 4;
const VALUES = Number(process.env.BENCH_VALUES ?? 20_000);
const SCRAPES = Number(process.env.BENCH_SCRAPES ?? 20);

/** Worker i's durations (ms): log-uniform from 0.1 ms to (i + 1) s, a fixed PRNG. */
function durations(index) {
  let a = 1000 + index;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [];
  for (let i = 0; i < VALUES; i++) out.push(0.1 * Math.exp(next() * Math.log(10_000 * (index + 1))));
  return out;
}

const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];

if (cluster.isPrimary) {
  const fleet = aggregate({ primary: false });
  const theirs = new client.AggregatorRegistry();
  let ready = 0;
  for (let i = 0; i < N; i++) {
    cluster.fork({ WORKER_INDEX: String(i) }).on('message', (m) => {
      if (m?.ready) ready++;
    });
  }
  while (ready < N || (fleet.registry.get('req')?.count ?? 0) < N * VALUES) await new Promise((r) => setTimeout(r, 50));
  const all = [];
  for (let i = 0; i < N; i++) all.push(...durations(i));
  all.sort((x, y) => x - y);
  const exact = all[Math.ceil(0.99 * all.length) - 1];
  const promTimes = [];
  const ourTimes = [];
  let promText = '';
  let ourText = '';
  for (let s = 0; s < SCRAPES; s++) {
    let t0 = performance.now();
    promText = await theirs.clusterMetrics();
    promTimes.push(performance.now() - t0);
    t0 = performance.now();
    ourText = await renderMetrics({ registry: fleet.registry, format: 'prometheus' });
    ourTimes.push(performance.now() - t0);
  }
  const promP99 = Number(/^req_ms\{quantile="0\.99"\} (\S+)$/m.exec(promText)?.[1]);
  const ourP99 = Number(/^req_seconds\{quantile="0\.99"\} (\S+)$/m.exec(ourText)?.[1]) * 1000;
  const err = (v) => `${(((v - exact) / exact) * 100).toFixed(1)}%`;
  console.log(`exact p99 of all ${all.length} values: ${exact.toFixed(2)} ms`);
  console.log('| | scrape latency (median of ' + SCRAPES + ') | p99 | p99 error |');
  console.log('| --- | ---: | ---: | ---: |');
  console.log(`| prom-client AggregatorRegistry (Summary) | ${median(promTimes).toFixed(2)} ms | ${promP99.toFixed(2)} ms | ${err(promP99)} |`);
  console.log(`| tapemeasure aggregate() (timer) | ${median(ourTimes).toFixed(2)} ms | ${ourP99.toFixed(2)} ms | ${err(ourP99)} |`);
  for (const w of Object.values(cluster.workers)) w.kill();
  await fleet.stop();
} else {
  const index = Number(process.env.WORKER_INDEX);
  // As prom-client's README does: an AggregatorRegistry in every process installs its listeners.
  new client.AggregatorRegistry();
  const summary = new client.Summary({ name: 'req_ms', help: 'request duration', percentiles: [0.5, 0.99], registers: [client.register] });
  const registry = new Registry();
  const timer = registry.timer('req');
  for (const v of durations(index)) {
    summary.observe(v);
    timer.update(v);
  }
  const forwarder = forward({ registry, intervalMs: 100 });
  await forwarder.push();
  process.send({ ready: true });
}
