#!/usr/bin/env node
/**
 * Growth churn: a histogram fed rising values must cover ever larger buckets.
 * `node bench/stats/growth.bench.js [--before=DIR/index.js]` (after `npm run build`).
 *
 * Feeds 1,000,000 rising values (1 to 1e6, resolution 0.001: integers up to 1e9) into
 * one WindowedHistogram, and reports how often its bucket arrays were reallocated (a
 * change of `countsBytes`, checked after every value in a separate counting run) and
 * the time of the untimed-check run (median of 9).
 */

/* global console, performance */

import process from 'node:process';
import { fileURLToPath, pathToFileURL, URL } from 'node:url';

const args = new Map(process.argv.slice(2).map((a) => { const [k, v] = a.split('='); return [k, v ?? true]; }));
const N = 1_000_000;
const config = { significantDigits: 2, resolution: 0.001, ticksPerSlice: 3, slices: 4 };

async function measure(label, indexPath) {
  const url = new URL('stats/windowed-histogram.js', pathToFileURL(indexPath));
  const { WindowedHistogram } = await import(url.href);
  let resizes = 0;
  {
    const h = new WindowedHistogram(config, 0);
    let bytes = h.countsBytes;
    for (let i = 1; i <= N; i++) {
      h.record(i, 0);
      const b = h.countsBytes;
      if (b !== bytes) resizes++;
      bytes = b;
    }
  }
  const ms = [];
  let sink = 0;
  for (let r = 0; r < 9; r++) {
    const h = new WindowedHistogram(config, 0);
    const t0 = performance.now();
    for (let i = 1; i <= N; i++) h.record(i, 0);
    ms.push(performance.now() - t0);
    sink += h.statistics(0).count;
  }
  ms.sort((a, b) => a - b);
  const final = new WindowedHistogram(config, 0);
  for (let i = 1; i <= N; i++) final.record(i, 0);
  console.log(`| ${label} | ${resizes} | ${ms[4].toFixed(1)} | ${(ms[4] * 1e6 / N).toFixed(1)} | ${final.countsBytes} |${sink === 9 * N ? '' : ' (count mismatch)'}`);
}

console.log('| build | reallocations | ms for 1e6 rising values | ns/value | bytes at the end |');
console.log('|---|---:|---:|---:|---:|');
await measure('this build', fileURLToPath(new URL('../../dist/index.js', import.meta.url)));
if (typeof args.get('--before') === 'string') await measure('before', args.get('--before'));
