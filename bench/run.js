#!/usr/bin/env node
/**
 * The benchmark harness: `node bench/run.js` (after `npm run build`).
 *
 *   --quick        a smoke run of a few seconds (CI: asserts only that it runs)
 *   --docs         also write docs/benchmarks.md from this run
 *   --json=FILE    also write the raw results as JSON
 *   --only=a,b     run only these phases: micro, export, memory, scale, extra
 *   --scale=a,b    the numbers of timers of the scale phase (default 1000,10000,100000)
 *
 * Method (see docs/benchmarks.md): each library runs in its own worker thread (its own
 * copy of every module); each (library, operation) has its own compiled loop; warm-up,
 * then many rounds, round-robin across libraries with the starting library rotated;
 * the median ns/op and the median of per-round ratios to tapemeasure are reported.
 */

import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { URL } from 'node:url';
import { fork } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { childResult } from './lib/child.js';
import { LibraryWorker } from './lib/pool.js';
import { median, rotate } from './lib/stats.js';
import { PLOT_FILE, renderMarkdown, renderText } from './lib/report.js';
import { scalePlot } from './lib/plot.js';
import { checkTargets } from './lib/targets.js';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.split('=');
    return [k, v ?? true];
  }),
);
const quick = args.has('--quick');
const only = typeof args.get('--only') === 'string' ? new Set(args.get('--only').split(',')) : null;
const phase = (p) => only === null || only.has(p);

const config = quick
  ? { rounds: 3, batchMs: 1, warmMs: 5, exportTimers: 200, exportRounds: 2, memoryCount: 100 }
  : { rounds: 31, batchMs: 10, warmMs: 80, exportTimers: 10_000, exportRounds: 9, memoryCount: 2_000 };

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

/** The sizes of the scale phase: memory and export time per timer from 1,000 to 100,000 timers. */
const SCALE_SIZES =
  typeof args.get('--scale') === 'string' ? args.get('--scale').split(',').map(Number) : quick ? [100, 1000] : [1_000, 10_000, 100_000];

/** The exports the scale phase runs, per library (the others' own export, and OpenTelemetry's collect()). */
const SCALE_OPS = {
  tapemeasure: [
    'export.snapshot', 'export.json', 'export.prometheus', 'export.openmetrics', 'export.http', 'export.http-gzip',
    'export.statsd', 'export.graphite-plaintext', 'export.graphite-pickle',
  ],
  'prom-client': ['export.native'],
  'measured-core': ['export.native'],
  opentelemetry: ['export.native', 'export.collect'],
};

/** The libraries, tapemeasure first; each module runs in its own worker. */
export const LIBRARIES = [
  { key: 'tapemeasure', module: './tapemeasure.js' },
  { key: 'floor', module: './peers/floor.js' },
  { key: 'prom-client', module: './peers/prom-client.js' },
  { key: 'measured-core', module: './peers/measured-core.js' },
  { key: 'hot-shots', module: './peers/hot-shots.js' },
  { key: 'opentelemetry', module: './peers/opentelemetry.js' },
];
if (typeof args.get('--compare') === 'string') {
  LIBRARIES.splice(1, 0, { key: 'tapemeasure*', module: './tapemeasure.js', dist: args.get('--compare') });
}

/** The operations in table order. */
export const MICRO_OPS = [
  ['counter.inc', 'counter inc'],
  ['counter.tagged.lookup', 'counter inc, 3 tags looked up per call'],
  ['counter.tagged.handle', 'counter inc, 3 tags, held handle'],
  ['gauge.set', 'gauge set'],
  ['meter.mark', 'meter mark'],
  ['histogram.record', 'histogram record'],
  ['timer.update', 'timer update'],
  ['timer.time.sync', 'time(syncFn)'],
  ['timer.time.async', 'time(asyncFn)'],
  ['histogram.quantiles', 'p50 + p99 of 100,000 values'],
];

function log(line) {
  process.stderr.write(`${line}\n`);
}

function startSink() {
  const socket = dgram.createSocket('udp4');
  let datagrams = 0;
  socket.on('message', () => datagrams++);
  socket.on('error', () => {});
  return new Promise((resolve) => {
    socket.bind(0, '127.0.0.1', () => {
      socket.unref();
      resolve({ port: socket.address().port, close: () => socket.close(), datagrams: () => datagrams });
    });
  });
}

