/**
 * Render time and output size of 10,000 timers (100 values each, 0.01 ms to 1.5 s) as a
 * Prometheus summary (the default), a classic histogram (`buckets: 'prometheus'`, 11
 * bounds), a native histogram (`nativeHistogram: true`, protobuf) and both, side by side
 * with prom-client 15's histogram render of the same values (default buckets).
 *
 * What is timed is what GET /metrics does without HTTP: read every series, format, and
 * encode, in the 8 ms slices that yield to the event loop (renderBody of the build); for
 * prom-client, `await register.metrics()`. Run `npm run build` first.
 *
 *   node --expose-gc bench/formats/prometheus-histograms.bench.js [--timers=10000] [--runs=7]
 */

import { Buffer } from 'node:buffer';
import process from 'node:process';
import { gzipSync } from 'node:zlib';
import client from 'prom-client';
import { HUNDRED_MS } from '../lib/values.js';
import { fromDist } from '../registry.js';

const arg = (name, fallback) => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found === undefined ? fallback : Number(found.slice(name.length + 3));
};
const TIMERS = arg('timers', 10_000);
const RUNS = arg('runs', 7);

const { Registry } = await fromDist('index.js');
const { renderBody } = await fromDist('exposition/render.js');

const print = (line) => process.stdout.write(`${line}\n`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeRuns(render) {
  globalThis.gc?.(); // run with --expose-gc: no row pays for the garbage of the one before
  await render(); // warm-up
  const ms = [];
  let bytes = null;
  for (let r = 0; r < RUNS; r++) {
    const start = process.hrtime.bigint();
    bytes = await render();
    ms.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return { ms: median(ms), bytes };
}

function tapemeasure(options) {
  const registry = new Registry();
  for (let i = 0; i < TIMERS; i++) {
    const t = registry.timer(`bench.export.t${i}`, options);
    for (const v of HUNDRED_MS) t.update(v);
  }
  return registry;
}

const render = (registry, format) => () =>
  renderBody({ registry, format, filter: undefined, pretty: false, prefix: '', report: () => {}, aborted: () => false });

const rows = [];
async function row(label, run) {
  const { ms, bytes } = await timeRuns(run);
  const buf = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  rows.push({ label, ms, bytes: buf.length, gzip: gzipSync(buf).length });
}

// Every registry is built before the first render is timed.
const summary = tapemeasure(undefined);
const classic = tapemeasure({ buckets: 'prometheus' });
const native = tapemeasure({ nativeHistogram: true });
const both = tapemeasure({ buckets: 'prometheus', nativeHistogram: true });
const register = new client.Registry();
for (let i = 0; i < TIMERS; i++) {
  const h = new client.Histogram({ name: `bench_export_t${i}_seconds`, help: 'h', registers: [register] });
  for (const v of HUNDRED_MS) h.observe(v / 1000);
}
await row('tapemeasure summary, text 0.0.4', render(summary, 'prometheus'));
await row('tapemeasure summary, protobuf', render(summary, 'protobuf'));
await row('tapemeasure classic (11 bounds), text 0.0.4', render(classic, 'prometheus'));
await row('tapemeasure classic (11 bounds), OpenMetrics', render(classic, 'openmetrics'));
await row('tapemeasure classic (11 bounds), protobuf', render(classic, 'protobuf'));
await row('tapemeasure native (schema 6), protobuf', render(native, 'protobuf'));
await row('tapemeasure classic + native, protobuf', render(both, 'protobuf'));
await row('prom-client 15 histogram (11 bounds), text', () => register.metrics());

print(`${TIMERS} timers x ${HUNDRED_MS.length} values, median of ${RUNS} renders (node ${process.version})\n`);
print('| output | render ms | bytes | bytes/timer | gzip bytes |');
print('|---|---:|---:|---:|---:|');
for (const r of rows) {
  print(`| ${r.label} | ${r.ms.toFixed(0)} | ${r.bytes} | ${(r.bytes / TIMERS).toFixed(0)} | ${r.gzip} |`);
}
