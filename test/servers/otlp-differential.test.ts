/**
 * Differential tests: the official OpenTelemetry exporters (OTLP/HTTP protobuf and JSON,
 * fed by an sdk-metrics MeterProvider) and our OtlpReporter record the same data and
 * export it to one loopback receiver; both requests are decoded with one descriptor of
 * the published opentelemetry-proto messages and compared: names, attributes,
 * temporality, monotonicity, counts, sums, min, max and bucket totals (and, against an
 * exponential-histogram view, the buckets themselves at a common scale).
 *
 * Then receivers that misbehave: 503 then 200, one that hangs, one that answers a partial
 * success: retries, bounds and counts as docs/otlp.md documents them.
 */

import { OTLPMetricExporter as HttpJsonExporter, AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, InstrumentType, MeterProvider, PeriodicExportingMetricReader, type ViewOptions } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { ErrorCodes } from '../../src/errors.js';
import { Registry } from '../../src/registry/registry.js';
import { OtlpReporter } from '../../src/reporters/otlp-reporter.js';
import type { ReporterError } from '../../src/reporters/scheduled-reporter.js';
import {
  attributesOf,
  decodeJson,
  decodeProtobuf,
  ExportResponse,
  metricsByName,
  pointsOf,
  type DecodedMetric,
  type DecodedPoint,
  type DecodedRequest,
} from '../helpers/otlp-proto.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { waitUntil } from '../helpers/wait.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * Durations in seconds placed in the middle of exponential buckets of scale 6 (in
 * log2 space), so that at scale 6 and every coarser scale each lies well inside one
 * bucket (0.54% from a boundary, beyond the 0.39% + resolution/2 of the HDR counts):
 * both implementations must put each in the same bucket. About 1 ms to 1 s.
 */
const SECONDS = [-640, -600, -577, -500, -451, -400, -389, -320, -300, -256, -200, -199, -130, -64, -63, -10, -1].map(
  (k) => 2 ** ((k + 0.5) / 64),
);
const BYTES = [100, 200, 300, 1500, 20_000];

type Side = { readonly request: DecodedRequest; readonly byName: Map<string, DecodedMetric> };

/** Records the same data into an OTel MeterProvider and our registry. */
function record(batch: 1 | 2, otel: ReturnType<typeof otelSide>, ours: ReturnType<typeof ourSide>): void {
  const scale = batch === 1 ? 1 : 2;
  otel.jobs.add(5 * scale, { queue: 'mail' });
  otel.jobs.add(2.5 * scale, { queue: 'sms' });
  ours.registry.counter('jobs.done', { tags: { queue: 'mail' } }).inc(5 * scale);
  ours.registry.counter('jobs.done', { tags: { queue: 'sms' } }).inc(2.5 * scale);
  // An up-down counter: ours is one once a report sees it lower than the previous
  // report did (before, it is a monotonic Sum).
  const pool = ours.registry.counter('pool.size');
  if (batch === 1) {
    otel.pool.add(-2);
    pool.dec(2);
  } else {
    otel.pool.add(5);
    pool.inc(5);
  }
  otel.depth.record(7 * scale);
  ours.registry.gauge('queue.depth').set(7 * scale);
  for (const b of BYTES) {
    otel.bytes.record(b * scale);
    ours.registry.histogram('response.bytes', { resolution: 1 }).record(b * scale);
  }
  const seconds = batch === 1 ? SECONDS : SECONDS.slice(0, 5);
  for (const s of seconds) {
    otel.query.record(s, { db: 'main' });
    ours.registry.timer('db.query', { tags: { db: 'main' } }).update(s * 1000);
  }
}

