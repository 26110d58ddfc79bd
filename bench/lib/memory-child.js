/**
 * Measures bytes per metric in a fresh process (run with --expose-gc): heap plus
 * array buffers (hdr-histogram-js counts live off-heap), after forced GC, averaged
 * over many instances.
 */

import process from 'node:process';

const [modulePath, kind, countText] = process.argv.slice(2);
const count = Number(countText);

function used() {
  for (let i = 0; i < 4; i++) globalThis.gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, arrayBuffers: m.arrayBuffers };
}

const library = await import(modulePath);
const memory = library.memory;
const state = memory.init === undefined ? undefined : await memory.init();
// Warm the factory once so lazily loaded code is not counted.
const warm = [];
for (let i = 0; i < 8; i++) warm.push(memory[kind](state, `warm${i}`));
const names = Array.from({ length: count }, (_, i) => `bench_metric_${i}`);
const keep = new Array(count).fill(null);
const before = used();
for (let i = 0; i < count; i++) keep[i] = memory[kind](state, names[i]);
const after = used();
const heap = (after.heap - before.heap) / count;
const arrayBuffers = (after.arrayBuffers - before.arrayBuffers) / count;
process.send({ heap, arrayBuffers, total: heap + arrayBuffers, kept: keep.length + warm.length }, () => process.exit(0));
