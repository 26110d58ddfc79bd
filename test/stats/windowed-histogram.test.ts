import fc from 'fast-check';
import { Int16Histogram } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { WindowedHistogram, type WindowedHistogramConfig } from '../../src/stats/windowed-histogram.js';

const QUANTILES = [
  ['p50', 0.5],
  ['p75', 0.75],
  ['p95', 0.95],
  ['p98', 0.98],
  ['p99', 0.99],
  ['p999', 0.999],
] as const;

function config(overrides: Partial<WindowedHistogramConfig> = {}): WindowedHistogramConfig {
  return { significantDigits: 2, resolution: 0.001, ticksPerSlice: 3, slices: 4, ...overrides };
}

/** Nearest-rank quantile of sorted values: the oracle. */
function exactQuantile(sorted: readonly number[], q: number): number {
  const rank = Math.max(1, Math.ceil(q * sorted.length - 1e-9));
  return sorted[rank - 1]!;
}

// Distributions: uniform, log-uniform over 1..1e9, heavy-tailed (Pareto), bimodal,
// constant, and decimals; all built from fast-check's doubles so failures shrink.
const unit = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const distributions = fc.oneof(
  fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 2000 }),
  fc.array(unit.map((u) => Math.exp(u * Math.log(1e9))), { minLength: 1, maxLength: 2000 }),
  fc.array(unit.map((u) => 1 / Math.pow(1 - u, 1.5)).filter((v) => v <= 1e12), { minLength: 1, maxLength: 2000 }),
  fc.array(
    fc.tuple(fc.boolean(), unit).map(([a, u]) => (a ? 10 + u : 1e6 + u * 1e5)),
    { minLength: 1, maxLength: 2000 },
  ),
  fc.tuple(fc.double({ min: 0, max: 1e9, noNaN: true }), fc.integer({ min: 1, max: 500 })).map(([v, n]) =>
    Array.from({ length: n }, () => v),
  ),
  fc.array(fc.integer({ min: 1, max: 1_000_000_000 }), { minLength: 1, maxLength: 2000 }),
);

describe('WindowedHistogram accuracy (property tests against a sorted-array oracle)', () => {
  for (const significantDigits of [1, 2, 3]) {
    it(`keeps every quantile within 10^-${significantDigits} relative error (+ resolution); min, max, count, sum exact`, () => {
      fc.assert(
        fc.property(distributions, (values) => {
          const h = new WindowedHistogram(config({ significantDigits }), 0);
          let sum = 0;
          for (const v of values) {
            h.record(v, 0);
            sum += v;
          }
          const s = h.statistics(0);
          const sorted = [...values].sort((a, b) => a - b);
          expect(s.count).toBe(values.length);
          expect(s.sum).toBe(sum);
          expect(s.min).toBe(sorted[0]);
          expect(s.max).toBe(sorted[sorted.length - 1]);
          expect(s.mean).toBe(sum / values.length);
          const mean = sum / values.length;
          const variance = values.reduce((acc, v) => acc + (v - mean) ** 2, 0) / values.length;
          expect(s.stddev!).toBeCloseTo(Math.sqrt(variance), 0);
          expect(Math.abs(s.stddev! - Math.sqrt(variance))).toBeLessThanOrEqual(1e-6 * (Math.sqrt(variance) + mean) + 1e-9);
          for (const [field, q] of QUANTILES) {
            const exact = exactQuantile(sorted, q);
            const got = s[field]!;
            expect(Math.abs(got - exact)).toBeLessThanOrEqual(exact * 10 ** -significantDigits + 0.001);
          }
        }),
        { numRuns: 150 },
      );
    });
  }

  it('merges several live slices exactly like one', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 11 }), fc.double({ min: 0, max: 1e7, noNaN: true })), { minLength: 1, maxLength: 1500 }), (events) => {
        events.sort((a, b) => a[0] - b[0]);
        const h = new WindowedHistogram(config({ ticksPerSlice: 3, slices: 4 }), 0);
        for (const [tick, v] of events) h.record(v, tick);
        const s = h.statistics(11);
        const values = events.map(([, v]) => v);
        const sorted = [...values].sort((a, b) => a - b);
        expect(s.count).toBe(values.length);
        expect(s.min).toBe(sorted[0]);
        expect(s.max).toBe(sorted[sorted.length - 1]);
        for (const [field, q] of QUANTILES) {
          const exact = exactQuantile(sorted, q);
          expect(Math.abs(s[field]! - exact)).toBeLessThanOrEqual(exact * 0.01 + 0.001);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('puts every integer in the bucket hdr-histogram-js would (same counts layout)', () => {
    for (const digits of [1, 2, 3, 4, 5]) {
      const ours = new WindowedHistogram(config({ significantDigits: digits, resolution: 1 }), 0);
      const theirs = new Int16Histogram(1, 2, digits);
      theirs.autoResize = true;
      const check = (x: number): void => {
        expect(ours.indexOf(x)).toBe(theirs.countsArrayIndex(x));
      };
      for (let k = 0; k <= 46; k++) {
        for (const d of [-1, 0, 1]) if (2 ** k + d >= 0) check(2 ** k + d);
      }
      fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 46 }), (x) => check(x)), { numRuns: 2000 });
    }
  });
});

