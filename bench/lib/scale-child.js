/**
 * One library at one size, in a fresh process (run with --expose-gc): creates and fills
 * `count` timers of 100 values each (timed), measures the bytes they hold (heap plus
 * array buffers, after forced GC), then runs each export once to compile its code at this
 * size and then `RUNS` times (fewer when one run takes over `REPEAT_BUDGET_MS`), keeping the
 * run with the median longest stretch: time, longest event-loop stretch (wall and main-thread
 * CPU, see probe.js), bytes.
 */

import process from 'node:process';
import { performance } from 'node:perf_hooks';
import { probeExport } from './probe.js';

const [modulePath, countText, opsText] = process.argv.slice(2);
const count = Number(countText);
const wanted = new Set(opsText.split(','));

function used() {
  for (let i = 0; i < 4; i++) globalThis.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const library = await import(modulePath);
// Load and compile the library's export code on a few timers first, so that what is
// measured below is the timers, not the code.
const warm = await library.exportOps(8);
for (const op of Object.values(warm)) await op.close?.();
const before = used();
const t0 = performance.now();
const ops = await library.exportOps(count);
const fillMs = performance.now() - t0;
const bytes = (used() - before) / count;
/** How many measured runs of each export. */
const RUNS = 3;
/** Past this much time in one export's runs, no further run (OpenTelemetry's at 100,000 timers takes 40 s). */
const REPEAT_BUDGET_MS = 10_000;
const exports = {};
for (const [id, op] of Object.entries(ops)) {
  if (!wanted.has(id)) continue;
  await probeExport(op);
  const runs = [];
  let spent = 0;
  while (runs.length < RUNS && (runs.length === 0 || spent < REPEAT_BUDGET_MS)) {
    const run = await probeExport(op);
    runs.push(run);
    spent += run.ms;
  }
  runs.sort((a, b) => a.maxGapMs - b.maxGapMs);
  exports[id] = { ...runs[(runs.length - 1) >> 1], runs: runs.length };
}
for (const op of Object.values(ops)) await op.close?.();
process.send({ count, fillMs, bytesPerTimer: bytes, exports }, () => process.exit(0));
