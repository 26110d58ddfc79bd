import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import {
  BucketIndexCache,
  bucketIndex,
  bucketLowerBoundary,
  ExponentialBuckets,
  MAX_SCALE,
  scaleForPrecision,
} from '../../src/formats/exponential-histogram.js';
import { Registry } from '../../src/registry/registry.js';

describe('bucketIndex', () => {
  it('puts exact powers of two at the top of their bucket (upper-inclusive buckets)', () => {
    for (const scale of [-3, -1, 0, 1, 3, 6, 20]) {
      for (const e of [-20, -1, 0, 1, 10, 40]) {
        const i = bucketIndex(2 ** e, scale);
        // 2^e is the upper boundary of bucket i: i + 1 = e * 2^scale (when the scale splits powers of two).
        if (scale >= 0) expect(i).toBe(e * 2 ** scale - 1);
        else expect(i).toBe(Math.floor((e - 1) / 2 ** -scale));
      }
    }
  });

  it('finds the bucket whose boundaries hold the value', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-9, max: 1e12, noNaN: true }), fc.integer({ min: -4, max: MAX_SCALE }), (v, scale) => {
        const i = bucketIndex(v, scale);
        const lower = bucketLowerBoundary(i, scale);
        const upper = bucketLowerBoundary(i + 1, scale);
        // Within the floating-point error of the logarithm near a boundary.
        expect(v).toBeGreaterThan(lower * (1 - 1e-12));
        expect(v).toBeLessThanOrEqual(upper * (1 + 1e-12));
      }),
      { numRuns: 500 },
    );
  });
});

describe('scaleForPrecision', () => {
  it('is the finest scale whose buckets are at least as wide as the widest HDR bucket', () => {
    // significantDigits 1, 2, 3 give 2^4, 2^7, 2^10 HDR buckets per power of two.
    for (const h of [4, 7, 10]) {
      const s = scaleForPrecision(h);
      expect(2 ** (2 ** -s) - 1).toBeGreaterThanOrEqual(2 ** -h);
      expect(2 ** (2 ** -(s + 1)) - 1).toBeLessThan(2 ** -h);
    }
    expect(scaleForPrecision(40)).toBe(MAX_SCALE);
  });
});

