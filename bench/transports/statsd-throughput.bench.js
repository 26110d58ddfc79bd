#!/usr/bin/env node
/**
 * The direct StatsD client's UDP throughput against hot-shots, in one run, over loopback
 * (after `npm run build`). Run alone (`node bench/transports/statsd-throughput.bench.js`)
 * or by `node bench/run.js` (phase extra), which passes `--quick`.
 *
 * Each round sends N counter increments through a fresh client, in batches of 1,000 per
 * event-loop turn (so socket callbacks run, as in a server); the time runs until a sink
 * in a child process has received every line, so it covers calls, packing, sending and
 * the batching delay, and a client that drops lines cannot look fast. Rounds alternate
 * between the clients; medians are reported with the median of the per-round ratios.
 *
 * Clients: tapemeasure's StatsdClient (packs lines into 1432-byte datagrams, 10 ms
 * flush); hot-shots with the same batching (maxBufferSize 1432, bufferFlushInterval 10);
 * and hot-shots with its defaults (one datagram per metric). `--compare=DIR` adds the
 * StatsdClient and StatsdReporter of another build (a `dist/` directory, e.g. of the
 * previous commit) to the same rounds, for before/after ratios on a shared machine.
 */

import { fork } from 'node:child_process';
import { setImmediate } from 'node:timers';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setImmediate as immediate, setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL, URL } from 'node:url';
import StatsD from 'hot-shots';

const quick = process.argv.includes('--quick');
const compare = process.argv.find((a) => a.startsWith('--compare='))?.slice('--compare='.length);
const compareDist = compare === undefined ? null : pathToFileURL(`${compare.replace(/\/$/, '')}/`);
const print = (line) => process.stdout.write(`${line}\n`);
const N = quick ? 20_000 : 200_000;
const ROUNDS = quick ? 2 : 9;
const BATCH = 1_000;

// ---- sink (child process): counts lines per datagram ------------------------------------
if (process.argv.includes('--sink')) {
  const dgram = await import('node:dgram');
  const socket = dgram.createSocket('udp4');
  socket.on('error', () => {});
  let lines = 0;
  socket.on('message', (msg) => {
    for (let i = 0; i < msg.length; i++) if (msg[i] === 0x0a) lines++;
    if (msg[msg.length - 1] !== 0x0a) lines++; // hot-shots leaves the last line unterminated
  });
  socket.bind({ port: 0, address: '127.0.0.1' }, () => {
    // a big receive buffer, so the kernel does not drop what a slow sink has not read yet
    try {
      socket.setRecvBufferSize(32 << 20);
    } catch {
      /* keep the default */
    }
    process.send({ port: socket.address().port });
  });
  process.on('message', (m) => {
    if (m === 'count') process.send({ lines });
    if (m === 'reset') {
      lines = 0;
      process.send({ lines });
    }
    if (m === 'exit') process.exit(0);
  });
} else {
  await main();
}

