#!/usr/bin/env node
/**
 * Bytes retained per timer, by how many values it holds and how many window slices
 * they are spread over: `node bench/stats/memory.bench.js` (after `npm run build`).
 *
 *   --timers=N     timers per measurement (default 10000)
 *   --dist=FILE    measure another build's index.js (before/after comparisons)
 *   --json         print the rows as JSON too
 *
 * Each row runs in a fresh child process started with --expose-gc: it creates the
 * timers, records the values (moving a ManualClock by one slice between quarters when
 * the values span 4 slices), forces garbage collection, and divides the growth of
 * heapUsed + arrayBuffers (typed-array counts live off the JS heap) by the number of
 * timers. Names are allocated before the first reading, so they are not counted; the
 * registry's own per-series bookkeeping is.
 */

/* global console */

import { fork } from 'node:child_process';
import process from 'node:process';
import { fileURLToPath, pathToFileURL, URL } from 'node:url';
import { VALUES_MS } from '../lib/values.js';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.split('=');
    return [k, v ?? true];
  }),
);
const here = fileURLToPath(import.meta.url);
const defaultDist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

/** The rows: values held, and slices they are spread over. */
const ROWS = [
  [0, 1],
  [1, 1],
  [10, 1],
  [100, 1],
  [1000, 1],
  [10000, 1],
  [1, 4],
  [10, 4],
  [100, 4],
  [1000, 4],
  [10000, 4],
];

function used() {
  for (let i = 0; i < 4; i++) globalThis.gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, arrayBuffers: m.arrayBuffers };
}

async function child() {
  const [dist, valuesText, slicesText, timersText] = process.argv.slice(3);
  const values = Number(valuesText);
  const slices = Number(slicesText);
  const timers = Number(timersText);
  const { ManualClock, Registry } = await import(pathToFileURL(dist).href);
  const clock = new ManualClock();
  const registry = new Registry({ clock });
  // The default window: 60 s in 4 slices of 15 s.
  const sliceMs = 15_000;
  const warm = [];
  for (let i = 0; i < 8; i++) {
    const t = registry.timer(`warm.${i}`);
    for (let k = 0; k < 100; k++) t.update(VALUES_MS[k]);
    warm.push(t);
  }
  const names = Array.from({ length: timers }, (_, i) => `bench.memory.t${i}`);
  const keep = new Array(timers).fill(null);
  const before = used();
  for (let i = 0; i < timers; i++) keep[i] = registry.timer(names[i]);
  let k = 0;
  for (let s = 0; s < slices; s++) {
    const share = Math.floor(values / slices) + (s < values % slices ? 1 : 0);
    for (let i = 0; i < timers; i++) {
      const t = keep[i];
      for (let v = 0; v < share; v++) t.update(VALUES_MS[(k + v * 7 + i) & 1023]);
    }
    k += share * 7;
    if (s < slices - 1) clock.advance(sliceMs);
  }
  const after = used();
  // Every value is still in the window.
  const windowCount = keep[0].statistics().windowCount;
  if (windowCount !== values) throw new Error(`window holds ${windowCount} values, expected ${values}`);
  const heap = (after.heap - before.heap) / timers;
  const arrayBuffers = (after.arrayBuffers - before.arrayBuffers) / timers;
  process.send({ heap, arrayBuffers, total: heap + arrayBuffers, kept: keep.length + warm.length }, () => process.exit(0));
}

function measure(dist, values, slices, timers) {
  return new Promise((resolve, reject) => {
    const c = fork(here, ['--child', dist, String(values), String(slices), String(timers)], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result = null;
    c.on('message', (m) => (result = m));
    c.on('exit', (code) => (result === null ? reject(new Error(`child exited with ${code}`)) : resolve(result)));
  });
}

async function main() {
  const timers = Number(args.get('--timers') ?? 10_000);
  const dist = typeof args.get('--dist') === 'string' ? args.get('--dist') : defaultDist;
  console.log(`bytes retained per timer (${timers} timers, ${dist})`);
  console.log('| values | slices | heap B | arrayBuffers B | total B |');
  console.log('|---:|---:|---:|---:|---:|');
  const rows = [];
  for (const [values, slices] of ROWS) {
    if (values === 0 && slices > 1) continue;
    const r = await measure(dist, values, slices, timers);
    rows.push({ values, slices, ...r });
    const f = (x) => Math.round(x).toLocaleString('en-US');
    console.log(`| ${values === 0 ? 'idle' : values} | ${slices} | ${f(r.heap)} | ${f(r.arrayBuffers)} | ${f(r.total)} |`);
  }
  if (args.has('--json')) console.log(JSON.stringify(rows));
}

if (process.argv[2] === '--child') await child();
else await main();
