/**
 * Test helper: runs the real etsy StatsD daemon (npm `statsd`, a dev dependency) as a child
 * process on free 127.0.0.1 UDP and TCP ports, with a backend that appends every flush to a
 * JSON-lines file, and reads those flushes back.
 *
 * Everything lives in a temp directory; the daemon is killed when the test process exits.
 */

import { freePort, tcpOpen } from './net.js';
import { waitUntil } from './wait.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The daemon's entry point, from the project's own node_modules. */
export const STATSD_JS = join(dirname(require.resolve('statsd/package.json')), 'stats.js');

/** One flush as the recording backend writes it. */
export type StatsdFlush = {
  readonly seq: number;
  readonly ts: number;
  readonly wallMs: number;
  readonly counters: Readonly<Record<string, number>>;
  readonly gauges: Readonly<Record<string, number>>;
  readonly sets: Readonly<Record<string, readonly string[]>>;
  readonly timers: Readonly<Record<string, readonly number[]>>;
  readonly timer_counters: Readonly<Record<string, number>>;
};

/** What every flush so far adds up to. */
export type StatsdTotals = {
  /** Counter values summed over flushes (sample rates already applied by StatsD). */
  readonly counters: Map<string, number>;
  /** The last value each gauge was flushed with. */
  readonly gauges: Map<string, number>;
  /** Every gauge value flushed, in order. */
  readonly gaugeHistory: Map<string, number[]>;
  /** Every timing value received, in flush order. */
  readonly timers: Map<string, number[]>;
  /** Timer counts summed (1 / sampleRate per timing). */
  readonly timerCounts: Map<string, number>;
  /** Set members, unioned over flushes. */
  readonly sets: Map<string, Set<string>>;
  /** `statsd.bad_lines_seen` summed. */
  readonly badLines: number;
  /** `statsd.metrics_received` summed. */
  readonly metricsReceived: number;
  /** How many flushes were read. */
  readonly flushes: number;
};

/** Options of {@link startStatsd}. */
export type StatsdServerOptions = {
  /** StatsD's flushInterval in ms. Default 200. */
  readonly flushIntervalMs?: number;
  /** Reuse these ports (for a restart on the same address). */
  readonly udpPort?: number;
  readonly tcpPort?: number;
  /** Reuse this directory (and append to its flushes file). */
  readonly dir?: string;
};

/** A running (or stopped) StatsD. */
export type StatsdServer = {
  readonly dir: string;
  readonly udpPort: number;
  readonly tcpPort: number;
  readonly flushIntervalMs: number;
  /** Every flush recorded so far (a partial last line is skipped). */
  flushes(): StatsdFlush[];
  /** The flushes summed. */
  totals(): StatsdTotals;
  /** Polls `totals()` until `predicate` holds or `timeoutMs` passes; returns the last totals. */
  waitFor(predicate: (totals: StatsdTotals) => boolean, timeoutMs?: number): Promise<StatsdTotals>;
  /** SIGTERM (StatsD flushes once more) and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for the exit: no final flush. */
  kill(): Promise<void>;
  /** Starts a new daemon on the same ports and directory (flushes keep accumulating). */
  restart(): Promise<StatsdServer>;
  /** Stops the daemon if running and deletes the directory. */
  dispose(): Promise<void>;
};

const BACKEND = `'use strict';
const fs = require('fs');
exports.init = function (startupTime, config, events) {
  let seq = 0;
  events.on('flush', function (ts, m) {
    const sets = {};
    for (const k in m.sets) sets[k] = m.sets[k].values();
    const rec = { seq: seq++, ts: ts, wallMs: Date.now(), counters: m.counters, gauges: m.gauges, sets: sets,
      timers: m.timers, timer_counters: m.timer_counters };
    // serialise synchronously: statsd clears these objects right after 'flush'
    fs.appendFileSync(config.jsonlFile, JSON.stringify(rec) + '\\n');
  });
  return true;
};
`;

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export { freePort };

function readFlushes(file: string): StatsdFlush[] {
  if (!existsSync(file)) return [];
  const out: StatsdFlush[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    try {
      out.push(JSON.parse(line) as StatsdFlush);
    } catch {
      // a line being written right now
    }
  }
  return out;
}

