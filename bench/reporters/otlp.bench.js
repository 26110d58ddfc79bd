#!/usr/bin/env node
/**
 * OTLP export of 10,000 timers: tapemeasure's OtlpReporter against the official
 * OpenTelemetry exporter (sdk-metrics 2.x + otlp-transformer 0.223), in one run (after
 * `npm run build`). Run alone (`node bench/reporters/otlp.bench.js`) or by
 * `node bench/run.js` (phase extra), which passes `--quick`.
 *
 * Both sides hold the same timers (seconds, unit `s`, cumulative temporality). Before
 * each of its exports a side's timers record 100 more durations each (0.01 ms to 1.5 s,
 * not timed), so every export converts fresh counts; rounds rotate through the sides.
 * Measured per export:
 * - encode: reading the metrics and building the request body (ours: `report()` to an
 *   in-memory transport: collect, HDR counts to exponential buckets, protobuf/JSON;
 *   theirs: `reader.collect()` and the exporter's serializer);
 * - post: the whole export to a loopback HTTP receiver, until the receiver holds the body;
 * - bytes: the body, and gzipped;
 * - encode CPU: the process's CPU time during the encode (steadier than wall time on a
 *   busy machine);
 * - max gap: the longest stretch the event loop could not turn during the encode.
 * Theirs is measured with its default explicit-bucket histograms and with an
 * exponential-histogram view (what ours sends). Medians over the rounds.
 */

import http from 'node:http';
import process from 'node:process';
import { gzipSync } from 'node:zlib';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { AggregationType, InstrumentType, MeterProvider, MetricReader, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { HUNDRED_MS } from '../lib/values.js';

import { probe } from '../lib/probe.js';

const { ManualClock, OtlpReporter, Registry } = await import('../../dist/index.js');

const quick = process.argv.includes('--quick');
const TIMERS = quick ? 500 : 10_000;
const ROUNDS = quick ? 2 : 5;
const print = (line) => process.stdout.write(`${line}\n`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs `fn`, timing it and the longest event-loop stall while it runs (bench/lib/probe.js). */
const measure = probe;

/** A loopback receiver: resolves `next()` with the next request's body length. */
async function startReceiver() {
  let waiting = null;
  const server = http.createServer((req, res) => {
    let bytes = 0;
    req.on('data', (c) => (bytes += c.length));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
      waiting?.(bytes);
      waiting = null;
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/v1/metrics`,
    next: () => new Promise((resolve) => (waiting = resolve)),
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

function ours(receiverUrl, protocol) {
  const clock = new ManualClock({ nowMs: Date.now(), monotonicMs: 1_000_000 });
  const registry = new Registry({ clock });
  const timers = Array.from({ length: TIMERS }, (_, i) => registry.timer(`bench.export.t${i}`));
  let body = null;
  const memory = { send: (b) => ((body = b), true), flush() {}, close: async () => {}, stats: {} };
  const resource = { 'service.name': 'bench' };
  const encodeReporter = new OtlpReporter({ registry, transport: memory, protocol, env: {}, resource, stopTimeoutMs: 60_000 });
  // The receiver shares this thread: a long timeout, so a busy round never makes a retry.
  const postReporter = new OtlpReporter({ registry, url: receiverUrl, protocol, env: {}, resource, stopTimeoutMs: 60_000, timeoutMs: 600_000 });
  return {
    record: () => { for (const t of timers) for (const v of HUNDRED_MS) t.update(v); },
    encode: async () => { await encodeReporter.report(); return body; },
    post: async (receiver) => { const got = receiver.next(); await postReporter.report(); return got; },
    stop: () => Promise.all([encodeReporter.stop(), postReporter.stop()]),
  };
}

class PullReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

function theirs(receiverUrl, exponential, protocol) {
  const views = exponential ? [{ instrumentType: InstrumentType.HISTOGRAM, aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }] : [];
  const resource = resourceFromAttributes({ 'service.name': 'bench' });
  const pull = new PullReader();
  const push = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: receiverUrl }), exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ resource, readers: [pull, push], views });
  const meter = provider.getMeter('bench');
  const histograms = Array.from({ length: TIMERS }, (_, i) => meter.createHistogram(`bench.export.t${i}`, { unit: 's' }));
  const serializer = protocol === 'http/json' ? JsonMetricsSerializer : ProtobufMetricsSerializer;
  return {
    record: () => { for (const h of histograms) for (const v of HUNDRED_MS) h.record(v / 1000); },
    encode: async () => { const { resourceMetrics } = await pull.collect(); return serializer.serializeRequest(resourceMetrics); },
    post: async (receiver) => { const got = receiver.next(); await push.forceFlush(); return got; },
    stop: () => provider.shutdown(),
  };
}

const receiver = await startReceiver();
const sides = [
  { name: 'tapemeasure (exponential), protobuf', make: () => ours(receiver.url, 'http/protobuf') },
  { name: 'tapemeasure (exponential), JSON', make: () => ours(receiver.url, 'http/json') },
  { name: 'OpenTelemetry (explicit buckets), protobuf', make: () => theirs(receiver.url, false, 'http/protobuf') },
  { name: 'OpenTelemetry (exponential view), protobuf', make: () => theirs(receiver.url, true, 'http/protobuf') },
];
for (const side of sides) {
  side.s = side.make();
  side.encodes = [];
  side.cpus = [];
  side.gaps = [];
  side.posts = [];
  // A warm-up export of each kind.
  side.s.record();
  await side.s.encode();
  await side.s.post(receiver);
}
// Rounds rotate through the sides, so a busy machine slows them all alike.
for (let r = 0; r < ROUNDS; r++) {
  for (let k = 0; k < sides.length; k++) {
    const side = sides[(k + r) % sides.length];
    side.s.record();
    const e = await measure(side.s.encode);
    side.encodes.push(e.ms);
    side.cpus.push(e.cpuMs);
    side.gaps.push(e.maxGapMs);
    side.bytes = e.out.length;
    side.gzipBytes = gzipSync(e.out).length;
    side.posts.push((await measure(() => side.s.post(receiver))).ms);
  }
  process.stderr.write(`  round ${r + 1} of ${ROUNDS}\n`);
}
const results = [];
for (const side of sides) {
  await side.s.stop();
  results.push({
    name: side.name, encodeMs: median(side.encodes), encodeCpuMs: median(side.cpus), maxGapMs: median(side.gaps), postMs: median(side.posts),
    bytes: side.bytes, gzipBytes: side.gzipBytes,
  });
}
await receiver.close();

print(`OTLP export of ${TIMERS.toLocaleString('en')} timers (100 new durations each per export), median of ${ROUNDS} rounds, Node ${process.version}`);
print('');
print('| exporter | encode (ms) | encode CPU (ms) | longest event-loop stall (ms) | export to loopback HTTP (ms) | body (bytes) | gzipped (bytes) |');
print('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of results) {
  print(`| ${r.name} | ${r.encodeMs.toFixed(1)} | ${r.encodeCpuMs.toFixed(1)} | ${r.maxGapMs.toFixed(1)} | ${r.postMs.toFixed(1)} | ${r.bytes.toLocaleString('en')} | ${r.gzipBytes.toLocaleString('en')} |`);
}
process.send?.({ timers: TIMERS, rounds: ROUNDS, results });
