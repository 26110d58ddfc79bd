/**
 * One library at one size, in a fresh process (run with --expose-gc): creates and fills
 * `count` timers of 100 values each (timed), measures the bytes they hold (heap plus
 * array buffers, after forced GC), then runs each export twice and keeps the second
 * (the first compiles the code at this size): time, longest event-loop stretch, bytes.
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
const exports = {};
for (const [id, op] of Object.entries(ops)) {
  if (!wanted.has(id)) continue;
  await probeExport(op);
  exports[id] = await probeExport(op);
}
for (const op of Object.values(ops)) await op.close?.();
process.send({ count, fillMs, bytesPerTimer: bytes, exports }, () => process.exit(0));
