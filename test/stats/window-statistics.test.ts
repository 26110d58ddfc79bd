import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WindowedHistogram, type WindowedHistogramConfig } from '../../src/stats/windowed-histogram.js';
import {
  addToSummary,
  EMPTY_WINDOW,
  resetSummary,
  S_COUNT,
  SUMMARY_FIELDS,
  windowStatistics,
} from '../../src/stats/window-statistics.js';

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

describe('window statistics: accuracy (property tests against a sorted-array oracle)', () => {
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
});


describe('window statistics: moments', () => {
  it('combines per-slice moments without cancellation (values far from 0, tiny spread)', () => {
    const summary = new Float64Array(3 * SUMMARY_FIELDS);
    for (let s = 0; s < 3; s++) resetSummary(summary, s * SUMMARY_FIELDS, s);
    const values: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const v = 1e9 + (i % 7) * 0.001 + (i % 3);
      values.push(v);
      addToSummary(summary, (i % 3) * SUMMARY_FIELDS, v);
    }
    const s = windowStatistics({ summary, slots: [0, 1, 2], counts: [], blocks: [], halfCount: 128, scale: 1 });
    // The oracle works on exact offsets from 1e9 (translation does not change the spread).
    const offsets = values.map((v) => v - 1e9);
    const mean = offsets.reduce((a, v) => a + v, 0) / offsets.length;
    const variance = offsets.reduce((a, v) => a + (v - mean) ** 2, 0) / offsets.length;
    expect(s.count).toBe(3000);
    expect(s.min).toBe(1e9);
    expect(s.max).toBe(1e9 + 0.006 + 2);
    expect(s.stddev!).toBeCloseTo(Math.sqrt(variance), 9);
  });

  it('is the empty window when no slot holds a value: null statistics, never 0', () => {
    const summary = new Float64Array(SUMMARY_FIELDS);
    resetSummary(summary, 0, 0);
    expect(summary[S_COUNT]).toBe(0);
    expect(windowStatistics({ summary, slots: [], counts: [], blocks: [], halfCount: 128, scale: 1 })).toBe(EMPTY_WINDOW);
    expect(EMPTY_WINDOW).toEqual({
      count: 0, sum: 0, min: null, max: null, mean: null, stddev: null,
      p50: null, p75: null, p95: null, p98: null, p99: null, p999: null,
    });
    expect(Object.isFrozen(EMPTY_WINDOW)).toBe(true);
  });
});
