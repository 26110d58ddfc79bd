import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketIndex, bucketMidpoint, halfMagnitude } from '../../src/stats/hdr-layout.js';
import type { BucketSink } from '../../src/stats/slice-delta.js';
import { SPARSE_LIMIT, WindowedHistogram, type WindowedHistogramConfig } from '../../src/stats/windowed-histogram.js';

// The exact oracle: every value of every slice, kept as it was recorded. Quantiles are
// the midpoint of the HDR bucket of the exact nearest-rank value, clamped to min and max:
// whichever form the histogram keeps a slice in (sparse indexes or dense counts), it must
// give exactly these numbers.

const config: WindowedHistogramConfig = { significantDigits: 2, resolution: 0.001, ticksPerSlice: 2, slices: 4 };
const half = halfMagnitude(config.significantDigits);
const indexOf = (v: number): number => bucketIndex(Math.round(v / config.resolution), half, 2 ** half);
const PERMILLE = [500, 750, 950, 980, 990, 999];

class Model {
  readonly slices = new Map<number, number[]>();
  retired = new Map<number, number>();

  record(v: number, tick: number): void {
    const slice = Math.floor(tick / config.ticksPerSlice);
    const list = this.slices.get(slice) ?? [];
    list.push(v);
    this.slices.set(slice, list);
  }

  /** Drops (and retires) slices outside the window at `tick`. */
  expire(tick: number): void {
    const slice = Math.floor(tick / config.ticksPerSlice);
    for (const [s, list] of this.slices) {
      if (s > slice - config.slices) continue;
      this.retire(list);
      this.slices.delete(s);
    }
  }

  retire(list: number[]): void {
    for (const v of list) this.retired.set(indexOf(v), (this.retired.get(indexOf(v)) ?? 0) + 1);
  }

  values(tick: number): number[] {
    this.expire(tick);
    return [...this.slices.values()].flat();
  }

  quantiles(tick: number): (number | null)[] {
    const all = this.values(tick).sort((a, b) => a - b);
    if (all.length === 0) return PERMILLE.map(() => null);
    const min = all[0]!;
    const max = all[all.length - 1]!;
    return PERMILLE.map((p) => {
      const exact = all[Math.max(1, Math.ceil((p * all.length) / 1000)) - 1]!;
      const mid = bucketMidpoint(indexOf(exact), 2 ** half) / (1 / config.resolution);
      return mid < min ? min : mid > max ? max : mid;
    });
  }

  buckets(tick: number): [number, number][] {
    const m = new Map<number, number>();
    for (const v of this.values(tick)) m.set(indexOf(v), (m.get(indexOf(v)) ?? 0) + 1);
    return [...m].sort((a, b) => a[0] - b[0]);
  }
}

// Values from 0 to 5e6 ms, and batches from one value to past the sparse limit, so that
// slices go sparse, dense, and mixed.
const value = fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 5_000_000_000 })).map((v) => v / 1000);
const step = fc.oneof(
  fc.record({ kind: fc.constant('record' as const), advance: fc.integer({ min: 0, max: 3 }), values: fc.array(value, { maxLength: 40 }) }),
  fc.record({
    kind: fc.constant('burst' as const),
    advance: fc.integer({ min: 0, max: 3 }),
    value,
    n: fc.integer({ min: 1, max: SPARSE_LIMIT + 200 }),
  }),
  fc.record({ kind: fc.constant('read' as const), advance: fc.integer({ min: 0, max: 9 }) }),
);