async function main() {
  const dist = new URL('../../dist/clients/statsd-client.js', import.meta.url);
  if (!existsSync(dist)) {
    print('statsd-throughput: dist/clients/statsd-client.js not found; run `npm run build` first');
    return;
  }
  const { StatsdClient } = await import(dist.href);
  const Compared =
    compareDist === null ? null : (await import(new URL('clients/statsd-client.js', compareDist).href)).StatsdClient;
  const sink = fork(fileURLToPath(import.meta.url), ['--sink'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise((resolve) => sink.once('message', (m) => resolve(m.port)));
  const ask = (what) =>
    new Promise((resolve) => {
      sink.once('message', resolve);
      sink.send(what);
    });

  /** Waits until the sink has seen `expected` lines, or 2 s pass. */
  async function received(expected) {
    const end = performance.now() + 2_000;
    for (;;) {
      const { lines } = await ask('count');
      if (lines >= expected || performance.now() > end) return lines;
      await sleep(5);
    }
  }

  const clients = {
    tapemeasure: () => {
      const c = new StatsdClient({ host: '127.0.0.1', port, protocol: 'udp', env: {}, onError: () => {} });
      return { incr: (name) => c.incr(name), close: () => c.stop() };
    },
    ...(Compared === null
      ? {}
      : {
          'tapemeasure (compared build)': () => {
            const c = new Compared({ host: '127.0.0.1', port, protocol: 'udp', env: {}, onError: () => {} });
            return { incr: (name) => c.incr(name), close: () => c.stop() };
          },
        }),
    'hot-shots (batched 1432)': () => {
      const c = new StatsD({ host: '127.0.0.1', port, maxBufferSize: 1432, bufferFlushInterval: 10, errorHandler: () => {} });
      return { incr: (name) => c.increment(name), close: () => new Promise((r) => c.close(() => r())) };
    },
    'hot-shots (default, unbatched)': () => {
      const c = new StatsD({ host: '127.0.0.1', port, errorHandler: () => {} });
      return { incr: (name) => c.increment(name), close: () => new Promise((r) => c.close(() => r())) };
    },
  };
  const names = Object.keys(clients);
  const results = Object.fromEntries(names.map((n) => [n, { ms: [], delivered: [] }]));

  async function round(key) {
    await ask('reset');
    const client = clients[key]();
    const t0 = performance.now();
    for (let sent = 0; sent < N; sent += BATCH) {
      for (let i = 0; i < BATCH; i++) client.incr('bench.throughput.counter');
      await immediate();
    }
    // Timed until the sink has every line (not until close(), whose waits differ by client).
    const lines = await received(N);
    const ms = performance.now() - t0;
    await client.close();
    results[key].ms.push(ms);
    results[key].delivered.push(lines / N);
  }

  await round(names[0]); // warm-up, not kept
  for (const r of Object.values(results)) {
    r.ms.length = 0;
    r.delivered.length = 0;
  }
  for (let r = 0; r < ROUNDS; r++) {
    const order = names.slice(r % names.length).concat(names.slice(0, r % names.length));
    for (const key of order) await round(key);
  }

  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const out = { n: N, rounds: ROUNDS, clients: {} };
  print(`StatsD client UDP throughput, ${N.toLocaleString('en')} increments per round, ${ROUNDS} rounds, loopback:`);
  for (const key of names) {
    const ms = median(results[key].ms);
    const perS = N / (ms / 1000);
    const delivered = Math.min(...results[key].delivered);
    const ratios = results[key].ms.map((m, i) => results.tapemeasure.ms[i] / m);
    const vsTm = key === 'tapemeasure' ? 1 : 1 / median(ratios);
    out.clients[key] = { medianMs: ms, metricsPerSecond: perS, minDelivered: delivered, speedupOfTapemeasure: vsTm };
    print(
      `  ${key.padEnd(32)} ${Math.round(perS).toLocaleString('en').padStart(12)} metrics/s` +
        `  (median ${ms.toFixed(1)} ms, delivered >= ${(delivered * 100).toFixed(1)}%)` +
        (key === 'tapemeasure' ? '' : `  tapemeasure is ${vsTm.toFixed(2)}x this`),
    );
  }
  // ---- the StatsD reporter's export of 10,000 timers holding 100 values each ----------
  const builds = [['tapemeasure', new URL('../../dist/', import.meta.url)]];
  if (compareDist !== null) builds.push(['compared build', compareDist]);
  out.export = {};
  for (const [label, base] of builds) await exportRound(label, base);

  sink.send('exit');
  if (process.send) process.send({ statsdThroughput: out });

  async function exportRound(label, base) {
    const { Registry } = await import(new URL('index.js', base).href);
    const { StatsdReporter } = await import(new URL('reporters/statsd-reporter.js', base).href);
    const TIMERS = quick ? 500 : 10_000;
    const registry = new Registry();
    const timers = [];
    for (let i = 0; i < TIMERS; i++) timers.push(registry.timer(`bench.export.timer${i}`));
    const reporter = new StatsdReporter({ registry, host: '127.0.0.1', port, protocol: 'udp', env: {}, onError: () => {} });
    reporter.start(2 ** 31 - 1); // reports are driven below
    const exportMs = [];
    const stretchMs = [];
    const exportRounds = quick ? 2 : 7;
    for (let r = 0; r <= exportRounds; r++) {
      for (let i = 0; i < TIMERS; i++) for (let k = 0; k < 100; k++) timers[i].update(((k * 37 + i + r) % 997) + 0.25);
      let longest = 0;
      let last = performance.now();
      let probing = true;
      const probe = () => {
        const now = performance.now();
        longest = Math.max(longest, now - last);
        last = now;
        if (probing) setImmediate(probe);
      };
      setImmediate(probe);
      const t0 = performance.now();
      await reporter.report();
      const ms = performance.now() - t0;
      probing = false;
      if (r > 0) {
        // round 0 is a warm-up
        exportMs.push(ms);
        stretchMs.push(longest);
      }
    }
    await reporter.stop();
    const exportLines = reporter.transportStats.sentLines;
    out.export[label] = { timers: TIMERS, medianMs: median(exportMs), longestStretchMs: Math.max(...stretchMs), lines: exportLines };
    print(
      `StatsdReporter (${label}) export of ${TIMERS.toLocaleString('en')} timers x 100 values over UDP: ` +
        `median ${median(exportMs).toFixed(1)} ms per report, longest event-loop stretch ` +
        `${Math.max(...stretchMs).toFixed(1)} ms, ${reporter.transportStats.droppedLines} lines dropped`,
    );
  }
}
