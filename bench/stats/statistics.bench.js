#!/usr/bin/env node
/**
 * The histogram side of an export: `timer.statistics()` and `timer.snapshot()` of 10,000
 * timers holding 100 values each (what every format reads per timer), as CPU time.
 * `node bench/stats/statistics.bench.js [--before=DIR/index.js]` (after `npm run build`).
 */

/* global console */
import process from 'node:process';
import { fileURLToPath, pathToFileURL, URL } from 'node:url';
import { HUNDRED_MS } from '../lib/values.js';

const args = new Map(process.argv.slice(2).map((a) => { const [k, v] = a.split('='); return [k, v ?? true]; }));
const TIMERS = 10_000;

async function measure(label, indexPath) {
  const { ManualClock, Registry } = await import(pathToFileURL(indexPath).href);
  const registry = new Registry({ clock: new ManualClock({ nowMs: Date.now(), monotonicMs: 1_000_000 }) });
  const timers = [];
  for (let i = 0; i < TIMERS; i++) {
    const t = registry.timer(`bench.stats.t${i}`);
    for (const v of HUNDRED_MS) t.update(v);
    timers.push(t);
  }
  let sink = 0;
  const row = [label];
  for (const method of ['statistics', 'snapshot']) {
    const ms = [];
    for (let r = 0; r < 15; r++) {
      const t0 = process.cpuUsage();
      for (const t of timers) sink += t[method]().p99;
      const d = process.cpuUsage(t0);
      ms.push((d.user + d.system) / 1000);
    }
    ms.sort((a, b) => a - b);
    row.push(`${ms[7].toFixed(1)} (min ${ms[0].toFixed(1)})`);
  }
  console.log(`| ${row.join(' | ')} |${Number.isFinite(sink) ? '' : ' (no result)'}`);
}

console.log(`| build | statistics() of ${TIMERS} timers, CPU ms | snapshot() of ${TIMERS} timers, CPU ms |`);
console.log('|---|---:|---:|');
await measure('this build', fileURLToPath(new URL('../../dist/index.js', import.meta.url)));
if (typeof args.get('--before') === 'string') await measure('before', args.get('--before'));