function sumFlushes(flushes: readonly StatsdFlush[]): StatsdTotals {
  const counters = new Map<string, number>();
  const gauges = new Map<string, number>();
  const gaugeHistory = new Map<string, number[]>();
  const timers = new Map<string, number[]>();
  const timerCounts = new Map<string, number>();
  const sets = new Map<string, Set<string>>();
  let badLines = 0;
  let metricsReceived = 0;
  for (const f of flushes) {
    for (const [k, v] of Object.entries(f.counters)) {
      if (k === 'statsd.bad_lines_seen') badLines += v;
      else if (k === 'statsd.metrics_received') metricsReceived += v;
      else if (!k.startsWith('statsd.')) counters.set(k, (counters.get(k) ?? 0) + v);
    }
    for (const [k, v] of Object.entries(f.gauges)) {
      if (k.startsWith('statsd.')) continue;
      gauges.set(k, v);
      const h = gaugeHistory.get(k) ?? [];
      h.push(v);
      gaugeHistory.set(k, h);
    }
    for (const [k, v] of Object.entries(f.timers)) {
      const t = timers.get(k) ?? [];
      t.push(...v);
      timers.set(k, t);
    }
    for (const [k, v] of Object.entries(f.timer_counters)) timerCounts.set(k, (timerCounts.get(k) ?? 0) + v);
    for (const [k, v] of Object.entries(f.sets)) {
      const s = sets.get(k) ?? new Set<string>();
      for (const m of v) s.add(m);
      sets.set(k, s);
    }
  }
  return { counters, gauges, gaugeHistory, timers, timerCounts, sets, badLines, metricsReceived, flushes: flushes.length };
}

/**
 * Starts the real StatsD daemon on 127.0.0.1 and waits until it is ready: its TCP port
 * accepts connections and its first flush reached the recording backend.
 */
export async function startStatsd(options: StatsdServerOptions = {}): Promise<StatsdServer> {
  const flushIntervalMs = options.flushIntervalMs ?? 200;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'tapemeasure-statsd-'));
  const udpPort = options.udpPort ?? (await freePort('udp'));
  const tcpPort = options.tcpPort ?? (await freePort('tcp'));
  const mgmtPort = await freePort('tcp');
  const jsonl = join(dir, 'flushes.jsonl');
  const backend = join(dir, 'recording-backend.cjs');
  writeFileSync(backend, BACKEND);
  // statsd eval()s this file: an object literal, not a module.
  writeFileSync(
    join(dir, 'config.js'),
    `{
  servers: [
    { server: "./servers/udp", address: "127.0.0.1", port: ${udpPort} },
    { server: "./servers/tcp", address: "127.0.0.1", port: ${tcpPort} }
  ],
  mgmt_address: "127.0.0.1", mgmt_port: ${mgmtPort},
  flushInterval: ${flushIntervalMs}, percentThreshold: 90, deleteIdleStats: true,
  backends: [ ${JSON.stringify(backend)} ],
  jsonlFile: ${JSON.stringify(jsonl)},
  dumpMessages: false, automaticConfigReload: false, debug: false
}
`,
  );
  const before = readFlushes(jsonl).length;
  const log: string[] = [];
  const child = spawn(process.execPath, [STATSD_JS, join(dir, 'config.js')], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      children.delete(child);
      resolve();
    });
  });
  const keep = (chunk: Buffer): void => {
    log.push(chunk.toString());
    if (log.length > 200) log.shift();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);

  const dead = (): boolean => child.exitCode !== null || child.signalCode !== null;
  try {
    await waitUntil(async () => dead() || (readFlushes(jsonl).length > before && (await tcpOpen(tcpPort))), {
      what: 'statsd to become ready',
      timeoutMs: 20_000,
      pollMs: 25,
      context: () => log.join(''),
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  if (dead()) throw new Error(`statsd exited during startup:\n${log.join('')}`);

  const server: StatsdServer = {
    dir,
    udpPort,
    tcpPort,
    flushIntervalMs,
    flushes: () => readFlushes(jsonl),
    totals: () => sumFlushes(readFlushes(jsonl)),
    async waitFor(predicate, timeoutMs = 5_000) {
      let totals = sumFlushes(readFlushes(jsonl));
      try {
        await waitUntil(
          () => {
            totals = sumFlushes(readFlushes(jsonl));
            return predicate(totals);
          },
          { what: 'the StatsD totals', timeoutMs, pollMs: 20 },
        );
      } catch {
        // Return the last totals: the caller's assertions show what differs.
      }
      return totals;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async restart() {
      await server.stop();
      return startStatsd({ flushIntervalMs, udpPort, tcpPort, dir });
    },
    async dispose() {
      await server.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}