async function runMicro() {
  const sink = await startSink();
  const workers = LIBRARIES.map((l) => new LibraryWorker(l.key, here(l.module), { statsdPort: sink.port, dist: l.dist }));
  const offers = new Map();
  for (const w of workers) offers.set(w.key, new Set(await w.call({ type: 'micro' })));
  const results = {};
  let consumed = 0;
  for (const [op] of MICRO_OPS) {
    const taking = workers.filter((w) => offers.get(w.key).has(op));
    const n = new Map();
    for (const w of taking) {
      n.set(w.key, await w.call({ type: 'calibrate', op, targetMs: config.batchMs, warmMs: config.warmMs }));
    }
    const rounds = Object.fromEntries(taking.map((w) => [w.key, []]));
    for (let r = 0; r < config.rounds; r++) {
      for (const w of rotate(taking, r)) rounds[w.key].push(await w.call({ type: 'run', op, n: n.get(w.key) }));
    }
    results[op] = rounds;
    log(`  ${op.padEnd(24)} ${taking.map((w) => `${w.key} ${median(rounds[w.key]).toFixed(1)} ns`).join(', ')}`);
  }
  for (const w of workers) consumed += await w.call({ type: 'consumed' });
  await Promise.all(workers.map((w) => w.terminate()));
  sink.close();
  return { results, consumed, datagrams: sink.datagrams() };
}

async function runExport() {
  const libs = LIBRARIES.filter((l) => l.key !== 'floor' && l.key !== 'hot-shots');
  const entries = [];
  const workers = [];
  for (const l of libs) {
    const w = new LibraryWorker(l.key, here(l.module), { dist: l.dist });
    workers.push(w);
    const t0 = performance.now();
    const ops = await w.call({ type: 'exports', timers: config.exportTimers });
    log(`  ${l.key}: ${config.exportTimers} timers filled in ${(performance.now() - t0).toFixed(0)} ms`);
    for (const op of ops) entries.push({ worker: w, lib: l.key, op });
  }
  const results = {};
  for (const e of entries) {
    await e.worker.call({ type: 'export', op: e.op }); // warm-up
    results[`${e.lib} ${e.op}`] = { lib: e.lib, op: e.op, ms: [], maxGapMs: [], maxCpuGapMs: [], size: 0 };
  }
  for (let r = 0; r < config.exportRounds; r++) {
    for (const e of rotate(entries, r)) {
      const out = await e.worker.call({ type: 'export', op: e.op });
      const row = results[`${e.lib} ${e.op}`];
      row.ms.push(out.ms);
      row.maxGapMs.push(out.maxGapMs);
      if (out.maxCpuGapMs !== undefined) row.maxCpuGapMs.push(out.maxCpuGapMs);
      row.size = out.size;
    }
  }
  for (const row of Object.values(results)) log(`  ${row.lib} ${row.op}: ${median(row.ms).toFixed(1)} ms`);
  await Promise.all(workers.map((w) => w.call({ type: 'close' })));
  await Promise.all(workers.map((w) => w.terminate()));
  return results;
}

function memoryOf(module, kind, dist) {
  return childResult(here('./lib/memory-child.js'), [here(module), kind, String(config.memoryCount)], {
    execArgv: ['--expose-gc'],
    dist,
    what: `${module} ${kind}`,
  });
}

async function runMemory() {
  const results = {};
  for (const l of LIBRARIES) {
    const mod = await import(new URL(l.module, import.meta.url).href);
    if (mod.memory === undefined) continue;
    results[l.key] = { idle: await memoryOf(l.module, 'idle', l.dist), full: await memoryOf(l.module, 'full', l.dist) };
    log(`  ${l.key}: idle ${results[l.key].idle.total.toFixed(0)} B, 100 values ${results[l.key].full.total.toFixed(0)} B`);
  }
  return results;
}

/** One library at one size in a fresh process (bench/lib/scale-child.js). */
function scaleOf(library, count) {
  return childResult(here('./lib/scale-child.js'), [here(library.module), String(count), SCALE_OPS[library.key].join(',')], {
    execArgv: ['--expose-gc', '--max-old-space-size=8192'],
    dist: library.dist,
    what: `${library.key} x ${count}`,
  });
}

async function runScale() {
  const results = {};
  for (const count of SCALE_SIZES) {
    results[count] = {};
    for (const l of LIBRARIES.filter((x) => SCALE_OPS[x.key] !== undefined)) {
      const r = await scaleOf(l, count);
      results[count][l.key] = r;
      const ex = Object.entries(r.exports).map(([op, e]) => `${op.replace('export.', '')} ${e.ms.toFixed(0)} ms (stretch ${e.maxGapMs.toFixed(0)})`);
      log(`  ${String(count).padStart(6)} ${l.key}: ${r.bytesPerTimer.toFixed(0)} B/timer, fill ${r.fillMs.toFixed(0)} ms; ${ex.join(', ')}`);
    }
  }
  return results;
}

