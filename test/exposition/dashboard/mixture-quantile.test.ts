import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mixtureQuantile, PART_PROBABILITIES, type MixturePart } from '../../../src/exposition/dashboard/mixture-quantile.js';

/** Nearest-rank quantile of sorted values. */
function exact(sorted: readonly number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length - 1e-9)) - 1]!;
}

/** A part as the sampler builds it from a timer: its count and exact quantile points. */
function partOf(values: readonly number[]): MixturePart {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, points: PART_PROBABILITIES.map((p) => (p === 0 ? sorted[0]! : p === 1 ? sorted.at(-1)! : exact(sorted, p))) };
}

const sample = fc.array(fc.double({ min: 0, max: 1e5, noNaN: true }), { minLength: 1, maxLength: 300 });

describe('mixtureQuantile', () => {
  it('is null without values, and a part\'s own quantile when only one part has values', () => {
    expect(mixtureQuantile([], 0.5)).toBeNull();
    expect(mixtureQuantile([{ count: 0, points: [1, 2, 3, 4, 5, 6, 7, 8] }], 0.5)).toBeNull();
    const part = { count: 10, points: [1, 2, 3, 4, 5, 6, 7, 8] };
    expect(mixtureQuantile([part, { count: 0, points: [9, 9, 9, 9, 9, 9, 9, 9] }], 0.5)).toBe(2);
    expect(mixtureQuantile([part], 0.99)).toBe(6);
  });

  it('lies between the parts\' own quantiles (a property of every mixture)', () => {
    fc.assert(
      fc.property(fc.array(sample, { minLength: 1, maxLength: 4 }), fc.constantFrom(0.5, 0.99), (samples, q) => {
        const parts = samples.map(partOf);
        const k = PART_PROBABILITIES.indexOf(q);
        const own = parts.map((p) => p.points[k]!);
        const m = mixtureQuantile(parts, q)!;
        const slack = 1e-6 * Math.max(1, ...own);
        expect(m).toBeGreaterThanOrEqual(Math.min(...own) - slack);
        expect(m).toBeLessThanOrEqual(Math.max(...own) + slack);
      }),
    );
  });

  it('is the common quantile of identical parts', () => {
    fc.assert(
      fc.property(sample, fc.integer({ min: 2, max: 5 }), (values, copies) => {
        const part = partOf(values);
        const m = mixtureQuantile(Array.from({ length: copies }, () => part), 0.5)!;
        expect(m).toBeCloseTo(part.points[1]!, 3);
      }),
    );
  });

  it('weighs parts by their counts: 2xx fast and many, 5xx slow and few', () => {
    const fast = partOf(Array.from({ length: 980 }, (_, i) => 1 + i / 980));
    const slow = partOf(Array.from({ length: 20 }, () => 500));
    const p50 = mixtureQuantile([fast, slow], 0.5)!;
    const p99 = mixtureQuantile([fast, slow], 0.99)!;
    expect(p50).toBeGreaterThan(1.4);
    expect(p50).toBeLessThan(1.6);
    expect(p99).toBeCloseTo(500, 3);
  });
});