function otelSide(receiver: OtlpReceiver, protocol: 'proto' | 'json', temporality: 'cumulative' | 'delta', views: ViewOptions[] = []) {
  const options = {
    url: `http://127.0.0.1:${receiver.port}/theirs`,
    temporalityPreference: temporality === 'delta' ? AggregationTemporalityPreference.DELTA : AggregationTemporalityPreference.CUMULATIVE,
  };
  const exporter = protocol === 'proto' ? new ProtoExporter(options) : new HttpJsonExporter(options);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'diff' }), readers: [reader], views });
  cleanups.push(() => provider.shutdown());
  const meter = provider.getMeter('diff');
  return {
    reader,
    jobs: meter.createCounter('jobs.done'),
    pool: meter.createUpDownCounter('pool.size'),
    depth: meter.createGauge('queue.depth'),
    bytes: meter.createHistogram('response.bytes'),
    query: meter.createHistogram('db.query', { unit: 's' }),
  };
}

function ourSide(receiver: OtlpReceiver, protocol: 'proto' | 'json', temporality: 'cumulative' | 'delta') {
  const clock = new ManualClock({ nowMs: Date.now(), monotonicMs: 10_000 });
  const registry = new Registry({ clock });
  const reporter = new OtlpReporter({
    registry,
    url: `http://127.0.0.1:${receiver.port}/ours`,
    protocol: protocol === 'proto' ? 'http/protobuf' : 'http/json',
    temporality,
    resource: { 'service.name': 'diff' },
    env: {},
  });
  cleanups.push(() => reporter.stop());
  return { clock, registry, reporter };
}

/** Exports both sides and returns the decoded requests they just sent. */
async function exportBoth(receiver: OtlpReceiver, otel: ReturnType<typeof otelSide>, ours: ReturnType<typeof ourSide>, protocol: 'proto' | 'json'): Promise<[Side, Side]> {
  const before = receiver.requests.length;
  await otel.reader.forceFlush();
  ours.clock.advance(10_000);
  await ours.reporter.report();
  await waitUntil(() => receiver.requests.length >= before + 2, { what: 'both exports' });
  const fresh = receiver.requests.slice(before);
  const decode = (path: string): Side => {
    const body = fresh.find((r) => r.path === path)!.body;
    const request = protocol === 'proto' ? decodeProtobuf(body) : decodeJson(body);
    return { request, byName: metricsByName(request) };
  };
  return [decode('/theirs'), decode('/ours')];
}

const key = (p: DecodedPoint) => JSON.stringify(attributesOf(p.attributes));
const byAttributes = (points: DecodedPoint[]) => new Map(points.map((p) => [key(p), p]));
const closeTo = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));

/** The shared assertions: what must be equal whatever the histogram mapping. */
function compareCommon(theirs: Side, ours: Side): void {
  expect([...ours.byName.keys()].sort()).toEqual([...theirs.byName.keys()].sort());
  expect(attributesOf(ours.request.resourceMetrics[0]!.resource.attributes)['service.name']).toBe('diff');
  for (const [name, t] of theirs.byName) {
    const o = ours.byName.get(name)!;
    expect(o.unit, name).toBe(t.unit);
    const oPoints = byAttributes(pointsOf(o));
    const tPoints = byAttributes(pointsOf(t));
    expect([...oPoints.keys()].sort(), name).toEqual([...tPoints.keys()].sort());
    if (t.data === 'sum' || t.data === 'gauge') {
      expect(o.data, name).toBe(t.data);
      if (t.data === 'sum') {
        expect(o.sum!.aggregationTemporality, name).toBe(t.sum!.aggregationTemporality);
        expect(o.sum!.isMonotonic, name).toBe(t.sum!.isMonotonic);
      }
      for (const [k, tp] of tPoints) expect(oPoints.get(k)!.asDouble, `${name} ${k}`).toBe(tp.asDouble);
      continue;
    }
    // Histograms: ours exponential; theirs explicit or exponential.
    expect(o.data, name).toBe('exponentialHistogram');
    expect(o.exponentialHistogram!.aggregationTemporality, name).toBe(t[t.data as 'histogram']!.aggregationTemporality);
    for (const [k, tp] of tPoints) {
      const op = oPoints.get(k)!;
      expect(op.count, `${name} count`).toBe(tp.count);
      closeTo(op.sum as number, tp.sum as number);
      closeTo(op.min as number, tp.min as number);
      closeTo(op.max as number, tp.max as number);
      const buckets = (op.positive as { bucketCounts: string[] }).bucketCounts.map(Number);
      expect(buckets.reduce((a, b) => a + b, 0) + Number(op.zeroCount), `${name} bucket total`).toBe(Number(op.count));
      if (t.data === 'histogram') {
        expect((tp.bucketCounts as string[]).map(Number).reduce((a, b) => a + b, 0)).toBe(Number(tp.count));
      }
    }
  }
}

