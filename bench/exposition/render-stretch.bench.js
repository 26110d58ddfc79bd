#!/usr/bin/env node
/**
 * How long exporting a large registry holds the event loop at a stretch (after
 * `npm run build`): 10,000 and 100,000 timers with 100 recorded durations each, rendered
 * as JSON, Prometheus text and OpenMetrics by `renderMetrics()`, and served by one
 * `GET /metrics` of `serveMetrics()` with and without gzip.
 *
 * The probe is a `setImmediate` loop that notes the longest gap between two of its turns
 * while the export runs: the longest time the application could not run. On a loaded
 * machine a gap also holds the time the process waited for a core, so the probe notes the
 * main thread's own CPU time in each gap as well (bench/lib/probe.js: what the stretch
 * would be on a quiet machine). Each cell
 * is the median of `--runs` runs (default 3). Prints one table: export × series ->
 * longest stretch (wall and CPU), total time, bytes.
 *
 * `--shape=names` (the default) gives every timer a name of its own (`bench.group7.timer12345`,
 * one tag); `--shape=one-name` puts them all under one name (`http.requests`, a tag `id`
 * apart): one family of N series, the case of routes × methods × statuses × tenants.
 *
 *   node bench/exposition/render-stretch.bench.js [--series=10000,100000] [--runs=3] [--only=render,http] [--shape=names|one-name] [--dist=/abs/path]
 */

import { Buffer } from 'node:buffer';
import { request } from 'node:http';
import os from 'node:os';
import process from 'node:process';
import { setImmediate as immediate } from 'node:timers/promises';
import { URL } from 'node:url';
import { probe } from '../lib/probe.js';

const arg = (name, fallback) => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found === undefined ? fallback : found.slice(name.length + 3);
};
const seriesCounts = arg('series', '10000,100000').split(',').map(Number);
const runs = Number(arg('runs', '3'));
const only = arg('only', 'render,http').split(',');
const oneName = arg('shape', 'names') === 'one-name';
const print = (line) => process.stdout.write(`${line}\n`);
const dist = arg('dist', undefined) === undefined ? new URL('../../dist/', import.meta.url) : new URL(`file://${arg('dist')}/`);
const { Registry, ManualClock, renderMetrics, serveMetrics } = await import(new URL('index.js', dist).href);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs `fn` under the shared probe; resolves with its time, its result's size, and the longest stretch (wall, thread CPU). */
async function timed(fn) {
  const { ms, maxGapMs, maxCpuGapMs, out } = await probe(fn);
  await immediate();
  // The size of a string is measured after the probe: that is the caller's work.
  const bytes = typeof out === 'string' ? Buffer.byteLength(out) : out;
  return { ms, maxGapMs, maxCpuGapMs: maxCpuGapMs ?? Number.NaN, bytes };
}

/** One GET; resolves with the number of body bytes received (not decompressed). */
function get(url, headers) {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let bytes = 0;
      res.on('data', (chunk) => {
        bytes += chunk.length;
      });
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
        else resolve(bytes);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function fill(n) {
  const clock = new ManualClock({ nowMs: Date.now(), monotonicMs: 1_000 });
  const registry = new Registry({ clock, maxSeries: 1_000_000, maxSeriesPerName: 1_000_000 });
  for (let i = 0; i < n; i++) {
    const t = oneName
      ? registry.timer('http.requests', { tags: { id: String(i), route: `/r${i % 37}` } })
      : registry.timer(`bench.group${i % 100}.timer${i}`, { tags: { route: `/r${i % 37}` } });
    for (let v = 1; v <= 100; v++) t.update(v * 0.37);
  }
  return registry;
}

const rows = [];
for (const n of seriesCounts) {
  const registry = fill(n);
  const cases = [];
  if (only.includes('render')) {
    for (const format of ['json', 'prometheus', 'openmetrics']) {
      cases.push({ what: `renderMetrics ${format}`, run: () => renderMetrics({ registry, format }) });
    }
  }
  let server;
  if (only.includes('http')) {
    // Long timeouts: at 100,000 series on a loaded machine one render can outlast the defaults.
    server = await serveMetrics({ registry, port: 0, dashboard: false, requestTimeoutMs: 600_000, keepAliveTimeoutMs: 600_000 });
    for (const format of ['json', 'prometheus', 'openmetrics']) {
      for (const gzip of [false, true]) {
        const headers = gzip ? { 'accept-encoding': 'gzip' } : {};
        cases.push({ what: `GET ${format}${gzip ? ' gzip' : ''}`, run: () => get(`${server.url}?format=${format}`, headers) });
      }
    }
  }
  for (const c of cases) {
    await c.run(); // warm up
    const results = [];
    for (let r = 0; r < runs; r++) results.push(await timed(c.run));
    rows.push({
      what: c.what,
      series: n,
      stretch: median(results.map((x) => x.maxGapMs)),
      cpuStretch: median(results.map((x) => x.maxCpuGapMs)),
      worst: Math.max(...results.map((x) => x.maxGapMs)),
      ms: median(results.map((x) => x.ms)),
      bytes: results[0].bytes,
    });
    const row = rows.at(-1);
    process.stderr.write(`${row.what} ${n}: ${row.stretch.toFixed(1)} ms stretch, ${row.cpuStretch.toFixed(1)} ms CPU\n`);
  }
  await server?.stop();
}

print(`Longest event-loop stretch while exporting N timers${oneName ? ' of one name' : ''} (median of ${runs}; Node ${process.version})`);
print('');
print(`load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(', ')} on ${os.availableParallelism()} cores`);
print('');
print('| export | series | longest stretch, ms | longest stretch in CPU time, ms | worst run, ms | total, ms | bytes |');
print('|---|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  print(`| ${r.what} | ${r.series.toLocaleString('en')} | ${r.stretch.toFixed(1)} | ${r.cpuStretch.toFixed(1)} | ${r.worst.toFixed(1)} | ${r.ms.toFixed(0)} | ${r.bytes.toLocaleString('en')} |`);
}
