#!/usr/bin/env node
/**
 * How long one `report()` of each push reporter takes for a large registry, and how long it
 * holds the event loop at a stretch (after `npm run build`): N timers of 100 values each,
 * reported by
 *
 * - `statsd-udp`: a `StatsdReporter` as users run it, over UDP (datagrams of 1432 bytes,
 *   the default 4 MiB queue) to a sink in a child process;
 * - `statsd`, `graphite-plaintext`, `graphite-pickle`: the StatsD and Graphite reporters
 *   over a `MemoryTransport` (what `bench/reporters/export.js` measures in `bench/run.js`);
 * - `pushgateway`: a `PushgatewayReporter` pushing to an HTTP sink in the child (its body
 *   is Prometheus text 0.0.4; `pushgateway-gzip` compresses it);
 * - `json-stream`: a `JsonStreamReporter` writing to a stream that discards.
 *
 * The StatsD reporter reports the interval (the 100 values are recorded again before each
 * timed report, untimed); the others the window (refilled too, so that it never ages out
 * while the rounds run). Each report runs under `bench/lib/probe.js`: wall time, the
 * longest stretch without a turn of the event loop in wall time and in this thread's CPU
 * time (what it would be on a quiet machine), and the process's CPU time (every thread:
 * garbage collection helpers, zlib). Prints the median of the rounds and the spread
 * (min-max).
 *
 * `nice -n -15 node bench/reporters/push-export.bench.js [--timers=10000,100000] [--rounds=5] [--only=statsd,json-stream]`
 */

import { fork } from 'node:child_process';
import dgram from 'node:dgram';
import http from 'node:http';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import process from 'node:process';
import { probe } from '../lib/probe.js';
import { HUNDRED_MS } from '../lib/values.js';
import { fromDist } from '../lib/dist.js';

const argOf = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const SIZES = (argOf('timers') ?? '10000,100000').split(',').map(Number);
const ROUNDS = Number(argOf('rounds') ?? 5);
const ONLY = argOf('only')?.split(',');
const print = (line) => process.stdout.write(`${line}\n`);

if (process.argv.includes('--sink')) sink();
else await main();

/** The child: a UDP sink and an HTTP sink (200 to every request, the body read and dropped). */
function sink() {
  const udp = dgram.createSocket('udp4');
  udp.on('message', () => {});
  udp.bind(0, '127.0.0.1', () => {
    const server = http.createServer((req, res) => {
      req.on('data', () => {});
      req.on('end', () => res.writeHead(200).end());
    });
    server.listen(0, '127.0.0.1', () => process.send({ udp: udp.address().port, http: server.address().port }));
  });
  process.on('message', (m) => {
    if (m === 'exit') process.exit(0);
  });
}

async function main() {
  const { GraphiteReporter, JsonStreamReporter, MemoryTransport, PushgatewayReporter, Registry, StatsdReporter } =
    await fromDist('index.js');
  const child = fork(fileURLToPath(import.meta.url), ['--sink'], { stdio: 'inherit' });
  const ports = await new Promise((resolve) => child.once('message', resolve));
  const quiet = { onError: () => {}, selfMetrics: false, stopOnExit: false };
  const memory = () => new MemoryTransport({ maxBytes: 2 ** 31 - 1, onError: () => {} });
  const discard = () => new Writable({ write: (_chunk, _encoding, done) => done() });
  const kinds = {
    'statsd-udp': (registry) => new StatsdReporter({ registry, host: '127.0.0.1', port: ports.udp, protocol: 'udp', env: {}, ...quiet }),
    statsd: (registry) => new StatsdReporter({ registry, transport: memory(), ...quiet }),
    'graphite-plaintext': (registry) => new GraphiteReporter({ registry, transport: memory(), protocol: 'tcp', ...quiet }),
    'graphite-pickle': (registry) => new GraphiteReporter({ registry, transport: memory(), protocol: 'pickle', ...quiet }),
    pushgateway: (registry) => new PushgatewayReporter({ registry, url: `http://127.0.0.1:${ports.http}`, job: 'bench', ...quiet }),
    'pushgateway-gzip': (registry) =>
      new PushgatewayReporter({ registry, url: `http://127.0.0.1:${ports.http}`, job: 'bench', compress: true, ...quiet }),
    'json-stream': (registry) => new JsonStreamReporter({ registry, stream: discard(), ...quiet }),
  };
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const spread = (xs) => `${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)}`;
  print(`report() of N timers x 100 values, ${ROUNDS} rounds: median (min-max), stretches in wall and main-thread CPU ms`);
  print('reporter           |       N |       ms (spread) |   CPU ms (spread) | stretch wall (spread) | stretch CPU (spread) | dropped');
  for (const n of SIZES) {
    const registry = new Registry({ maxSeries: 2 * n, maxSeriesPerName: 2 * n });
    const timers = [];
    for (let i = 0; i < n; i++) timers.push(registry.timer(`bench.export.t${i}`));
    const refill = () => {
      for (const t of timers) for (const v of HUNDRED_MS) t.update(v);
    };
    refill();
    for (const [name, make] of Object.entries(kinds)) {
      if (ONLY !== undefined && !ONLY.includes(name)) continue;
      const reporter = make(registry);
      const rows = [];
      for (let r = 0; r < ROUNDS; r++) {
        refill();
        globalThis.gc?.();
        rows.push(await probe(() => reporter.report()));
      }
      const dropped = reporter.stats.dropped;
      await reporter.stop();
      const ms = rows.map((x) => x.ms);
      const cpuMs = rows.map((x) => x.cpuMs);
      const gap = rows.map((x) => x.maxGapMs);
      const cpu = rows.map((x) => x.maxCpuGapMs ?? Number.NaN);
      print(
        `${name.padEnd(18)} | ${String(n).padStart(7)} | ${median(ms).toFixed(0).padStart(6)} (${spread(ms).padStart(9)}) | ` +
          `${median(cpuMs).toFixed(0).padStart(6)} (${spread(cpuMs).padStart(9)}) | ` +
          `${median(gap).toFixed(1).padStart(8)} (${spread(gap).padStart(10)}) | ${median(cpu).toFixed(1).padStart(7)} (${spread(cpu).padStart(10)}) | ${dropped}`,
      );
    }
  }
  child.send('exit');
}
