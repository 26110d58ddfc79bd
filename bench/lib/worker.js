/**
 * One library per worker thread: each worker is its own V8 isolate with its own copy
 * of every module, so one library's object shapes never reach another's shared code
 * (tapemeasure and the raw floor both use hdr-histogram-js, each its own copy).
 *
 * Every (library, operation) pair gets its own loop, compiled from source with
 * `new Function`, so its call sites see one shape only.
 */

import process from 'node:process';
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { probeExport } from './probe.js';

const library = await import(workerData.module);

/** Results of every batch are summed here and sent back, so no loop is dead code. */
let consumed = 0;

function compile(id, op) {
  const safe = `${workerData.key}_${id}`.replace(/\W/g, '_');
  const head = op.async ? 'async function' : 'function';
  const source =
    `return ${head} loop_${safe}(ctx, n) {\n${op.prelude ?? ''}\n` +
    `  let sink = 0;\n  for (let i = 0; i < n; i++) {\n    ${op.body}\n  }\n  return sink;\n};`;
  return new Function(source)();
}

let micro = null;
let exports = null;

async function batch(entry, n) {
  const t0 = process.hrtime.bigint();
  let result = entry.loop(entry.op.ctx, n);
  if (entry.op.async) result = await result;
  const t1 = process.hrtime.bigint();
  consumed += Number(result) + (entry.op.consume ? Number(entry.op.consume(entry.op.ctx)) : 0);
  return Number(t1 - t0);
}

/** Grows the batch until it takes `targetMs`, then keeps running it until `warmMs` passed. */
async function calibrate(entry, targetMs, warmMs) {
  const start = performance.now();
  let n = 16;
  for (;;) {
    const ns = await batch(entry, n);
    if (ns >= targetMs * 1e6) {
      n = Math.max(1, Math.round((n * targetMs * 1e6) / ns));
      break;
    }
    n = ns < targetMs * 1e5 ? n * 8 : Math.ceil((n * targetMs * 1.2e6) / Math.max(ns, 1));
  }
  while (performance.now() - start < warmMs) await batch(entry, n);
  return n;
}

/** Runs one export (see probe.js); its output size is consumed. */
async function exportOnce(op) {
  const result = await probeExport(op);
  consumed += result.size;
  return result;
}

parentPort.on('message', (message) => {
  handle(message).then(
    (result) => parentPort.postMessage({ id: message.id, result }),
    (error) => parentPort.postMessage({ id: message.id, error: String(error?.stack ?? error) }),
  );
});

async function handle(message) {
  switch (message.type) {
    case 'micro': {
      const ops = await library.microOps(workerData.options);
      micro = new Map();
      for (const [id, op] of Object.entries(ops)) micro.set(id, { op, loop: compile(id, op) });
      return [...micro.keys()];
    }
    case 'calibrate':
      return calibrate(micro.get(message.op), message.targetMs, message.warmMs);
    case 'run':
      return (await batch(micro.get(message.op), message.n)) / message.n;
    case 'exports': {
      exports = library.exportOps === undefined ? {} : await library.exportOps(message.timers);
      return Object.keys(exports);
    }
    case 'export':
      return exportOnce(exports[message.op]);
    case 'consumed':
      return consumed;
    case 'close':
      for (const op of Object.values(exports ?? {})) await op.close?.();
      return null;
    default:
      throw new Error(`unknown message ${message.type}`);
  }
}
