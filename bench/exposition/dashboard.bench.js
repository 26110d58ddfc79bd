#!/usr/bin/env node
/**
 * The dashboard's costs, for 1,000 and 10,000 series (after `npm run build`). Run alone
 * (`node bench/exposition/dashboard.bench.js`) or by `node bench/run.js` (phase extra),
 * which passes `--quick`.
 *
 * - ring memory: heap plus array buffers held by the history (10 minutes at 1 s, the
 *   defaults) once every series is tracked, measured after forced GC, beside the ring's
 *   own count of its arrays;
 * - one sample: the time to read every series into the ring (each timer's window
 *   quantiles included), and the longest stretch it held the event loop (it yields every
 *   8 ms), medians over the rounds;
 * - the feed per request: building and serialising the JSON a page asks for, first
 *   (`full`: 30 or 100 series with 600 samples each) and then every second (`since`: one
 *   sample), on a full ring.
 *
 * Series are timers with 100 recorded durations (3 fields each, the largest kind), as in
 * the export benchmark; the full ring is filled with one real sample, then its arrays are
 * filled with values and its sequence moved on (the feed's cost depends on sizes, not on
 * values, and 600 real samples of 10,000 timers would take minutes).
 */

import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setImmediate } from 'node:timers';
import { setImmediate as immediate } from 'node:timers/promises';
import { URL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

const quick = process.argv.includes('--quick');
const print = (line) => process.stdout.write(`${line}\n`);
const dist = new URL('../../dist/', import.meta.url);
const { Registry, ManualClock } = await import(new URL('index.js', dist).href);
const { readDashboardOptions } = await import(new URL('exposition/dashboard/options.js', dist).href);
const { Sampler } = await import(new URL('exposition/dashboard/sampler.js', dist).href);
const { buildFeed } = await import(new URL('exposition/dashboard/feed.js', dist).href);

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

function used() {
  for (let i = 0; i < 4; i++) gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs `fn` and reports how long it took and the longest gap between event-loop turns meanwhile. */
async function timed(fn) {
  let last = performance.now();
  let maxGap = 0;
  let running = true;
  const spin = () => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    if (running) setImmediate(spin);
  };
  setImmediate(spin);
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  running = false;
  maxGap = Math.max(maxGap, performance.now() - last);
  await immediate();
  return { ms, maxGapMs: maxGap };
}

const scheduler = { repeat: () => () => {} };

async function measure(n) {
  const clock = new ManualClock({ nowMs: Date.now(), monotonicMs: 1_000 });
  const registry = new Registry({ clock });
  for (let i = 0; i < n; i++) {
    const t = registry.timer(`bench.group${i % 100}.timer${i}`);
    for (let v = 1; v <= 100; v++) t.update(v * 0.37);
  }
  const sampler = new Sampler(readDashboardOptions('bench', { registry, maxSeries: n }), scheduler, () => {});
  const before = used();
  const ring = await sampler.demand();
  const after = used();

  const samples = [];
  for (let r = 0; r < (quick ? 2 : 7); r++) {
    clock.advance(1_000);
    samples.push(await timed(() => sampler.sample()));
  }

  // A full ring: 600 samples visible.
  for (const track of ring.series.values()) for (const d of track.data) for (let i = 0; i < d.length; i++) d[i] = 1 + (i % 97) * 0.731;
  for (let i = 0; i < ring.times.length; i++) ring.times[i] = Date.now() - (ring.times.length - i) * 1_000;
  ring.seq = ring.capacity * 3;
  const context = { title: 'bench', nowMs: Date.now(), intervalMs: 1_000, historyMs: 600_000 };
  const query = (q) => ({ ring: undefined, since: undefined, filter: '', limit: 30, route: undefined, ...q });
  const feedCost = (q) => {
    const runs = quick ? 3 : 15;
    const ms = [];
    let bytes = 0;
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      bytes = Buffer.byteLength(JSON.stringify(buildFeed(ring, q, context)));
      ms.push(performance.now() - t0);
    }
    return { ms: median(ms), bytes };
  };
  const feeds = {
    'full, 30 series': feedCost(query({})),
    'full, 100 series': feedCost(query({ limit: 100 })),
    'since, 30 series': feedCost(query({ ring: ring.id, since: ring.seq - 1 })),
    'since, 100 series': feedCost(query({ ring: ring.id, since: ring.seq - 1, limit: 100 })),
    'since, 30 of a filter': feedCost(query({ ring: ring.id, since: ring.seq - 1, filter: 'group7' })),
  };
  const result = {
    series: n,
    ringBytes: ring.bytes,
    measuredBytes: after - before,
    sampleMs: median(samples.map((s) => s.ms)),
    sampleGapMs: median(samples.map((s) => s.maxGapMs)),
    feeds,
  };
  sampler.stop();
  return result;
}

const results = [];
for (const n of quick ? [1_000] : [1_000, 10_000]) results.push(await measure(n));

const mb = (b) => `${(b / 1e6).toFixed(2)} MB`;
print('dashboard: history ring (10 min at 1 s) and feed, timers of 100 values');
print('');
print('| series | ring arrays | measured (heap + buffers) | per series | one sample | longest event-loop stretch |');
print('|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  print(
    `| ${r.series.toLocaleString('en-US')} | ${mb(r.ringBytes)} | ${mb(r.measuredBytes)} | ${(r.measuredBytes / r.series / 1e3).toFixed(1)} KB | ` +
      `${r.sampleMs.toFixed(1)} ms | ${r.sampleGapMs.toFixed(1)} ms |`,
  );
}
print('');
print('| series | feed request | time | JSON |');
print('|---:|---|---:|---:|');
for (const r of results) {
  for (const [what, f] of Object.entries(r.feeds)) {
    print(`| ${r.series.toLocaleString('en-US')} | ${what} | ${f.ms.toFixed(2)} ms | ${(f.bytes / 1e3).toFixed(1)} KB |`);
  }
}
process.send?.({ dashboard: results });
