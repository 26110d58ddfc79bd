import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { ErrorCodes } from '../../src/errors.js';
import { TAPEMEASURE_VERSION } from '../../src/formats/otlp/resource.js';
import { Registry } from '../../src/registry/registry.js';
import type { OtlpReporterOptions } from '../../src/reporters/otlp-options.js';
import { OtlpReporter } from '../../src/reporters/otlp-reporter.js';
import type { ReporterError } from '../../src/reporters/scheduled-reporter.js';
import type { Transport, TransportStats } from '../../src/transports/transport.js';
import {
  attributesOf,
  decodeJson,
  decodeProtobuf,
  ExportResponse,
  metricsByName,
  pointsOf,
  type DecodedMetric,
  type DecodedRequest,
} from '../helpers/otlp-proto.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import { waitUntil } from '../helpers/wait.js';

/** Keeps every request body. */
class Capture implements Transport {
  readonly bodies: Uint8Array[] = [];
  send(record: string | Uint8Array): boolean {
    this.bodies.push(typeof record === 'string' ? Buffer.from(record) : record);
    return true;
  }
  flush(): void {}
  async close(): Promise<void> {}
  get stats(): TransportStats {
    return { sentLines: this.bodies.length, sentBytes: 0, sentPackets: 0, droppedLines: 0, droppedBytes: 0, errors: 0, queuedBytes: 0, reconnects: 0 };
  }
}

const T0 = 1_700_000_000_000;
const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

function setup(options: OtlpReporterOptions = {}) {
  const clock = new ManualClock({ nowMs: T0, monotonicMs: 10_000 });
  const registry = new Registry({ clock });
  const transport = new Capture();
  const make = (more: OtlpReporterOptions = {}) => {
    const r = new OtlpReporter({ registry, transport, env: {}, ...options, ...more });
    stops.push(() => r.stop());
    return r;
  };
  const reporter = make();
  const decoded = (i = -1): DecodedRequest => {
    const body = transport.bodies.at(i)!;
    return reporter.protocol === 'http/json' ? decodeJson(body) : decodeProtobuf(body);
  };
  const metric = (name: string, i = -1): DecodedMetric => {
    const m = metricsByName(decoded(i)).get(name);
    if (m === undefined) throw new Error(`no metric ${name}`);
    return m;
  };
  return { clock, registry, transport, reporter, make, decoded, metric };
}

const ns = (ms: number) => `${ms}000000`;

