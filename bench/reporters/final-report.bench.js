#!/usr/bin/env node
/**
 * How long the final report of `stop()` takes for a large registry (after `npm run build`):
 * N timers (each with values in its interval), reported by a StatsdReporter (interval
 * distributions, the default) and a GraphiteReporter (window), over UDP to a socket that
 * discards, against the default 5 s `stopTimeoutMs`. Prints the median and max of the
 * rounds, and the longest event-loop stall seen while stopping.
 *
 * `node bench/reporters/final-report.bench.js [--timers=10000] [--rounds=5]`
 */

import dgram from 'node:dgram';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import process from 'node:process';
import { GraphiteReporter, Registry, StatsdReporter } from '../../dist/index.js';

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const TIMERS = arg('timers', 10_000);
const ROUNDS = arg('rounds', 5);
const print = (line) => process.stdout.write(`${line}\n`);

const sink = dgram.createSocket('udp4');
sink.on('message', () => {});
await new Promise((resolve) => sink.bind(0, '127.0.0.1', resolve));
const port = sink.address().port;

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
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const started = performance.now();
  await reporter.stop();
  const ms = performance.now() - started;
  delay.disable();
  return { ms, stallMs: delay.max / 1e6, reports: reporter.stats.reports, dropped: reporter.stats.dropped };
}

const kinds = {
  statsd: (registry) => new StatsdReporter({ registry, host: '127.0.0.1', port, env: {}, maxQueueBytes: 2 ** 30 }),
  graphite: (registry) => new GraphiteReporter({ registry, host: '127.0.0.1', port, protocol: 'udp', env: {} }),
};

print(`final report of ${TIMERS} timers (20 values each), ${ROUNDS} rounds, stopTimeoutMs 5000`);
print('reporter  | median ms | max ms | max loop stall ms | final report sent');
for (const [name, make] of Object.entries(kinds)) {
  const results = [];
  for (let i = 0; i < ROUNDS; i++) results.push(await round(make));
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  const stall = Math.max(...results.map((r) => r.stallMs));
  const sent = results.every((r) => r.reports === 1);
  print(`${name.padEnd(9)} | ${ms[Math.floor(ms.length / 2)].toFixed(0).padStart(9)} | ${ms.at(-1).toFixed(0).padStart(6)} | ${stall.toFixed(1).padStart(17)} | ${sent ? 'yes' : 'NO'}`);
}
sink.close();
