#!/usr/bin/env node
/**
 * How long the final report of `stop()` takes for a large registry (after `npm run build`):
 * N timers (each with values in its interval), reported by a StatsdReporter (interval
 * distributions, the default) and a GraphiteReporter (window), over TCP to a sink in a
 * child process, against the default 5 s `stopTimeoutMs`. Prints the median and max of the
 * rounds, and the longest event-loop stall seen while stopping.
 *
 * Also counts the timers whose `.count` line reached the sink: with a budget too small for
 * the whole report (`--stop-timeout=150`), every count must still arrive.
 *
 * `--in-flight` calls `stop()` while a report of the whole registry is running, the case
 * that overran the budget: the final report then has what that one left of it.
 *
 * `node bench/reporters/final-report.bench.js [--timers=10000] [--rounds=5] [--stop-timeout=5000] [--in-flight]`
 */

import { fork } from 'node:child_process';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import process from 'node:process';
import { GraphiteReporter, Registry, StatsdReporter } from '../../dist/index.js';

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const TIMERS = arg('timers', 10_000);
const ROUNDS = arg('rounds', 5);
const STOP_TIMEOUT_MS = arg('stop-timeout', 5_000);
const IN_FLIGHT = process.argv.includes('--in-flight');
const print = (line) => process.stdout.write(`${line}\n`);

// The sink, a TCP server counting `.count` lines, runs in a child process, so it reads
// while this one is busy reporting. TCP, not UDP: a loaded machine drops datagrams,
// which would measure the kernel, not the reporter.
if (process.argv.includes('--sink')) {
  let counts = 0;
  const sink = net.createServer((socket) => {
    let rest = '';
    socket.on('data', (chunk) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop();
      for (const line of lines) if (line.includes('.count')) counts++;
    });
    socket.on('error', () => {});
  });
  sink.listen(0, '127.0.0.1', () => process.send({ port: sink.address().port }));
  process.on('message', (m) => {
    if (m === 'reset') counts = 0;
    else if (m === 'read') process.send({ counts });
    else if (m === 'exit') process.exit(0);
  });
} else {
  await main();
}

async function main() {
const child = fork(fileURLToPath(import.meta.url), ['--sink'], { stdio: 'inherit' });
const ask = (message) => new Promise((resolve) => { child.once('message', resolve); if (message !== null) child.send(message); });
const { port } = await ask(null);
const readCounts = async () => {
  // Wait until the count stops growing: the last datagrams in flight have arrived.
  let last = -1;
  for (;;) {
    const { counts } = await ask('read');
    if (counts === last) return counts;
    last = counts;
    await sleep(100);
  }
};

function registryOf(n) {
  const registry = new Registry();
  const timers = [];
  for (let i = 0; i < n; i++) timers.push(registry.timer(`svc.op${i}.latency`));
  return { registry, timers };
}

async function round(make) {
  const { registry, timers } = registryOf(TIMERS);
  const reporter = make(registry);
  reporter.start(3_600_000);
  for (const t of timers) for (let v = 1; v <= 20; v++) t.update(v * 1.5);
  child.send('reset');
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const started = performance.now();
  // With --in-flight, stop() is called while a full report is running (it must wait for it).
  if (IN_FLIGHT) void reporter.report();
  await reporter.stop();
  const ms = performance.now() - started;
  delay.disable();
  return { ms, stallMs: delay.max / 1e6, reports: reporter.stats.reports, counts: await readCounts() };
}

const kinds = {
  statsd: (registry) =>
    new StatsdReporter({ registry, host: '127.0.0.1', port, protocol: 'tcp', env: {}, maxQueueBytes: 2 ** 30, stopTimeoutMs: STOP_TIMEOUT_MS, onError: () => {} }),
  graphite: (registry) =>
    new GraphiteReporter({ registry, host: '127.0.0.1', port, protocol: 'tcp', env: {}, maxQueueBytes: 2 ** 30, stopTimeoutMs: STOP_TIMEOUT_MS, onError: () => {} }),
};

print(`final report of ${TIMERS} timers (20 values each), ${ROUNDS} rounds, stopTimeoutMs ${STOP_TIMEOUT_MS}${IN_FLIGHT ? ', a report in flight' : ''}`);
print('reporter  | median ms | max ms | max loop stall ms | counts delivered (min of rounds)');
for (const [name, make] of Object.entries(kinds)) {
  const results = [];
  for (let i = 0; i < ROUNDS; i++) results.push(await round(make));
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  const stall = Math.max(...results.map((r) => r.stallMs));
  const counts = Math.min(...results.map((r) => r.counts));
  print(`${name.padEnd(9)} | ${ms[Math.floor(ms.length / 2)].toFixed(0).padStart(9)} | ${ms.at(-1).toFixed(0).padStart(6)} | ${stall.toFixed(1).padStart(17)} | ${counts} / ${TIMERS}`);
}
child.send('exit');
}