describe('OtlpReporter mapping', () => {
  for (const protocol of ['http/protobuf', 'http/json'] as const) {
    it(`maps every metric type (${protocol})`, async () => {
      const { clock, registry, reporter, decoded, metric } = setup({ protocol, resource: { 'service.name': 'checkout' } });
      registry.counter('jobs.done', { tags: { queue: 'mail' } }).inc(5);
      registry.gauge('queue.depth').set(-2);
      registry.meter('requests').mark(10);
      const h = registry.histogram('response.bytes', { resolution: 1 });
      for (const v of [0, 100, 200, 300]) h.record(v);
      const t = registry.timer('db.query', { tags: { db: 'main' } });
      t.update(3);
      t.update(5);
      clock.advance(10_000);
      await reporter.report();

      const rm = decoded().resourceMetrics[0]!;
      const resource = attributesOf(rm.resource.attributes);
      expect(resource).toMatchObject({
        'service.name': 'checkout', 'telemetry.sdk.name': 'tapemeasure', 'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.version': TAPEMEASURE_VERSION,
      });
      expect(resource['service.instance.id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(rm.scopeMetrics[0]!.scope).toMatchObject({ name: 'tapemeasure', version: TAPEMEASURE_VERSION });

      const jobs = metric('jobs.done');
      expect(jobs.sum).toMatchObject({ aggregationTemporality: 2, isMonotonic: true });
      expect(jobs.sum!.dataPoints[0]).toMatchObject({ startTimeUnixNano: ns(T0), timeUnixNano: ns(T0 + 10_000), asDouble: 5 });
      expect(attributesOf(jobs.sum!.dataPoints[0]!.attributes)).toEqual({ queue: 'mail' });

      expect(metric('queue.depth').gauge!.dataPoints[0]).toMatchObject({ asDouble: -2, startTimeUnixNano: '0' });
      expect(metric('requests').sum).toMatchObject({ isMonotonic: true, dataPoints: [{ asDouble: 10 }] });

      const bytes = metric('response.bytes');
      expect(bytes).toMatchObject({ unit: '', exponentialHistogram: { aggregationTemporality: 2 } });
      const hp = bytes.exponentialHistogram!.dataPoints[0]!;
      expect(hp).toMatchObject({ count: '4', sum: 600, min: 0, max: 300, zeroCount: '1', zeroThreshold: 0.5, scale: 6 });
      const buckets = (hp.positive as { bucketCounts: string[] }).bucketCounts.map(Number);
      expect(buckets.reduce((a, b) => a + b, 0)).toBe(3);

      const query = metric('db.query');
      expect(query.unit).toBe('s');
      const tp = query.exponentialHistogram!.dataPoints[0]!;
      expect(tp).toMatchObject({ count: '2', sum: 0.008, min: 0.003, max: 0.005, zeroThreshold: 0.0000005 });
      expect(attributesOf(tp.attributes)).toEqual({ db: 'main' });
      expect(metricsByName(decoded()).size).toBe(5);
    });
  }

  it('cumulative: start times stay, counts and buckets accumulate; a series created later starts then', async () => {
    const { clock, registry, reporter, metric } = setup();
    const c = registry.counter('c');
    const t = registry.timer('t');
    c.inc(2);
    t.update(10);
    clock.advance(10_000);
    await reporter.report();
    const later = registry.counter('later');
    later.inc();
    c.inc(3);
    t.update(20);
    clock.advance(10_000);
    await reporter.report();
    expect(pointsOf(metric('c'))[0]).toMatchObject({ startTimeUnixNano: ns(T0), timeUnixNano: ns(T0 + 20_000), asDouble: 5 });
    expect(pointsOf(metric('later'))[0]).toMatchObject({ startTimeUnixNano: ns(T0 + 10_000), asDouble: 1 });
    expect(pointsOf(metric('t'))[0]).toMatchObject({ startTimeUnixNano: ns(T0), count: '2', sum: 0.03, min: 0.01, max: 0.02 });
    // An idle cumulative histogram still reports what it holds.
    clock.advance(10_000);
    await reporter.report();
    expect(pointsOf(metric('t'))[0]).toMatchObject({ count: '2', sum: 0.03 });
  });

  it('delta: values and start times since the previous report; idle series are left out', async () => {
    const { clock, registry, reporter, metric, decoded, transport } = setup({ temporality: 'delta' });
    const c = registry.counter('c');
    const t = registry.timer('t');
    registry.counter('idle');
    c.inc(2);
    t.update(10);
    clock.advance(10_000);
    await reporter.report();
    expect(metric('c').sum).toMatchObject({ aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ startTimeUnixNano: ns(T0), asDouble: 2 }] });
    expect(metricsByName(decoded()).has('idle')).toBe(false);
    c.inc(3);
    t.update(20);
    t.update(30);
    clock.advance(10_000);
    await reporter.report();
    expect(pointsOf(metric('c'))[0]).toMatchObject({ startTimeUnixNano: ns(T0 + 10_000), timeUnixNano: ns(T0 + 20_000), asDouble: 3 });
    expect(metric('t').exponentialHistogram).toMatchObject({ aggregationTemporality: 1 });
    expect(pointsOf(metric('t'))[0]).toMatchObject({ startTimeUnixNano: ns(T0 + 10_000), count: '2', sum: 0.05, min: 0.02, max: 0.03 });
    registry.gauge('g').set(1);
    clock.advance(10_000);
    await reporter.report();
    expect([...metricsByName(decoded()).keys()]).toEqual(['g']);
    expect(transport.bodies).toHaveLength(3);
  });

  it('a counter that goes down becomes a non-monotonic Sum, for every series of its name, for good', async () => {
    const { clock, registry, reporter, metric } = setup();
    const a = registry.counter('pool', { tags: { p: 'a' } });
    const b = registry.counter('pool', { tags: { p: 'b' } });
    a.inc(5);
    b.inc(5);
    await reporter.report();
    expect(metric('pool').sum!.isMonotonic).toBe(true);
    b.dec(2);
    clock.advance(1_000);
    await reporter.report();
    expect(metric('pool').sum).toMatchObject({ isMonotonic: false, dataPoints: [{ asDouble: 5 }, { asDouble: 3 }] });
    b.inc(10);
    await reporter.report();
    expect(metric('pool').sum!.isMonotonic).toBe(false);
  });

  for (const temporality of ['delta', 'lowmemory'] as const) {
    it(`${temporality}: delta for monotonic sums and histograms, cumulative for counters that went down`, async () => {
      const { registry, reporter, metric } = setup({ temporality });
      registry.counter('up').inc(1);
      registry.counter('down').dec(1);
      registry.histogram('h').record(1);
      await reporter.report();
      expect(metric('up').sum).toMatchObject({ aggregationTemporality: 1, isMonotonic: true });
      expect(metric('down').sum).toMatchObject({ aggregationTemporality: 2, isMonotonic: false, dataPoints: [{ asDouble: -1, startTimeUnixNano: ns(T0) }] });
      expect(metric('h').exponentialHistogram!.aggregationTemporality).toBe(1);
    });
  }

  it('summary: count and sum, and the window quantiles the statistics select (timers in seconds)', async () => {
    const { registry, reporter, metric } = setup({ histograms: 'summary', statistics: ['min', 'max', 'p50', 'p99', 'mean'] });
    const t = registry.timer('t');
    for (let i = 1; i <= 100; i++) t.update(i);
    await reporter.report();
    const m = metric('t');
    expect(m).toMatchObject({ unit: 's', data: 'summary' });
    const p = m.summary!.dataPoints[0]! as unknown as { count: string; sum: number; quantileValues: { quantile: number; value: number }[] };
    expect(p.count).toBe('100');
    expect(p.sum).toBeCloseTo(5.05, 12);
    expect(p.quantileValues.map((q) => q.quantile)).toEqual([0, 0.5, 0.99, 1]);
    expect(p.quantileValues[0]!.value).toBe(0.001);
    expect(p.quantileValues[3]!.value).toBe(0.1);
    expect(p.quantileValues[1]!.value).toBeCloseTo(0.05, 3);
  });

  it('rates: meter and timer rates as gauges in events per second', async () => {
    const { clock, registry, reporter, metric } = setup({ rates: true, statistics: ['count', 'm1Rate', 'meanRate'] });
    registry.meter('m').mark(60);
    registry.timer('t').update(1);
    clock.advance(60_000);
    await reporter.report();
    expect(metric('m.m1_rate')).toMatchObject({ unit: '/s', data: 'gauge' });
    expect(pointsOf(metric('m.mean_rate'))[0]!.asDouble).toBeCloseTo(1, 6);
    expect(metric('t.m1_rate').data).toBe('gauge');
  });

  it('leaves out failed gauges and what the filter does not select', async () => {
    const { registry, reporter, decoded } = setup({ filter: 'app.', onError: () => {} });
    registry.gauge('app.broken', () => {
      throw new Error('no');
    });
    registry.gauge('app.ok', () => 1);
    registry.timer('other.t').update(1);
    await reporter.report();
    expect([...metricsByName(decoded()).keys()]).toEqual(['app.ok']);
  });

  it('reports a scope of a registry like a registry', async () => {
    const clock = new ManualClock({ nowMs: T0, monotonicMs: 10_000 });
    const registry = new Registry({ clock });
    const transport = new Capture();
    const scope = registry.scope('app', { region: 'eu' });
    const reporter = new OtlpReporter({ registry: scope, transport, env: {} });
    stops.push(() => reporter.stop());
    scope.timer('db.query').update(4);
    registry.counter('outside').inc();
    await reporter.report();
    const byName = metricsByName(decodeProtobuf(transport.bodies[0]!));
    expect([...byName.keys()]).toEqual(['app.db.query']);
    const point = pointsOf(byName.get('app.db.query')!)[0]!;
    expect(attributesOf(point.attributes)).toEqual({ region: 'eu' });
    expect(point).toMatchObject({ count: '1', sum: 0.004 });
  });

  it('sends nothing for an empty report', async () => {
    const { transport, reporter } = setup();
    await reporter.report();
    expect(transport.bodies).toHaveLength(0);
  });

  it('encodes the same request in protobuf and JSON', async () => {
    const a = setup();
    const b = setup({ protocol: 'http/json' });
    for (const { registry, clock } of [a, b]) {
      registry.counter('c', { tags: { k: 'v' } }).inc(7);
      const t = registry.timer('t');
      for (let i = 0; i < 50; i++) t.update(i * 3.7);
      clock.advance(5_000);
    }
    await a.reporter.report();
    await b.reporter.report();
    const strip = (r: DecodedRequest) => {
      const copy = structuredClone(r);
      for (const rm of copy.resourceMetrics) rm.resource.attributes = rm.resource.attributes.filter((kv) => kv.key !== 'service.instance.id');
      return copy;
    };
    expect(strip(b.decoded())).toEqual(strip(a.decoded()));
  });
});

