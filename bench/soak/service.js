/**
 * The soak's service: a real node:http app instrumented with tapemeasure (the built
 * package, as a user installs it), reporting at once to StatsD over UDP and TCP, to
 * carbon over pickle, to a peer that may stall, and serving /metrics to Prometheus.
 * Forked by soak.test.ts with `--expose-gc`; talks to it over IPC.
 *
 * On this process's event loop run only: the app (O(1) work per request), tapemeasure,
 * the tap (bench/soak/tap.js, O(lines) per record), and the monitors below. That is
 * what lets a blocked loop be attributed (see docs/reliability.md).
 */

import { threadRunDelayMs } from '../lib/probe.js';
import { createServer } from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import process from 'node:process';
import { clearInterval, setInterval, setTimeout } from 'node:timers';
import {
  GraphiteReporter,
  metricsHandler,
  Registry,
  StatsdReporter,
  TcpTransport,
  UdpTransport,
} from '../../dist/index.js';
import { httpMetrics } from '../../dist/integrations/node-http.js';
import { TappedTransport, trackGraphite, trackStatsd } from './tap.js';

const config = await new Promise((resolve) => process.once('message', resolve));
const { seconds, intervalMs, stallIntervalMs, shards, statsdUdpPort, statsdTcpPort, carbonPicklePort, stallPort, stallQueueBytes } = config;
const startMs = Date.now();

// ---------------------------------------------------------------- monitors
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
/**
 * How long the main thread (the one that runs the event loop) has waited for a core, in ms
 * (bench/lib/probe.js, from /proc/thread-self/schedstat): a gap less what it grew is the
 * gap as it would be on a quiet machine, our own work. Elsewhere than Linux it stays 0, and
 * every gap counts whole.
 */
const runDelayMs = () => threadRunDelayMs() ?? 0;

/** Gaps of the 10 ms ticker over 50 ms: when, how long, and how long less the main thread's waits for a core. */
const blocks = [];
let excludedMs = 0; // our own forced GC, measured, subtracted from the gap it falls in
let last = performance.now();
let lastDelay = runDelayMs();
let scrapesInFlight = 0;
let maxScrapesInFlight = 0;
const ticker = setInterval(() => {
  const now = performance.now();
  const delay = runDelayMs();
  const gapMs = now - last - 10 - excludedMs;
  if (gapMs > 50 && blocks.length < 1000) {
    const cpuMs = gapMs - (delay - lastDelay);
    blocks.push({ atMs: Date.now() - startMs, gapMs: Math.round(gapMs), cpuMs: Math.round(cpuMs), scrapesInFlight });
  }
  excludedMs = 0;
  last = now;
  lastDelay = delay;
}, 10);

/** Heap after a full GC, every 2 s: [ms since start, heapUsed bytes]. Preallocated. */
const heap = new Float64Array(Math.ceil((seconds + 120) / 2) * 2);
let heapN = 0;
let heapPeak = 0;
const sampleHeap = () => {
  const t0 = performance.now();
  globalThis.gc();
  const used = process.memoryUsage().heapUsed;
  excludedMs += performance.now() - t0;
  if (heapN * 2 + 1 < heap.length) {
    heap[heapN * 2] = Date.now() - startMs;
    heap[heapN * 2 + 1] = used;
    heapN++;
  }
};
sampleHeap();
const heapTimer = setInterval(sampleHeap, 2_000);
/** The peak without forcing GC: sampled often, as the process really is. */
const peakTimer = setInterval(() => {
  heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
}, 100);

// ---------------------------------------------------------------- registry and app
const registry = new Registry();
const events = registry.counter('soak.events');
const items = registry.meter('soak.items');
const work = registry.timer('soak.work');
const sizes = registry.histogram('soak.size');
const fanout = Array.from({ length: shards }, (_, i) => registry.counter('soak.fanout', { tags: { shard: String(i) } }));
let incs = 0;
let hangUntil = 0;
registry.gauge('soak.incs', () => incs);
// The gauge that hangs: while `hangUntil` is in the future it returns a promise that never settles.
registry.gauge('soak.slow', () => (Date.now() < hangUntil ? new Promise(() => {}) : Promise.resolve(incs % 7)), { timeoutMs: 250 });

const app = httpMetrics(
  (req, res) => {
    const sw = work.start();
    events.inc();
    items.mark();
    fanout[incs % shards].inc();
    sizes.record(incs % 1000);
    incs++;
    sw.stop();
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  },
  { registry, route: (req) => (req.url?.startsWith('/work') ? '/work' : undefined) },
);
const metrics = metricsHandler({ registry, onError: (e) => count(endpointErrors, e.kind ?? e.code) });
const server = createServer((req, res) => {
  if (req.url?.split('?')[0] === '/metrics') {
    // Not instrumented: the counts checked for exactness must stop when the load stops.
    scrapesInFlight++;
    maxScrapesInFlight = Math.max(maxScrapesInFlight, scrapesInFlight);
    void metrics(req, res).finally(() => scrapesInFlight--);
  } else {
    app(req, res);
  }
});
server.keepAliveTimeout = 5_000;
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));