/** Exponential buckets as index -> count at `scale` (coarser than or equal to the point's). */
function bucketsAt(point: DecodedPoint, scale: number): Map<number, number> {
  const positive = point.positive as { offset: number; bucketCounts: string[] };
  const shift = (point.scale as number) - scale;
  const out = new Map<number, number>();
  positive.bucketCounts.forEach((c, k) => {
    if (Number(c) === 0) return;
    const index = (positive.offset + k) >> shift;
    out.set(index, (out.get(index) ?? 0) + Number(c));
  });
  return out;
}

describe('OTLP differential: the official exporter and ours, same data, one receiver', () => {
  for (const protocol of ['proto', 'json'] as const) {
    for (const temporality of ['cumulative', 'delta'] as const) {
      it(`agree on ${temporality} metrics over ${protocol === 'proto' ? 'http/protobuf' : 'http/json'} (their explicit-bucket histograms)`, async () => {
        const receiver = await startOtlpReceiver();
        cleanups.push(() => receiver.close());
        const otel = otelSide(receiver, protocol, temporality);
        const ours = ourSide(receiver, protocol, temporality);
        record(1, otel, ours);
        const [theirs1, ours1] = await exportBoth(receiver, otel, ours, protocol);
        compareCommon(theirs1, ours1);
        expect(theirs1.byName.get('pool.size')!.sum).toMatchObject({ isMonotonic: false, aggregationTemporality: 2 });
        record(2, otel, ours);
        const [theirs2, ours2] = await exportBoth(receiver, otel, ours, protocol);
        compareCommon(theirs2, ours2);
        const temporalityValue = temporality === 'delta' ? 1 : 2;
        expect(ours2.byName.get('jobs.done')!.sum!.aggregationTemporality).toBe(temporalityValue);
        const count = pointsOf(ours2.byName.get('db.query')!)[0]!.count;
        expect(count).toBe(String(temporality === 'delta' ? 5 : SECONDS.length + 5));
      });
    }
  }

  it('put every value in the same exponential bucket as their ExponentialHistogram aggregation (at a common scale)', async () => {
    const receiver = await startOtlpReceiver();
    cleanups.push(() => receiver.close());
    const views: ViewOptions[] = [{ instrumentType: InstrumentType.HISTOGRAM, aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }];
    const otel = otelSide(receiver, 'proto', 'cumulative', views);
    const ours = ourSide(receiver, 'proto', 'cumulative');
    record(1, otel, ours);
    const [theirs, ourRequest] = await exportBoth(receiver, otel, ours, 'proto');
    compareCommon(theirs, ourRequest);
    for (const name of ['db.query', 'response.bytes']) {
      const t = pointsOf(theirs.byName.get(name)!)[0]!;
      const o = pointsOf(ourRequest.byName.get(name)!)[0]!;
      expect(theirs.byName.get(name)!.data).toBe('exponentialHistogram');
      const common = Math.min(t.scale as number, o.scale as number);
      expect(common).toBeGreaterThanOrEqual((o.scale as number) - 1);
      expect(bucketsAt(o, common), name).toEqual(bucketsAt(t, common));
      for (let scale = common - 1; scale >= common - 4; scale--) expect(bucketsAt(o, scale)).toEqual(bucketsAt(t, scale));
    }
  });
});