describe('OtlpReporter resource and version', () => {
  it('names an unknown service as the specification says, with one instance id per process', async () => {
    const { reporter, make, registry, decoded } = setup();
    registry.counter('c').inc();
    await reporter.report();
    const first = attributesOf(decoded().resourceMetrics[0]!.resource.attributes);
    expect(first['service.name']).toBe('unknown_service:node');
    await make().report();
    const second = attributesOf(decoded().resourceMetrics[0]!.resource.attributes);
    expect(second['service.instance.id']).toBe(first['service.instance.id']);
  });

  it('keeps TAPEMEASURE_VERSION equal to package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(TAPEMEASURE_VERSION).toBe(pkg.version);
  });
});

describe('OtlpReporter over HTTP', () => {
  it('counts and reports a partial success', async () => {
    const receiver = await startOtlpReceiver();
    stops.push(() => receiver.close());
    receiver.answers.push({
      status: 200,
      body: ExportResponse.encode(ExportResponse.fromObject({ partialSuccess: { rejectedDataPoints: 2, errorMessage: 'out of order' } })).finish(),
    });
    const errors: ReporterError[] = [];
    const registry = new Registry();
    const reporter = new OtlpReporter({ registry, url: receiver.url, env: {}, onError: (e) => errors.push(e) });
    stops.push(() => reporter.stop());
    registry.counter('c').inc();
    await reporter.report();
    await waitUntil(() => errors.length === 1, { what: 'the partial success' });
    expect(errors[0]).toMatchObject({ code: ErrorCodes.REPORT_FAILED, kind: 'transport', reporter: 'otlp' });
    expect(errors[0]!.cause).toMatchObject({ code: ErrorCodes.PARTIAL_SUCCESS, rejectedDataPoints: 2, errorMessage: 'out of order' });
    expect(reporter.rejectedDataPoints).toBe(2);
    expect(receiver.requests[0]!.headers).toMatchObject({ 'content-type': 'application/x-protobuf', 'user-agent': `tapemeasure/${TAPEMEASURE_VERSION}` });
  });

  it('sends the environment headers and gzip, and stop() flushes the final report', async () => {
    const receiver = await startOtlpReceiver('/otlp/v1/metrics');
    stops.push(() => receiver.close());
    const registry = new Registry();
    const reporter = new OtlpReporter({
      registry,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}/otlp/`,
        OTEL_EXPORTER_OTLP_HEADERS: 'api-key=s%3Dcret, tenant = a ',
        OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'tenant=b',
        OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      },
    });
    registry.counter('c').inc(4);
    await reporter.stop();
    expect(receiver.requests).toHaveLength(1);
    const request = receiver.requests[0]!;
    expect(request.path).toBe('/otlp/v1/metrics');
    expect(request.headers).toMatchObject({ 'api-key': 's=cret', tenant: 'b', 'content-encoding': 'gzip', 'content-type': 'application/json' });
    expect(pointsOf(metricsByName(decodeJson(request.body)).get('c')!)[0]!.asDouble).toBe(4);
    expect(reporter.stats.reports).toBe(1);
  });
});
