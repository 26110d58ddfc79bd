import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { PrometheusSeries } from '../../src/formats/prometheus.js';
import { formatPrometheusProtobuf, prometheusProtobufChunks } from '../../src/formats/prometheus-protobuf.js';
import { prometheusSeriesOf } from '../../src/formats/prometheus-read.js';
import type { LifetimeBucketsRead } from '../../src/metrics/lifetime-buckets.js';
import type { DistributionFields } from '../../src/metrics/snapshot.js';
import { Registry } from '../../src/registry/registry.js';
import { decodeDelimited, nativeCounts } from '../helpers/prometheus-proto.js';

const golden = (name: string): string => fileURLToPath(new URL(`./golden/${name}`, import.meta.url));

function readGolden(name: string, actual: string): string {
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden(name), actual);
  return readFileSync(golden(name), 'utf8');
}

const fields = (over: Partial<DistributionFields> = {}): DistributionFields => ({
  count: 5, sum: 269.25, windowCount: 5, min: 1.5, max: 250, mean: 53.85, stddev: 98.6,
  p50: 3, p75: 12.5, p95: 250, p98: 250, p99: 250, p999: 250, ...over,
});

const buckets: LifetimeBucketsRead = {
  bounds: [5, 10, 100],
  cumulative: Float64Array.from([2, 3, 4]),
  count: 5,
  native: { schema: 3, zeroThreshold: 0.0000005, zeroCount: 1, indexes: Int32Array.from([-60, -57, -53]), counts: Float64Array.from([1, 2, 1]) },
  summary: false,
  divisor: 1000,
};

const SERIES: PrometheusSeries[] = [
  { name: 'http.requests', tags: { method: 'GET' }, snapshot: { type: 'counter', count: 41 } },
  { name: 'balance', tags: {}, snapshot: { type: 'counter', count: -2 } },
  { name: 'queue.depth', tags: {}, snapshot: { type: 'gauge', value: -3.25 } },
  { name: 'broken', tags: {}, snapshot: { type: 'gauge', value: null, error: 'nope' } },
  { name: 'events', tags: { le: 'x' }, snapshot: { type: 'meter', count: 15, meanRate: 1.5, m1Rate: 0.2, m5Rate: 0.05, m15Rate: 0.0166 } },
  { name: 'sizes', tags: {}, snapshot: { type: 'histogram', ...fields() } },
  {
    name: 'db.query',
    tags: { table: 'users' },
    snapshot: { type: 'timer', meanRate: 0.5, m1Rate: 0.4, m5Rate: 0.3, m15Rate: 0.2, ...fields() },
    buckets,
  },
];

describe('formatPrometheusProtobuf', () => {
  it('writes delimited MetricFamily messages (golden bytes)', () => {
    const hex = Buffer.from(formatPrometheusProtobuf(SERIES)).toString('hex').replace(/(.{64})/g, '$1\n');
    expect(hex).toBe(readGolden('prometheus-protobuf.hex', hex));
  });

  it('decodes with the reference decoder to what the text formats say', () => {
    const families = decodeDelimited(formatPrometheusProtobuf(SERIES));
    const byName = new Map(families.map((f) => [f.name, f]));
    expect(families.map((f) => `${f.name}:${f.type}`)).toEqual([
      'http_requests_total:COUNTER', 'balance_total:UNTYPED', 'queue_depth:GAUGE', 'broken:GAUGE',
      'events_total:COUNTER', 'events_mean_rate:GAUGE', 'events_m1_rate:GAUGE', 'events_m5_rate:GAUGE', 'events_m15_rate:GAUGE',
      'sizes:SUMMARY', 'db_query_seconds:HISTOGRAM',
    ]);
    expect(byName.get('http_requests_total')!.metric).toEqual([{ label: [{ name: 'method', value: 'GET' }], counter: { value: 41 } }]);
    expect(byName.get('balance_total')!.metric[0]!.untyped).toEqual({ value: -2 });
    expect(byName.get('broken')!.metric).toEqual([]);
    expect(byName.get('events_total')!.metric[0]!.label).toEqual([{ name: 'tag_le', value: 'x' }]);
    const summary = byName.get('sizes')!.metric[0]!.summary!;
    expect(summary.sample_count).toBe(5);
    expect(summary.quantile.map((q) => q.quantile)).toEqual([0.5, 0.75, 0.95, 0.98, 0.99, 0.999]);
    const h = byName.get('db_query_seconds')!.metric[0]!.histogram!;
    expect(h.sample_count).toBe(5);
    expect(h.sample_sum).toBeCloseTo(0.26925, 12);
    expect(h.bucket).toEqual([
      { cumulative_count: 2, upper_bound: 0.005 },
      { cumulative_count: 3, upper_bound: 0.01 },
      { cumulative_count: 4, upper_bound: 0.1 },
    ]);
    expect(h.schema).toBe(3);
    expect(h.zero_threshold).toBe(0.0000005);
    expect(h.zero_count).toBe(1);
    // A gap of two empty buckets stays in the span; one of three starts a new span.
    expect(h.positive_span).toEqual([{ offset: -60, length: 4 }, { offset: 3, length: 1 }]);
    expect(h.positive_delta).toEqual([1, -1, 0, 2, -1]);
    expect([...nativeCounts(h)]).toEqual([[-60, 1], [-57, 2], [-53, 1]]);
  });

  it('yields one chunk per metric name', () => {
    expect([...prometheusProtobufChunks(SERIES)]).toHaveLength(7);
  });

  it('round-trips any native buckets through spans and deltas (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 2 ** 40 })), { maxLength: 60 }),
        fc.integer({ min: -2000, max: 2000 }),
        (dense, offset) => {
          const nonEmpty = dense.map((c, i) => [offset + i, c] as const).filter(([, c]) => c > 0);
          const indexes = Int32Array.from(nonEmpty, ([i]) => i);
          const counts = Float64Array.from(nonEmpty, ([, c]) => c);
          const series: PrometheusSeries = {
            name: 'h', tags: {}, snapshot: { type: 'histogram', ...fields({ count: 0 }) },
            buckets: { ...buckets, bounds: [], cumulative: new Float64Array(0), native: { ...buckets.native!, indexes, counts } },
          };
          const h = decodeDelimited(formatPrometheusProtobuf([series]))[0]!.metric[0]!.histogram!;
          const want = new Map<number, number>();
          for (const [i, c] of nonEmpty) want.set(i, c);
          expect(nativeCounts(h)).toEqual(want);
          expect(h.zero_threshold).toBeGreaterThan(0);
        },
      ),
    );
  });

  it('writes a registry histogram whose native buckets hold every recorded value', () => {
    const clock = new ManualClock({ monotonicMs: 0 });
    const registry = new Registry({ clock });
    const t = registry.timer('t', { nativeHistogram: true, buckets: [1, 10] });
    for (let i = 0; i < 500; i++) {
      t.update((i * 37) % 1000 / 7);
      if (i % 50 === 0) clock.advance(20_000);
    }
    t.update(0);
    const h = decodeDelimited(formatPrometheusProtobuf([prometheusSeriesOf(t, undefined)]))[0]!.metric[0]!.histogram!;
    const total = [...nativeCounts(h).values()].reduce((a, c) => a + c, 0) + h.zero_count!;
    expect(total).toBe(501);
    expect(h.sample_count).toBe(501);
    expect(h.schema).toBe(6);
    expect(h.zero_threshold).toBe(0.0000005);
    expect(h.bucket.map((b) => b.upper_bound)).toEqual([0.001, 0.01]);
  });
});
