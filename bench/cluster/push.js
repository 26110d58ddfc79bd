// The cost of forwarding and merging (docs/cluster.md, "Benchmarks"):
//  - per worker per push, for 1,000 and 10,000 timers that each recorded 100 durations
//    since the last push: bytes on the wire and CPU time to build the push;
//  - the aggregator merging 8 workers x 10,000 timers: total time, and the longest stretch
//    the event loop was held (bench/lib/probe.js watchLoop(): wall, and less the waits for a
//    core; goal <= 20 ms: merging yields).
// In process (LocalChannel, frames handed over one per turn); bench/cluster/fleet.js goes
// through the real IPC and worker_threads paths.
//
//   npm run build && node bench/cluster/push.js
//
// Environment: BENCH_TIMERS (comma list, default 1000,10000), BENCH_WORKERS (default 8).

/* global console, process, setImmediate, performance, Buffer */
import { watchLoop } from '../lib/probe.js';
import { ManualClock, Registry } from '../../dist/index.js';
import { LocalChannel } from '../../dist/cluster/channel.js';
import { FleetState } from '../../dist/cluster/fleet-state.js';
import { Forwarder } from '../../dist/cluster/forwarder.js';

const TIMERS = (process.env.BENCH_TIMERS ?? '1000,10000').split(',').map(Number);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 8);
const PER_PUSH = 100;

function worker(timers, id, frames) {
  const clock = new ManualClock();
  const registry = new Registry({ clock, maxSeriesPerName: timers });
  const list = [];
  for (let i = 0; i < timers; i++) list.push(registry.timer('svc.op', { tags: { op: `op${i}` } }));
  const forwarder = new Forwarder({
    registry,
    channel: new LocalChannel((f) => frames.push(f)),
    worker: String(id),
    intervalMs: 1_000_000_000,
    maxMessageBytes: 65_536,
    perWorker: () => false,
    onError: (e) => console.error(e.message),
  });
  let seed = id * 7919 + 1;
  const record = () => {
    for (const t of list) {
      for (let k = 0; k < PER_PUSH; k++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        t.update(0.05 + (seed / 0x7fffffff) * 200);
      }
    }
  };
  return { clock, registry, forwarder, record };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

console.log('| timers | push | bytes / push | CPU ms / push |');
console.log('| --- | --- | ---: | ---: |');
for (const timers of TIMERS) {
  const frames = [];
  const w = worker(timers, 1, frames);
  const rows = { first: [], steady: [], idle: [] };
  for (let round = 0; round < 6; round++) {
    w.record();
    frames.length = 0;
    let cpu = process.cpuUsage();
    await w.forwarder.push();
    cpu = process.cpuUsage(cpu);
    const bytes = frames.reduce((s, f) => s + Buffer.byteLength(f), 0);
    (round === 0 ? rows.first : rows.steady).push({ bytes, ms: (cpu.user + cpu.system) / 1000 });
    w.clock.advance(1_000);
  }
  frames.length = 0;
  let cpu = process.cpuUsage();
  await w.forwarder.push();
  cpu = process.cpuUsage(cpu);
  rows.idle.push({ bytes: frames.reduce((s, f) => s + Buffer.byteLength(f), 0), ms: (cpu.user + cpu.system) / 1000 });
  for (const [name, label] of [['first', 'first (every series)'], ['steady', `steady (${PER_PUSH} new values per timer)`], ['idle', 'nothing changed']]) {
    const r = rows[name];
    console.log(`| ${timers.toLocaleString('en')} | ${label} | ${median(r.map((x) => x.bytes)).toLocaleString('en')} | ${median(r.map((x) => x.ms)).toFixed(1)} |`);
  }
}

// The aggregator: 8 workers x 10,000 timers. "first": a fresh FleetState merges every
// worker's first push (every series new), 5 times; "steady": 5 rounds of one push each
// (100 new values per timer) into the last of them. Median (min–max).
const timers = TIMERS[TIMERS.length - 1];
const ROUNDS = 5;
const perWorker = [];
for (let id = 1; id <= WORKERS; id++) {
  const frames = [];
  const w = worker(timers, id, frames);
  w.record();
  await w.forwarder.push(); // the first push: every series
  perWorker.push({ w, frames, first: [...frames] });
}
const link = { reconnects: false };
const fresh = () => {
  const clock = new ManualClock();
  return new FleetState({
    registry: new Registry({ clock, maxSeriesPerName: timers }),
    maxMessageBytes: 1 << 20,
    staleAfterMs: undefined,
    sessionTtlMs: 60_000,
    nowMs: () => clock.monotonicMs(),
  });
};
const mergeOnce = async (state, which) => {
  const stop = watchLoop();
  const started = performance.now();
  let cpu = process.cpuUsage();
  // Frames arrive as IPC messages do: one per event-loop turn.
  for (const p of perWorker) {
    for (const f of p[which]) {
      state.receive(f, link);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  await state.settled();
  cpu = process.cpuUsage(cpu);
  const wall = performance.now() - started;
  const { maxGapMs, maxCpuGapMs } = stop();
  const bytes = perWorker.reduce((s, p) => s + p[which].reduce((t, f) => t + Buffer.byteLength(f), 0), 0);
  return { bytes, wall, cpu: (cpu.user + cpu.system) / 1000, maxGapMs, maxCpuGapMs: maxCpuGapMs ?? NaN };
};
const row = (label, runs) => {
  const col = (f) => `${median(runs.map(f)).toFixed(1)} (${Math.min(...runs.map(f)).toFixed(1)}–${Math.max(...runs.map(f)).toFixed(1)})`;
  console.log(`| ${WORKERS} x ${timers.toLocaleString('en')} timers | ${label} | ${(median(runs.map((r) => r.bytes)) / 1e6).toFixed(1)} MB | ${col((r) => r.wall)} | ${col((r) => r.cpu)} | ${col((r) => r.maxGapMs)} | ${col((r) => r.maxCpuGapMs)} |`);
};
console.log('');
console.log('| fleet | push merged | bytes | wall ms | CPU ms | longest loop stretch, wall ms | less waits for a core, ms |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
{
  // The same machine doing nothing but turning its event loop, for as long: what the
  // scheduler alone costs (a loaded machine shows stretches no code of ours caused).
  const stop = watchLoop();
  const until = performance.now() + 1_500;
  while (performance.now() < until) await new Promise((resolve) => setImmediate(resolve));
  const { maxGapMs, maxCpuGapMs } = stop();
  console.log(`| (baseline: an idle event loop, 1.5 s) | none | 0 | 1500 | - | ${maxGapMs.toFixed(1)} | ${maxCpuGapMs?.toFixed(1)} |`);
}
const firsts = [];
let state;
for (let r = 0; r < ROUNDS; r++) {
  state = fresh();
  firsts.push(await mergeOnce(state, 'first'));
}
row('first (every series)', firsts);
const steadies = [];
for (let r = 0; r < ROUNDS; r++) {
  for (const p of perWorker) {
    p.frames.length = 0;
    p.w.record();
    await p.w.forwarder.push();
  }
  steadies.push(await mergeOnce(state, 'frames'));
}
row(`steady (${PER_PUSH} new values per timer)`, steadies);
