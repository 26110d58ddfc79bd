#!/usr/bin/env node
/**
 * Bytes per timer, idle and holding 100 values, as the harness's memory phase measures
 * them (bench/lib/memory-child.js: a fresh process, --expose-gc, heap plus array buffers
 * over 2,000 timers), repeated to give a median and a spread:
 * `nice -n -15 node bench/metrics/memory.js` (after `npm run build`).
 *
 *   --runs=N       repetitions of each measurement (default 7)
 *   --count=N      timers per measurement (default 2000, as the harness)
 *   --dist=FILE    also measure another build's index.js (before/after in one run)
 */

/* global console */

import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { childResult } from '../lib/child.js';
import { median } from '../lib/stats.js';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.split('=');
    return [k, v ?? true];
  }),
);
const runs = Number(args.get('--runs') ?? 7);
const count = Number(args.get('--count') ?? 2000);
const here = (p) => fileURLToPath(new URL(p, import.meta.url));

async function measure(kind, dist) {
  const result = await childResult(here('../lib/memory-child.js'), [here('../tapemeasure.js'), kind, String(count)], {
    execArgv: ['--expose-gc'],
    dist,
    what: kind,
  });
  return result.total;
}

const builds = [['this build', undefined]];
if (typeof args.get('--dist') === 'string') builds.push([args.get('--dist'), args.get('--dist')]);
for (const kind of ['idle', 'full']) {
  const samples = builds.map(() => []);
  // Interleaved, so both builds see the same machine.
  for (let r = 0; r < runs; r++) for (let b = 0; b < builds.length; b++) samples[b].push(await measure(kind, builds[b][1]));
  for (let b = 0; b < builds.length; b++) {
    const s = samples[b];
    console.log(
      `${kind.padEnd(5)} ${builds[b][0]}: median ${median(s).toFixed(0)} B, ` +
        `min ${Math.min(...s).toFixed(0)}, max ${Math.max(...s).toFixed(0)} (${runs} runs)`,
    );
  }
}
