#!/usr/bin/env node
/**
 * The histogram paths side by side, in one run: `node bench/stats/compare.bench.js`
 * (after `npm run build`).
 *
 *   --before=FILE   also measure another build's index.js (a scratch build of main)
 *   --timers=N      timers for the export rows (default 10000)
 *   --rounds=N      rounds per row (default 15)
 *   --ops=a,b       only these ns/op rows
 *   --no-micro, --no-export   skip a part
 *
 * Rows: `histogram.record`, `timer.update`, `histogram.quantiles` (ns/op, each library in
 * its own worker, round-robin, median), and the export of N timers holding 100 values
 * each: tapemeasure's `export.json` (the snapshot tree as `GET /metrics` serves it) and
 * `export.snapshot` (`registry.snapshot()` alone), against OpenTelemetry's
 * `collect()` of N explicit-bucket histograms holding the same values.
 */

/* global console */

import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { LibraryWorker } from '../lib/pool.js';
import { median, rotate } from '../lib/stats.js';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.split('=');
    return [k, v ?? true];
  }),
);
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const timers = Number(args.get('--timers') ?? 10_000);
const rounds = Number(args.get('--rounds') ?? 15);

const libs = [{ key: 'tapemeasure', module: '../tapemeasure.js' }];
if (typeof args.get('--before') === 'string') libs.push({ key: 'before', module: '../tapemeasure.js', dist: args.get('--before') });
libs.push({ key: 'opentelemetry', module: '../peers/opentelemetry.js' });

const MICRO = typeof args.get('--ops') === 'string' ? args.get('--ops').split(',') : ['histogram.record', 'timer.update', 'histogram.quantiles'];

async function micro() {
  const workers = libs.map((l) => new LibraryWorker(l.key, here(l.module), { dist: l.dist }));
  const offers = new Map();
  for (const w of workers) offers.set(w.key, new Set(await w.call({ type: 'micro' })));
  console.log('| op | ' + libs.map((l) => `${l.key} ns/op`).join(' | ') + ' |');
  console.log('|---|' + libs.map(() => '---:').join('|') + '|');
  for (const op of MICRO) {
    const taking = workers.filter((w) => offers.get(w.key).has(op));
    const n = new Map();
    for (const w of taking) n.set(w.key, await w.call({ type: 'calibrate', op, targetMs: 10, warmMs: 80 }));
    const samples = Object.fromEntries(taking.map((w) => [w.key, []]));
    for (let r = 0; r < rounds; r++) {
      for (const w of rotate(taking, r)) samples[w.key].push(await w.call({ type: 'run', op, n: n.get(w.key) }));
    }
    console.log(`| ${op} | ` + libs.map((l) => (samples[l.key] ? median(samples[l.key]).toFixed(1) : '—')).join(' | ') + ' |');
  }
  await Promise.all(workers.map((w) => w.terminate()));
}

async function exports() {
  const entries = [];
  const workers = [];
  for (const l of libs) {
    const w = new LibraryWorker(l.key, here(l.module), { dist: l.dist });
    workers.push(w);
    const ops = await w.call({ type: 'exports', timers });
    for (const op of ops) if (op === 'export.json' || op === 'export.native' || op === 'export.snapshot') entries.push({ w, lib: l.key, op });
  }
  const results = new Map();
  for (const e of entries) {
    await e.w.call({ type: 'export', op: e.op });
    results.set(e, { ms: [], gap: [] });
  }
  for (let r = 0; r < rounds; r++) {
    for (const e of rotate(entries, r)) {
      const out = await e.w.call({ type: 'export', op: e.op });
      results.get(e).ms.push(out.ms);
      results.get(e).gap.push(out.maxGapMs);
    }
  }
  const otel = [...results].find(([e]) => e.lib === 'opentelemetry');
  const otelMs = otel === undefined ? NaN : median(otel[1].ms);
  console.log(`\nexport of ${timers} timers x 100 values`);
  console.log('| library | op | ms (median) | longest stretch ms | × OpenTelemetry collect() |');
  console.log('|---|---|---:|---:|---:|');
  for (const [e, r] of results) {
    const ms = median(r.ms);
    console.log(`| ${e.lib} | ${e.op} | ${ms.toFixed(1)} | ${median(r.gap).toFixed(1)} | ${(ms / otelMs).toFixed(2)} |`);
  }
  await Promise.all(workers.map((w) => w.terminate()));
}

if (!args.has('--no-micro')) await micro();
if (!args.has('--no-export')) await exports();
