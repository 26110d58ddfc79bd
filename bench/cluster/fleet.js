// The aggregator through the real paths (docs/cluster.md, "Benchmarks"): 8 real
// `node:cluster` workers (or 8 worker threads) x 10,000 timers each forward() to
// aggregate() in this process, whose event loop is watched by bench/lib/probe.js
// watchLoop() (the longest stretch, in wall time and in the main thread's own CPU time).
//
// Each round every worker records 100 values per timer and pushes once (forwarder.push());
// the round ends when every worker said it pushed and the fleet merged every frame. A
// "first" round is a fresh aggregate() and a fresh forward() in every worker (every series
// is new to the fleet); "steady" rounds follow it. Workers report the bytes and the CPU
// time of each push (a cluster worker's process CPU; a thread's own CPU from
// /proc/thread-self/schedstat). Only watchLoop() of bench/lib/probe.js is used.
//
//   npm run build && nice -n -15 node bench/cluster/fleet.js [cluster|threads]
//
// Environment: BENCH_TIMERS (default 10000), BENCH_WORKERS (8), BENCH_ROUNDS (first pushes, 5),
// BENCH_STEADY (steady pushes after each first, 5).

/* global console, process */
import cluster from 'node:cluster';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Registry } from '../../dist/index.js';
import { aggregate, forward } from '../../dist/cluster/index.js';
import { readFileSync } from 'node:fs';
import { watchLoop } from '../lib/probe.js';

/** This thread's time on a CPU in ms (Linux: /proc/thread-self/schedstat, updated every scheduler tick). */
function threadCpuMs() {
  try {
    const text = readFileSync('/proc/thread-self/schedstat', 'latin1');
    return Number(text.slice(0, text.indexOf(' '))) / 1e6;
  } catch {
    return NaN;
  }
}

const TIMERS = Number(process.env.BENCH_TIMERS ?? 10_000);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const STEADY = Number(process.env.BENCH_STEADY ?? 5);
const PER_PUSH = 100;

// ---- worker side ---------------------------------------------------------------
function runWorker(id, send, onMessage) {
  const registry = new Registry({ maxSeriesPerName: TIMERS });
  const timers = [];
  for (let i = 0; i < TIMERS; i++) timers.push(registry.timer('svc.op', { tags: { op: `op${i}` } }));
  let seed = id * 7919 + 1;
  let forwarder = null;
  onMessage(async (m) => {
    if (m?.bench === 'session') {
      if (forwarder !== null) await forwarder.stop();
      forwarder = forward({ registry, intervalMs: 2_147_483_647, maxMessageBytes: 65_536, perWorker: () => false });
      send({ bench: 'ready' });
    } else if (m?.bench === 'push') {
      for (const t of timers) {
        for (let k = 0; k < PER_PUSH; k++) {
          seed = (seed * 1103515245 + 12345) & 0x7fffffff;
          t.update(0.05 + (seed / 0x7fffffff) * 200);
        }
      }
      const bytes0 = forwarder.bytesSent;
      const cpu0 = cluster.isWorker ? process.cpuUsage() : threadCpuMs();
      await forwarder.push();
      const cpuMs = cluster.isWorker ? (({ user, system }) => (user + system) / 1000)(process.cpuUsage(cpu0)) : threadCpuMs() - cpu0;
      send({ bench: 'pushed', bytes: forwarder.bytesSent - bytes0, cpuMs });
    } else if (m?.bench === 'exit') {
      await forwarder?.stop();
      process.exit(0);
    }
  });
  send({ bench: 'hello' });
}