// ---------------------------------------------------------------- reporters
const endpointErrors = {};
const count = (table, key) => {
  table[key] = (table[key] ?? 0) + 1;
};
/** Per channel: reporter errors by kind and transport errors by code, with times of connection failures. */
const channels = {};
const transportOptions = { maxBackoffMs: 2_000 };

function channel(name, kind, inner, makeReporter, every = intervalMs) {
  const c = { reporterErrors: {}, transportErrors: {}, connectionFailuresAtMs: [] };
  channels[name] = c;
  const tap = new TappedTransport({ inner: inner(c), kind, startMs, seconds, track: kind === 'statsd' ? trackStatsd : trackGraphite });
  const reporter = makeReporter(tap, (e) => count(c.reporterErrors, e.kind));
  reporter.start(every);
  return { name, tap, reporter, c };
}
const onTransportError = (c) => (e) => {
  count(c.transportErrors, e.code);
  if (e.code === 'ERR_TAPEMEASURE_CONNECTION_FAILED' && c.connectionFailuresAtMs.length < 1000) c.connectionFailuresAtMs.push(Date.now());
};
const reporterCommon = { registry, selfMetrics: true, stopTimeoutMs: 5_000 };
const all = [
  channel('statsd-udp', 'statsd', (c) => new UdpTransport({ port: statsdUdpPort, onError: onTransportError(c) }), (transport, onError) =>
    new StatsdReporter({ ...reporterCommon, transport, prefix: 'u', onError, selfMetrics: { prefix: 'tapemeasure.reporter.statsd_udp' }, env: {} })),
  channel('statsd-tcp', 'statsd', (c) => new TcpTransport({ port: statsdTcpPort, onError: onTransportError(c), ...transportOptions }), (transport, onError) =>
    new StatsdReporter({ ...reporterCommon, transport, prefix: 't', onError, selfMetrics: { prefix: 'tapemeasure.reporter.statsd_tcp' }, env: {} })),
  channel('carbon-pickle', 'pickle', (c) => new TcpTransport({ port: carbonPicklePort, framing: 'raw', dropPolicy: 'oldest', onError: onTransportError(c), ...transportOptions }), (transport, onError) =>
    new GraphiteReporter({ ...reporterCommon, transport, protocol: 'pickle', prefix: 'g', onError, env: {} })),
  channel('stalled-peer', 'statsd', (c) => new TcpTransport({ port: stallPort, maxQueueBytes: stallQueueBytes, onError: onTransportError(c), ...transportOptions }), (transport, onError) =>
    // A 200-byte global tag makes this channel's volume exceed what the kernel's socket
    // buffers absorb (about 2.75 MB on loopback) within the stall, so its queue fills.
    new StatsdReporter({ ...reporterCommon, transport, prefix: 's', onError, globalTags: { pad: 'p'.repeat(200) }, selfMetrics: { prefix: 'tapemeasure.reporter.statsd_stall' }, env: {} }), stallIntervalMs),
];

process.on('message', (message) => {
  if (message.type === 'hang') {
    hangUntil = Date.now() + message.ms;
  } else if (message.type === 'finish') {
    void finish();
  } else if (message.type === 'exit') {
    server.close();
    server.closeAllConnections();
    process.disconnect();
    setTimeout(() => process.exit(0), 100).unref();
  }
});

async function finish() {
  const stopStarted = performance.now();
  const stopMs = {};
  await Promise.all(
    all.map(async ({ name, reporter }) => {
      const t0 = performance.now();
      await reporter.stop();
      stopMs[name] = Math.round(performance.now() - t0);
    }),
  );
  // The transports were passed in, so they are ours to close (after the final report).
  await Promise.all(all.map(({ tap }) => tap.close(2_000)));
  const stopTotalMs = Math.round(performance.now() - stopStarted);
  sampleHeap();
  clearInterval(heapTimer);
  clearInterval(peakTimer);
  clearInterval(ticker);
  delay.disable();
  // What tapemeasure recorded, per series of the counted metrics: the ground truth.
  const recorded = [];
  for (const m of registry.metrics()) {
    if (!/^(soak\.(events|fanout|items|work|size)|http\.server\.requests)$/.test(m.name)) continue;
    recorded.push({ name: m.name, tags: m.tags, count: m.count });
  }
  process.send({
    type: 'result',
    startMs,
    incs,
    recorded,
    eventsCount: events.count,
    invalidValues: registry.invalidValues,
    channels: Object.fromEntries(
      all.map(({ name, tap, reporter, c }) => [name, { ...c, ledger: tap.ledger(), reporterStats: reporter.stats, stopMs: stopMs[name] }]),
    ),
    endpointErrors,
    stopTotalMs,
    loop: {
      p50Ms: delay.percentile(50) / 1e6,
      p99Ms: delay.percentile(99) / 1e6,
      maxMs: delay.max / 1e6,
      blocks,
    },
    maxScrapesInFlight,
    heap: { samples: Array.from(heap.subarray(0, heapN * 2)), peak: heapPeak },
  });
}

process.send({ type: 'ready', port: server.address().port, pid: process.pid });