describe('ExponentialBuckets', () => {
  it('lowers its scale to fit maxBuckets, as if every value had been bucketed at the final scale', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1e-6, max: 1e9, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 2, max: 200 }),
        (values, maxBuckets) => {
          const b = new ExponentialBuckets(8, maxBuckets);
          for (const v of values) b.addBucket(v, 1);
          const counts = b.counts;
          expect(counts.length).toBeLessThanOrEqual(maxBuckets);
          expect(counts.reduce((a, c) => a + c, 0)).toBe(values.length);
          const expected = new Map<number, number>();
          // The same mapping: the index at the starting scale, shifted to the final one.
          for (const v of values) {
            const i = bucketIndex(v, 8) >> (8 - b.scale);
            expected.set(i, (expected.get(i) ?? 0) + 1);
          }
          for (let k = 0; k < counts.length; k++) expect(counts[k]).toBe(expected.get(b.offset + k) ?? 0);
          // And not lower than it needs: one scale finer would not fit.
          if (b.scale < 8) {
            const finer = values.map((v) => bucketIndex(v, 8) >> (8 - b.scale - 1));
            expect(Math.max(...finer) - Math.min(...finer) + 1).toBeGreaterThan(maxBuckets);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('counts zeros apart, keeps exact statistics, and resets for a new interval', () => {
    const b = new ExponentialBuckets(6);
    b.addBucket(0, 3);
    b.addBucket(1.5, 2);
    b.addStatistics(5, 3, 0, 1.5);
    expect(b.zeroCount).toBe(3);
    expect([...b.counts]).toEqual([2]);
    expect(b.offset).toBe(bucketIndex(1.5, 6));
    expect({ count: b.count, sum: b.sum, min: b.min, max: b.max }).toEqual({ count: 5, sum: 3, min: 0, max: 1.5 });
    b.addBucket(Number.NaN, 1);
    b.addBucket(-1, 1);
    b.addBucket(2, 0);
    expect(b.count).toBe(5);
    b.reset();
    expect({ zero: b.zeroCount, counts: b.counts.length, count: b.count, scale: b.scale, offset: b.offset }).toEqual({
      zero: 0, counts: 0, count: 0, scale: 6, offset: 0,
    });
  });
});

describe('HDR counts to exponential buckets (the documented error bound)', () => {
  for (const significantDigits of [1, 2, 3]) {
    it(`counts each value in its bucket or, within 2^-(h+1) of a boundary, a neighbour (${significantDigits} digits)`, () => {
      fc.assert(
        fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 300 }), (values) => {
          const registry = new Registry({ clock: new ManualClock() });
          const resolution = 0.001;
          const h = registry.histogram('h', { significantDigits, resolution });
          const reader = h.openInterval();
          for (const v of values) h.record(v);
          const halfMag = reader.octaveMagnitude;
          const buckets = new ExponentialBuckets(scaleForPrecision(halfMag), 160);
          const fields = reader.takeBuckets((midpoint, count) => buckets.addBucket(midpoint, count));
          buckets.addStatistics(fields.count, fields.sum, fields.min, fields.max);
          reader.close();

          const zeroCount = values.filter((v) => Math.round(v / resolution) === 0).length;
          expect(buckets.zeroCount).toBe(zeroCount);
          expect(buckets.zeroCount + buckets.counts.reduce((a, c) => a + c, 0)).toBe(values.length);
          expect(buckets.count).toBe(values.length);
          expect(buckets.min).toBe(Math.min(...values));
          expect(buckets.max).toBe(Math.max(...values));

          const eta = 2 ** -(halfMag + 1);
          const sorted = values.filter((v) => Math.round(v / resolution) > 0).sort((a, b) => a - b);
          const atMost = (x: number): number => sorted.filter((v) => v <= x).length;
          let cumulative = 0;
          const counts = buckets.counts;
          for (let k = 0; k < counts.length; k++) {
            cumulative += counts[k]!;
            const upper = bucketLowerBoundary(buckets.offset + k + 1, buckets.scale);
            // Every value counted at or below this boundary is at most a hair above it, and
            // every value clearly below it was counted at or below it.
            expect(cumulative).toBeLessThanOrEqual(atMost(upper * (1 + eta) + resolution / 2 + 1e-9));
            expect(cumulative).toBeGreaterThanOrEqual(atMost(upper * (1 - eta) - resolution / 2 - 1e-9));
          }
        }),
        { numRuns: 60 },
      );
    });
  }
});

describe('BucketIndexCache', () => {
  it('gives the buckets addBucket gives, computing each HDR bucket once', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e5, noNaN: true }), { minLength: 1, maxLength: 200 }), (values) => {
        const registry = new Registry({ clock: new ManualClock() });
        const h = registry.histogram('h');
        const a = h.openInterval();
        const b = h.openInterval();
        for (const v of values) h.record(v);
        const direct = new ExponentialBuckets(6, 40);
        const cached = new ExponentialBuckets(6, 40);
        const cache = new BucketIndexCache(6);
        a.takeBuckets((midpoint, count) => direct.addBucket(midpoint, count));
        b.takeBuckets((midpoint, count, index) => {
          if (index === 0) cached.zeroCount += count;
          else cached.addAtIndex(cache.index(index, midpoint), count);
        });
        expect({ scale: cached.scale, offset: cached.offset, zero: cached.zeroCount, counts: [...cached.counts] }).toEqual({
          scale: direct.scale, offset: direct.offset, zero: direct.zeroCount, counts: [...direct.counts],
        });
      }),
      { numRuns: 100 },
    );
  });
});