if (cluster.isWorker) {
  runWorker(cluster.worker.id, (m) => process.send(m), (fn) => process.on('message', fn));
} else if (!isMainThread) {
  runWorker(workerData.id, (m) => parentPort.postMessage(m), (fn) => parentPort.on('message', fn));
} else {
  // ---- aggregator side -----------------------------------------------------------
  const mode = process.argv[2] ?? 'cluster';
  const workers = [];
  const inbox = [];
  let wake = null;
  const deliver = (m) => {
    if (m?.bench === undefined) return;
    inbox.push(m);
    wake?.();
  };
  const take = async (kind, n) => {
    const got = [];
    while (got.length < n) {
      const i = inbox.findIndex((m) => m.bench === kind);
      if (i >= 0) got.push(inbox.splice(i, 1)[0]);
      else await new Promise((resolve) => (wake = resolve));
    }
    return got;
  };
  for (let id = 1; id <= WORKERS; id++) {
    if (mode === 'cluster') {
      const w = cluster.fork();
      w.on('message', deliver);
      workers.push({ send: (m) => w.send(m), thread: null });
    } else {
      const w = new Worker(fileURLToPath(import.meta.url), { workerData: { id } });
      w.on('message', deliver);
      workers.push({ send: (m) => w.postMessage(m), thread: w });
    }
  }
  await take('hello', WORKERS);
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const spread = (xs) => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`;
  const rows = { first: [], steady: [] };
  const perPush = { first: [], steady: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const fleet = aggregate(
      mode === 'cluster'
        ? { primary: false, maxSeriesPerName: TIMERS }
        : { primary: false, maxSeriesPerName: TIMERS, workers: workers.map((w) => w.thread) },
    );
    for (const w of workers) w.send({ bench: 'session' });
    await take('ready', WORKERS);
    let overload0 = 0;
    for (let p = 0; p <= STEADY; p++) {
      const kind = p === 0 ? 'first' : 'steady';
      const stop = watchLoop();
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      for (const w of workers) w.send({ bench: 'push' });
      const pushed = await take('pushed', WORKERS);
      // From here on the workers are idle: what is left of the merge runs on a quiet machine.
      const { maxGapMs: busyGap, maxCpuGapMs: busyCpuGap } = stop();
      const stopIdle = watchLoop();
      await fleet.settled();
      const idle = stopIdle();
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      const maxGapMs = Math.max(busyGap, idle.maxGapMs);
      const maxCpuGapMs = Math.max(busyCpuGap, idle.maxCpuGapMs);
      const bytes = pushed.reduce((s, x) => s + x.bytes, 0);
      const overload = fleet.registry.get('tapemeasure.fleet.dropped', { reason: 'overload' })?.count ?? 0;
      const dropped = overload - overload0;
      overload0 = overload;
      rows[kind].push({ bytes, ms, cpuMs, maxGapMs, maxCpuGapMs, idleGap: idle.maxGapMs, idleCpuGap: idle.maxCpuGapMs, dropped });
      for (const x of pushed) perPush[kind].push(x);
    }
    await fleet.stop();
  }
  console.log(`mode ${mode}: ${WORKERS} workers x ${TIMERS.toLocaleString('en')} timers, ${PER_PUSH} values per timer per push; ${ROUNDS} first pushes, ${ROUNDS * STEADY} steady; median (min–max)`);
  console.log('| push | bytes (all workers) | merge wall ms | primary process CPU ms | longest stretch wall ms | longest stretch CPU ms | after the workers pushed: wall ms | CPU ms | bytes / worker push | worker CPU ms / push | frames dropped (overload), in all |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const kind of ['first', 'steady']) {
    const x = rows[kind];
    const col = (f) => `${median(x.map(f)).toFixed(1)} (${spread(x.map(f))})`;
    const pp = perPush[kind];
    console.log(
      `| ${kind} | ${(median(x.map((y) => y.bytes)) / 1e6).toFixed(2)} MB | ${col((y) => y.ms)} | ${col((y) => y.cpuMs)} | ${col((y) => y.maxGapMs)} | ${col((y) => y.maxCpuGapMs)} | ${col((y) => y.idleGap)} | ${col((y) => y.idleCpuGap)} | ` +
        `${Math.round(median(pp.map((y) => y.bytes))).toLocaleString('en')} | ${median(pp.map((y) => y.cpuMs)).toFixed(1)} (${spread(pp.map((y) => y.cpuMs))}) | ${x.reduce((s, y) => s + y.dropped, 0)} |`,
    );
  }
  for (const w of workers) w.send({ bench: 'exit' });
  if (mode === 'threads') await Promise.all(workers.map((w) => new Promise((resolve) => w.thread.once('exit', resolve))));
}