/**
 * Benchmarks other parts of the project add, each a standalone script run as a child
 * process, its stdout printed under its name: the ones listed here (with settings that
 * keep the whole run within minutes), then any other `bench/extra/*.js` or
 * any `*.bench.js` under bench/. A script gets `--quick` in a quick run; one that sends an IPC
 * message has it kept in the JSON output. Each has a time limit.
 */
const EXTRA = [
  { file: 'transports/statsd-throughput.bench.js', limitS: 240 },
  {
    file: 'integrations/http-overhead.js',
    limitS: 240,
    // In a quick run, one framework only: the point is that it runs.
    args: quick ? ['node-http'] : [],
    env: quick ? { BENCH_DURATION_S: '1', BENCH_ROUNDS: '1' } : { BENCH_DURATION_S: '3', BENCH_ROUNDS: '2' },
  },
];

function runScript({ file, env, limitS, args: scriptArgs }) {
  return new Promise((resolve) => {
    const child = fork(here(`./${file}`), scriptArgs ?? (quick ? ['--quick'] : []), {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let message = null;
    const limit = setTimeout(() => {
      stdout += `\n(stopped after its ${limitS} s limit)`;
      child.kill('SIGTERM');
    }, (quick ? Math.min(limitS, 90) : limitS) * 1000);
    child.stdout.on('data', (d) => (stdout += d));
    // The IPC channel would keep the child alive: let go of it once it has reported.
    child.on('message', (m) => {
      message = m;
      if (child.connected) child.disconnect();
    });
    child.on('error', (error) => {
      clearTimeout(limit);
      resolve({ file, code: String(error), stdout, message });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(limit);
      resolve({ file, code: code ?? signal, stdout, message });
    });
  });
}

async function runExtra() {
  const listed = new Set(EXTRA.map((e) => e.file));
  const found = readdirSync(here('./'), { recursive: true })
    .map(String)
    .filter((f) => !listed.has(f) && (f.endsWith('.bench.js') || (f.startsWith('extra/') && f.endsWith('.js'))))
    .sort()
    .map((file) => ({ file, limitS: 120 }));
  const out = [];
  for (const script of [...EXTRA.filter((e) => existsSync(here(`./${e.file}`))), ...found]) {
    const started = performance.now();
    const result = await runScript(script);
    log(`  ${script.file}: exit ${result.code} after ${((performance.now() - started) / 1000).toFixed(1)} s`);
    out.push(result);
  }
  return out;
}

const started = Date.now();
const run = {
  date: new Date().toISOString(),
  node: process.version,
  v8: process.versions.v8,
  cpu: `${os.cpus()[0]?.model ?? 'unknown'} (${os.cpus().length} cores)`,
  loadAverage: os.loadavg(),
  platform: `${os.type()} ${os.release()} ${os.arch()}`,
  quick,
  config,
  ratios: {},
};
const microOps = MICRO_OPS;
if (phase('micro')) {
  log('hot paths:');
  run.micro = await runMicro();
}
if (phase('export')) {
  log(`export of ${config.exportTimers} timers x 100 values:`);
  run.export = await runExport();
}
if (phase('memory')) {
  log('memory:');
  run.memory = await runMemory();
}
if (phase('scale')) {
  log(`scale: ${SCALE_SIZES.join(', ')} timers x 100 values, each library and size in a fresh process:`);
  run.scale = await runScale();
}
if (phase('extra')) {
  log('other benchmarks (bench/extra/*.js, bench/**/*.bench.js):');
  run.extra = await runExtra();
}
run.elapsedS = (Date.now() - started) / 1000;
run.targets = checkTargets(run);

process.stdout.write(renderText(run, microOps, LIBRARIES));
if (args.has('--docs')) {
  writeFileSync(here('../docs/benchmarks.md'), renderMarkdown(run, microOps, LIBRARIES));
  log('wrote docs/benchmarks.md');
  if (run.scale !== undefined) {
    const drawn = { tapemeasure: ['export.prometheus', 'export.json'], 'prom-client': ['export.native'], opentelemetry: ['export.native'], 'measured-core': ['export.native'] };
    writeFileSync(here(`../docs/${PLOT_FILE}`), scalePlot(run.scale, drawn));
    log(`wrote docs/${PLOT_FILE}`);
  }
}
if (typeof args.get('--json') === 'string') writeFileSync(args.get('--json'), `${JSON.stringify(run, null, 1)}\n`);