describe('WindowedHistogram sparse and dense slices', () => {
  it('gives exactly the oracle quantiles, extremes and buckets through any mix of forms', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 25 }), (steps) => {
        const h = new WindowedHistogram(config, 0);
        const model = new Model();
        const sink: BucketSink = { add: (index, count) => void retired.set(index, (retired.get(index) ?? 0) + count) };
        const retired = new Map<number, number>();
        h.retireInto(sink);
        let tick = 0;
        for (const s of steps) {
          tick += s.advance;
          if (s.kind === 'record') for (const v of s.values) { h.record(v, tick); model.record(v, tick); }
          else if (s.kind === 'burst') for (let i = 0; i < s.n; i++) { h.record(s.value + i / 1000, tick); model.record(s.value + i / 1000, tick); }
          const got = h.statistics(tick);
          const all = model.values(tick);
          expect(got.count).toBe(all.length);
          expect([got.p50, got.p75, got.p95, got.p98, got.p99, got.p999]).toEqual(model.quantiles(tick));
          expect(got.min).toBe(all.length === 0 ? null : Math.min(...all));
          expect(got.max).toBe(all.length === 0 ? null : Math.max(...all));
          const buckets: [number, number][] = [];
          h.visitBuckets(tick, (_mid, count, index) => void buckets.push([index, count]));
          expect(buckets).toEqual(model.buckets(tick));
          const deltas = h.sliceDeltas(tick);
          expect(deltas.reduce((n, d) => n + d.delta.count, 0)).toBe(all.length);
          for (const { delta } of deltas) expect(Array.from(delta.counts).reduce((x, y) => x + y, 0)).toBe(delta.count);
        }
        // What left the window was told to the sink, bucket by bucket.
        model.expire(tick);
        expect(new Map([...retired].sort((a, b) => a[0] - b[0]))).toEqual(new Map([...model.retired].sort((a, b) => a[0] - b[0])));
      }),
      { numRuns: 150 },
    );
  });

  it('keeps few values in the sparse form: 100 values cost 256 bytes, not counts over their range', () => {
    const h = new WindowedHistogram(config, 0);
    for (let k = 0; k < 100; k++) h.record(0.01 * 150_000 ** (k / 99), 0);
    expect(h.countsBytes).toBe(256);
    expect(h.statistics(0).count).toBe(100);
  });

  it('goes dense past the sparse limit, and back to nothing when the window empties', () => {
    const h = new WindowedHistogram(config, 0);
    for (let k = 0; k <= SPARSE_LIMIT; k++) h.record(1 + k, 0);
    const dense = h.countsBytes;
    expect(dense).toBeGreaterThan(2 * SPARSE_LIMIT);
    expect(h.statistics(0).count).toBe(SPARSE_LIMIT + 1);
    h.statistics(100);
    expect(h.countsBytes).toBe(0);
  });

  it('merges a delta into a sparse slice as exactly as recording its values', () => {
    const a = new WindowedHistogram(config, 0);
    const b = new WindowedHistogram(config, 0);
    const one = new WindowedHistogram(config, 0);
    for (const v of [1, 2, 2, 300, 4000]) { a.record(v, 0); one.record(v, 0); }
    for (const v of [2, 5, 70_000]) { b.record(v, 0); one.record(v, 0); }
    for (const { delta } of b.sliceDeltas(0)) a.merge(0, delta);
    expect(a.statistics(0)).toEqual(one.statistics(0));
    expect(a.countsBytes).toBeLessThan(100);
  });
});

describe('WindowedHistogram growth', () => {
  it('grows counts with headroom: rising values reallocate them about once per two powers of two', () => {
    const h = new WindowedHistogram({ significantDigits: 2, resolution: 1, ticksPerSlice: 3, slices: 4 }, 0);
    // Dense first (past the sparse limit), then ever larger values: 2^10 .. 2^50.
    for (let i = 0; i <= SPARSE_LIMIT; i++) h.record(1000, 0);
    let bytes = h.countsBytes;
    let reallocations = 0;
    for (let k = 10; k <= 50; k++) {
      h.record(2 ** k, 0);
      if (h.countsBytes !== bytes) reallocations++;
      bytes = h.countsBytes;
    }
    expect(reallocations).toBeLessThanOrEqual(21);
    const s = h.statistics(0);
    expect(s.count).toBe(SPARSE_LIMIT + 42);
    expect(s.max).toBe(2 ** 50);
  });
});

describe('WindowedHistogram at high precision', () => {
  it('keeps the headroom of 5-digit counts to a quarter of them, and their quantiles exact to the bucket', () => {
    const h = new WindowedHistogram({ significantDigits: 5, resolution: 0.001, ticksPerSlice: 3, slices: 4 }, 0);
    for (let i = 0; i <= SPARSE_LIMIT; i++) h.record(1 + i / 100, 0);
    const bytes = h.countsBytes;
    // Counts up to the bucket of 11.24 ms (index 11,240: at 5 digits every integer below
    // 2^18 has its own bucket) plus at most a quarter; on main, 512 KB for one slice.
    const half = halfMagnitude(5);
    const top = bucketIndex(11_240, half, 2 ** half);
    expect(bytes).toBeLessThan(2 * top * 1.26 + 8 * (top / 64) * 1.26 + 1024);
    expect(h.statistics(0).p50).toBeCloseTo(6.12, 3);
  });
});
