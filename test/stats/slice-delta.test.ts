import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketIndex, halfMagnitude } from '../../src/stats/hdr-layout.js';
import type { BucketSink } from '../../src/stats/slice-delta.js';
import { WindowedHistogram, type WindowedHistogramConfig } from '../../src/stats/windowed-histogram.js';
import { ManualClock } from '../../src/clock.js';
import { Registry } from '../../src/registry/registry.js';

const config: WindowedHistogramConfig = { significantDigits: 2, resolution: 0.001, ticksPerSlice: 3, slices: 4 };
const values = fc.array(fc.integer({ min: 0, max: 5_000_000 }).map((v) => v / 1000), { maxLength: 300 });

/** The HDR index of a value at `config`'s precision and resolution. */
function indexOf(value: number): number {
  const half = halfMagnitude(config.significantDigits);
  return bucketIndex(Math.round(value / config.resolution), half, 2 ** half);
}

describe('WindowedHistogram.merge and sliceDeltas', () => {
  it('merging one histogram into another equals recording every value into one', () => {
    fc.assert(
      fc.property(values, values, fc.integer({ min: 0, max: 20 }), (a, b, tick) => {
        const one = new WindowedHistogram(config, tick);
        const left = new WindowedHistogram(config, tick);
        const right = new WindowedHistogram(config, tick);
        for (const v of a) { one.record(v, tick); left.record(v, tick); }
        for (const v of b) { one.record(v, tick); right.record(v, tick); }
        for (const { delta } of right.sliceDeltas(tick)) left.merge(tick, delta);
        const want = one.statistics(tick);
        const got = left.statistics(tick);
        expect(got.count).toBe(want.count);
        expect(got.min).toBe(want.min);
        expect(got.max).toBe(want.max);
        expect([got.p50, got.p75, got.p95, got.p98, got.p99, got.p999]).toEqual([want.p50, want.p75, want.p95, want.p98, want.p99, want.p999]);
        if (want.count > 0) {
          expect(got.sum).toBeCloseTo(want.sum, 6);
          expect(got.stddev!).toBeCloseTo(want.stddev!, 6);
        }
      }),
    );
  });

  it('widens counts when merged counts outgrow 16 bits', () => {
    const h = new WindowedHistogram(config, 0);
    const delta = { count: 200_000, sum: 400, min: 0.002, max: 0.002, shift: 0.002, s1: 0, s2: 0, indexes: [indexOf(0.002)], counts: [200_000] };
    h.merge(0, delta);
    h.merge(0, delta);
    expect(h.statistics(0)).toMatchObject({ count: 400_000, p50: 0.002, p999: 0.002 });
  });

  it('sliceDeltas reports each live slice once, oldest first, with counts adding up to its count', () => {
    const h = new WindowedHistogram(config, 0);
    for (let t = 0; t < 9; t++) for (let i = 0; i <= t; i++) h.record(t + i / 10, t);
    const slices = h.sliceDeltas(8);
    expect(slices.map((s) => s.slice)).toEqual([0, 1, 2]);
    for (const { delta } of slices) expect(Array.from(delta.counts).reduce((x, y) => x + y, 0)).toBe(delta.count);
  });
});

describe('WindowedHistogram.retireInto', () => {
  it('retired buckets plus the live ones are every value ever recorded, bucket by bucket', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), values), { maxLength: 12 }), fc.boolean(), (steps, resetAtEnd) => {
        const h = new WindowedHistogram(config, 0);
        const retired = new Map<number, number>();
        const sink: BucketSink = { add: (index, count) => void retired.set(index, (retired.get(index) ?? 0) + count) };
        h.retireInto(sink);
        const exact = new Map<number, number>();
        let tick = 0;
        for (const [advance, vs] of steps) {
          tick += advance * 4;
          for (const v of vs) {
            h.record(v, tick);
            exact.set(indexOf(v), (exact.get(indexOf(v)) ?? 0) + 1);
          }
          h.statistics(tick); // a read may expire slices too
        }
        if (resetAtEnd) h.reset();
        const total = new Map(retired);
        h.visitBuckets(tick, (_mid, count, index) => void total.set(index, (total.get(index) ?? 0) + count));
        expect(new Map([...total].sort((x, y) => x[0] - y[0]))).toEqual(new Map([...exact].sort((x, y) => x[0] - y[0])));
      }),
    );
  });
});

describe('Distribution.merge', () => {
  it('adds to lifetime totals, the window and every open interval reader', () => {
    const clock = new ManualClock();
    const source = new Registry({ clock }).timer('t');
    const target = new Registry({ clock }).timer('t');
    const reader = target.openInterval();
    for (const v of [1, 2, 3, 400]) source.update(v);
    target.update(5);
    const d = source.distribution;
    for (const { delta } of d.window.sliceDeltas(d.currentTick())) target.distribution.merge(delta);
    // (A timer's own count is its meter's: merging a timer also marks its meter.)
    expect(target.distribution.count).toBe(5);
    expect(target.sum).toBe(411);
    expect(target.statistics()).toMatchObject({ windowCount: 5, min: 1, max: 400 });
    expect(reader.take()).toMatchObject({ count: 5, sum: 411, min: 1, max: 400 });
  });
});