describe('OTLP reporter against receivers that misbehave', () => {
  function reporterFor(receiver: OtlpReceiver, options: Partial<ConstructorParameters<typeof OtlpReporter>[0]> = {}) {
    const registry = new Registry();
    const errors: ReporterError[] = [];
    const reporter = new OtlpReporter({ registry, url: receiver.url, env: {}, onError: (e) => errors.push(e), ...options });
    cleanups.push(() => reporter.stop());
    registry.counter('c').inc(3);
    return { registry, reporter, errors };
  }

  it('503 then 200: retried after its backoff, delivered once, counted', async () => {
    const receiver = await startOtlpReceiver();
    cleanups.push(() => receiver.close());
    receiver.answers.push({ status: 503, body: 'overloaded' });
    const { reporter, errors } = reporterFor(receiver, { retry: { initialBackoffMs: 2 } });
    await reporter.report();
    await waitUntil(() => reporter.transportStats.sentLines === 1, { what: 'the retried export' });
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests[1]!.body).toEqual(receiver.requests[0]!.body);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.cause).toMatchObject({ code: ErrorCodes.HTTP_STATUS, status: 503, willRetry: true, attempt: 1 });
    expect(reporter.transportStats).toMatchObject({ sentLines: 1, sentPackets: 2, errors: 1, droppedLines: 0 });
    expect(reporter.stats).toMatchObject({ reports: 1, failures: 0, dropped: 0 });
  });

  it('a receiver that hangs: each attempt times out, and after maxAttempts the export is dropped and counted', async () => {
    const receiver = await startOtlpReceiver();
    cleanups.push(() => receiver.close());
    receiver.answers.push('hang', 'hang');
    const { reporter, errors } = reporterFor(receiver, { timeoutMs: 30, retry: { maxAttempts: 2, initialBackoffMs: 1 } });
    await reporter.report();
    await waitUntil(() => errors.length === 2, { what: 'two timeouts' });
    expect(errors.map((e) => (e.cause as { code: string }).code)).toEqual([ErrorCodes.REQUEST_TIMEOUT, ErrorCodes.REQUEST_TIMEOUT]);
    expect(errors.map((e) => (e.cause as { willRetry: boolean }).willRetry)).toEqual([true, false]);
    expect(receiver.requests).toHaveLength(2);
    await reporter.stop();
    // The final report went to a receiver that answers again: delivered.
    expect(reporter.transportStats).toMatchObject({ sentLines: 1, droppedLines: 1 });
    expect(reporter.stats.dropped).toBe(1);
  });

  it('stop() is bounded by closeTimeoutMs when the receiver hangs for good', async () => {
    const receiver = await startOtlpReceiver();
    cleanups.push(() => receiver.close());
    receiver.answers.push('hang', 'hang', 'hang');
    const { reporter } = reporterFor(receiver, { closeTimeoutMs: 50 });
    const started = performance.now();
    await reporter.stop();
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(reporter.transportStats).toMatchObject({ sentLines: 0, droppedLines: 1 });
    expect(reporter.stats.dropped).toBe(1);
  });

  it('a partial success: the export is delivered, the rejected points counted and reported', async () => {
    const receiver = await startOtlpReceiver();
    cleanups.push(() => receiver.close());
    receiver.answers.push({
      status: 200,
      body: ExportResponse.encode(ExportResponse.fromObject({ partialSuccess: { rejectedDataPoints: 1, errorMessage: 'duplicate' } })).finish(),
    });
    const { reporter, errors } = reporterFor(receiver);
    await reporter.report();
    await waitUntil(() => errors.length === 1, { what: 'the partial success' });
    expect(errors[0]!.cause).toMatchObject({ code: ErrorCodes.PARTIAL_SUCCESS, rejectedDataPoints: 1, errorMessage: 'duplicate' });
    expect(reporter.rejectedDataPoints).toBe(1);
    expect(reporter.transportStats).toMatchObject({ sentLines: 1, droppedLines: 0 });
  });

  it('nothing listening: reported, never thrown, and stop() returns', async () => {
    const receiver = await startOtlpReceiver();
    await receiver.close();
    const { reporter, errors } = reporterFor(receiver, { retry: { maxAttempts: 1 } });
    await reporter.report();
    await waitUntil(() => errors.length >= 1, { what: 'the connection failure' });
    expect(errors[0]!.cause).toMatchObject({ code: ErrorCodes.CONNECTION_FAILED, willRetry: false });
    await reporter.stop();
    expect(reporter.transportStats.droppedLines).toBe(2);
  });
});
