#!/usr/bin/env node
/**
 * Graphite: the formats alone and the whole send path (after `npm run build`). Run alone
 * (`node bench/transports/graphite-throughput.bench.js`) or by `node bench/run.js` (phase
 * extra), which passes `--quick`. `--compare=DIR` also runs another build (a `dist/`
 * directory, e.g. of the previous commit) in the same rounds, so the two can be compared
 * by paired ratios on a shared machine.
 *
 * A registry of TIMERS timers holding 100 values each is exported:
 * - `format plaintext` / `format pickle`: `GraphiteReporter.report()` over a
 *   `MemoryTransport` (the reporter's whole read, format and encoding, no I/O);
 * - `report tcp` / `report pickle`: `GraphiteReporter.report()` over loopback TCP to a
 *   sink in a child process, timed until the sink has every byte of the report.
 * Rounds alternate between the builds; medians and the median of per-round ratios.
 */

import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL, URL } from 'node:url';

const quick = process.argv.includes('--quick');
const compare = process.argv.find((a) => a.startsWith('--compare='))?.slice('--compare='.length);
const print = (line) => process.stdout.write(`${line}\n`);
const TIMERS = quick ? 500 : 10_000;
const ROUNDS = quick ? 2 : 7;

// ---- sink (child process): counts bytes and newlines over every connection --------------
if (process.argv.includes('--sink')) {
  const net = await import('node:net');
  let bytes = 0;
  let lines = 0;
  const server = net.createServer((socket) => {
    socket.on('data', (chunk) => {
      bytes += chunk.length;
      for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lines++;
    });
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', (m) => {
    if (m === 'count') process.send({ bytes, lines });
    if (m === 'exit') process.exit(0);
  });
  process.on('disconnect', () => process.exit(0));
} else {
  await main();
}

async function main() {
  const builds = [{ key: 'tapemeasure', dist: new URL('../../dist/', import.meta.url) }];
  if (compare !== undefined) builds.push({ key: 'compared', dist: pathToFileURL(`${compare.replace(/\/$/, '')}/`) });
  for (const b of builds) {
    if (!existsSync(new URL('index.js', b.dist))) {
      print(`graphite-throughput: ${fileURLToPath(b.dist)}index.js not found; run \`npm run build\` first`);
      return;
    }
  }
  const sink = fork(fileURLToPath(import.meta.url), ['--sink'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise((resolve) => sink.once('message', (m) => resolve(m.port)));
  /** What the sink has received: `unit` is `'bytes'` or `'lines'`. */
  const ask = (unit) =>
    new Promise((resolve) => {
      sink.once('message', (m) => resolve(m[unit]));
      sink.send('count');
    });
  /**
   * Waits until the sink has `expected` bytes or lines (or, with `expected` unknown, until
   * the count stops growing). Plaintext is counted in lines (the length of a line varies
   * with its value: rates decay between rounds); pickle in bytes (a value is always 8).
   */
  async function received(unit, expected) {
    const end = performance.now() + 20_000;
    let last = -1;
    let stableSince = performance.now();
    for (;;) {
      const n = await ask(unit);
      if (expected !== undefined && n >= expected) return n;
      if (n !== last) {
        last = n;
        stableSince = performance.now();
      } else if (expected === undefined && performance.now() - stableSince > 300) return n;
      if (performance.now() > end) {
        print(`graphite-throughput: the sink did not receive ${expected} ${unit} within 20 s`);
        return n;
      }
      await sleep(1);
    }
  }

  for (const b of builds) {
    const lib = await import(new URL('index.js', b.dist).href);
    const registry = new lib.Registry();
    const timers = [];
    for (let i = 0; i < TIMERS; i++) timers.push(registry.timer(`bench.export.timer${i}`));
    // Recorded again before every export (untimed): a window left idle for a minute is
    // empty, and its statistics are no longer sent.
    b.refresh = () => {
      for (let i = 0; i < TIMERS; i++) for (let k = 0; k < 100; k++) timers[i].update(((k * 37 + i) % 997) + 0.25);
    };
    b.registry = registry;
    const memory = () => new lib.MemoryTransport({ maxBytes: 2 ** 31 - 1, onError: () => {} });
    b.memory = { tcp: memory(), pickle: memory() };
    b.formats = {
      tcp: new lib.GraphiteReporter({ registry, transport: b.memory.tcp, protocol: 'tcp', onError: () => {} }),
      pickle: new lib.GraphiteReporter({ registry, transport: b.memory.pickle, protocol: 'pickle', onError: () => {} }),
    };
    b.reporters = {
      tcp: new lib.GraphiteReporter({ registry, port, protocol: 'tcp', onError: () => {} }),
      pickle: new lib.GraphiteReporter({ registry, port, protocol: 'pickle', onError: () => {} }),
    };
  }

  const rows = ['format plaintext', 'format pickle', 'report tcp', 'report pickle'];
  const results = Object.fromEntries(builds.map((b) => [b.key, Object.fromEntries(rows.map((r) => [r, []]))]));
  const reportBytes = new Map();

  async function run(b, row) {
    b.refresh();
    for (const m of Object.values(b.memory)) m.clear();
    const t0 = performance.now();
    if (row === 'format plaintext') await b.formats.tcp.report();
    else if (row === 'format pickle') await b.formats.pickle.report();
    else {
      const protocol = row === 'report tcp' ? 'tcp' : 'pickle';
      const unit = protocol === 'tcp' ? 'lines' : 'bytes';
      const before = await ask(unit);
      await b.reporters[protocol].report();
      const key = `${b.key} ${protocol}`;
      const after = await received(unit, reportBytes.has(key) ? before + reportBytes.get(key) : undefined);
      if (!reportBytes.has(key)) reportBytes.set(key, after - before);
    }
    return performance.now() - t0;
  }

  for (const b of builds) for (const row of rows) await run(b, row); // warm-up, not kept
  for (let r = 0; r < ROUNDS; r++) {
    for (const row of rows) {
      const order = r % 2 === 0 ? builds : [...builds].reverse();
      for (const b of order) results[b.key][row].push(await run(b, row));
    }
  }
  for (const b of builds) for (const reporter of [...Object.values(b.reporters), ...Object.values(b.formats)]) await reporter.stop();
  sink.send('exit');

  const median = (xs) => {
    const s = [...xs].sort((a, c) => a - c);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const out = { timers: TIMERS, rounds: ROUNDS, rows: {} };
  print(`Graphite, ${TIMERS.toLocaleString('en')} timers x 100 values, ${ROUNDS} rounds (median ms per export):`);
  for (const row of rows) {
    const cells = builds.map((b) => `${b.key} ${median(results[b.key][row]).toFixed(1)} ms`);
    let ratio = '';
    if (builds.length > 1) {
      const a = results.tapemeasure[row];
      const c = results.compared[row];
      ratio = `  compared / tapemeasure ${median(a.map((x, i) => c[i] / x)).toFixed(2)}x`;
    }
    out.rows[row] = Object.fromEntries(builds.map((b) => [b.key, median(results[b.key][row])]));
    print(`  ${row.padEnd(18)} ${cells.join('   ')}${ratio}`);
  }
  for (const [key, n] of reportBytes) {
    print(`  ${key}: ${key.endsWith('tcp') ? `${n.toLocaleString('en')} lines` : `${(n / 1e6).toFixed(1)} MB`} per report`);
  }
  if (process.send) process.send({ graphiteThroughput: out });
}