describe('WindowedHistogram window', () => {
  it('is empty (statistics null, not 0) once the window has passed with no data', () => {
    const h = new WindowedHistogram(config({ ticksPerSlice: 3, slices: 4 }), 0);
    h.record(5, 0);
    expect(h.statistics(11).count).toBe(1);
    const s = h.statistics(12);
    expect(s).toEqual({
      count: 0, sum: 0, min: null, max: null, mean: null, stddev: null,
      p50: null, p75: null, p95: null, p98: null, p99: null, p999: null,
    });
  });

  it('lets recent data replace old data slice by slice', () => {
    const h = new WindowedHistogram(config({ ticksPerSlice: 1, slices: 2 }), 0);
    for (let i = 0; i < 100; i++) h.record(1000, 0);
    for (let i = 0; i < 100; i++) h.record(5, 1);
    let s = h.statistics(1);
    expect(s.count).toBe(200);
    expect(s.max).toBe(1000);
    s = h.statistics(2);
    expect(s.count).toBe(100);
    expect(s.max).toBe(5);
    expect(s.p99).toBe(5);
    h.record(7, 3);
    s = h.statistics(3);
    expect(s.count).toBe(1);
    expect(s.min).toBe(7);
  });

  it('allocates no counts until a value lands, and frees them when the window empties', () => {
    const h = new WindowedHistogram(config(), 0);
    expect(h.countsBytes).toBe(0);
    h.record(1.5, 0);
    expect(h.countsBytes).toBeGreaterThan(0);
    h.statistics(100);
    expect(h.countsBytes).toBe(0);
  });

  it('never wraps narrow counts: 70,000 equal values keep exact quantiles', () => {
    const h = new WindowedHistogram(config({ resolution: 1 }), 0);
    for (let i = 0; i < 70_000; i++) h.record(42, 0);
    h.record(1_000_000, 0);
    const s = h.statistics(0);
    expect(s.count).toBe(70_001);
    expect(s.p50).toBe(42);
    expect(s.p999).toBe(42);
    expect(s.max).toBe(1_000_000);
  });

  it('resets to empty and records again', () => {
    const h = new WindowedHistogram(config(), 0);
    for (let i = 0; i < 10; i++) h.record(i, 0);
    h.reset();
    expect(h.statistics(0).count).toBe(0);
    h.record(3, 0);
    expect(h.statistics(0).p50).toBe(3);
  });

  it('exports the window to an hdr-histogram-js histogram with the same counts', () => {
    const h = new WindowedHistogram(config({ resolution: 1 }), 0);
    for (let v = 1; v <= 1000; v++) h.record(v, v % 2 === 0 ? 0 : 3);
    const hdr = h.toHdr(3)!;
    expect(hdr.totalCount).toBe(1000);
    expect(hdr.getValueAtPercentile(50)).toBeGreaterThanOrEqual(500);
    expect(hdr.getValueAtPercentile(50)).toBeLessThanOrEqual(504);
    expect(hdr.maxValue).toBeGreaterThanOrEqual(1000);
    expect(new WindowedHistogram(config(), 0).toHdr(0)).toBeNull();
  });
});
