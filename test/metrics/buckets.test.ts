import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { ErrorCodes } from '../../src/errors.js';
import { PROMETHEUS_DEFAULT_BUCKETS } from '../../src/metrics/buckets.js';
import { Registry } from '../../src/registry/registry.js';
import { bucketIndex, bucketWidth, halfMagnitude } from '../../src/stats/hdr-layout.js';

/** The width, in value units, of the HDR bucket that holds `b` (the edge precision of a bound). */
function edgeWidth(b: number, resolution: number, digits: number): number {
  const h = halfMagnitude(digits);
  const x = Math.round(b / resolution);
  return bucketWidth(bucketIndex(x, h, 2 ** h), 2 ** h) * resolution;
}

const countAtMost = (values: readonly number[], b: number): number => values.filter((v) => v <= b).length;

/** Values recorded over `steps` of 5 s each, so slices rotate out (and are folded in) along the way. */
function recordSpread(clock: ManualClock, record: (v: number) => void, values: readonly number[], steps: number): void {
  values.forEach((v, i) => {
    if (steps > 0 && i % Math.max(1, Math.floor(values.length / steps)) === 0) clock.advance(5_000);
    record(v);
  });
}

describe('classic buckets', () => {
  it('count the values <= each bound, to within the HDR bucket at the bound (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2_000_000 }), { maxLength: 400 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 2_000_000 }), { minLength: 1, maxLength: 20 }),
        fc.constantFrom(1, 2, 3),
        fc.constantFrom(0.001, 0.01, 1),
        fc.integer({ min: 0, max: 40 }),
        (raw, rawBounds, digits, resolution, steps) => {
          const values = raw.map((v) => v / 1000);
          const bounds = rawBounds.map((b) => b / 1000).sort((a, b) => a - b);
          const clock = new ManualClock({ monotonicMs: 1_000_000 });
          const registry = new Registry({ clock });
          const h = registry.histogram('h', { buckets: bounds, significantDigits: digits, resolution });
          recordSpread(clock, (v) => { h.record(v); }, values, steps);
          const read = h.lifetimeBuckets()!;
          expect(read.count).toBe(values.length);
          expect(read.count).toBe(h.count);
          bounds.forEach((b, i) => {
            const got = read.cumulative[i]!;
            // Never more than the values recorded at or below b, as HDR units: b and the values
            // are rounded alike, so up to half a resolution above b (a whole one when b is not
            // a multiple of the resolution) ...
            const slack = Number.isInteger(Math.round(b / resolution * 1e6) / 1e6) ? resolution / 2 : resolution;
            expect(got).toBeLessThanOrEqual(countAtMost(values, b + slack));
            // ... never fewer than those below the HDR bucket that straddles b.
            expect(got).toBeGreaterThanOrEqual(countAtMost(values, b - edgeWidth(b, resolution, digits)));
            if (i > 0) expect(got).toBeGreaterThanOrEqual(read.cumulative[i - 1]!);
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('are exact where HDR buckets are one resolution unit wide', () => {
    const registry = new Registry();
    const h = registry.histogram('small', { buckets: [1, 2, 100, 255], resolution: 1 });
    const values = [0, 1, 1, 2, 3, 50, 100, 101, 254, 255, 256];
    for (const v of values) h.record(v);
    const read = h.lifetimeBuckets()!;
    expect([...read.cumulative]).toEqual([1, 2, 100, 255].map((b) => countAtMost(values, b)));
    expect(read.count).toBe(values.length);
  });

  it('never go down while slices rotate out of the window, and cover the whole life', () => {
    const clock = new ManualClock({ monotonicMs: 0 });
    const registry = new Registry({ clock });
    const t = registry.timer('t', { buckets: 'prometheus' });
    let last: ArrayLike<number> = new Float64Array(11);
    for (let step = 0; step < 100; step++) {
      t.update(step % 20);
      clock.advance(7_000);
      const read = t.lifetimeBuckets()!;
      for (let i = 0; i < last.length; i++) expect(read.cumulative[i]).toBeGreaterThanOrEqual(last[i]!);
      last = read.cumulative;
      expect(read.count).toBe(step + 1);
    }
    // 'prometheus' for a timer: 5 ms to 10 s, in ms.
    expect(t.lifetimeBuckets()!.bounds).toEqual(PROMETHEUS_DEFAULT_BUCKETS.map((s) => Math.round(s * 1000)));
  });
});

describe('native buckets', () => {
  it('hold every value, each in its native bucket or the next (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5_000_000 }), { maxLength: 300 }),
        fc.constantFrom(1, 2, 3),
        fc.integer({ min: 0, max: 30 }),
        (raw, digits, steps) => {
          const values = raw.map((v) => v / 1000);
          const clock = new ManualClock({ monotonicMs: 0 });
          const registry = new Registry({ clock });
          const t = registry.timer('t', { nativeHistogram: true, significantDigits: digits });
          recordSpread(clock, (v) => { t.update(v); }, values, steps);
          const native = t.lifetimeBuckets()!.native!;
          expect(native.schema).toBe(Math.min(8, halfMagnitude(digits) - 1));
          const total = native.zeroCount + native.counts.reduce((a, c) => a + c, 0);
          expect(total).toBe(values.length);
          // Cumulative count at each upper bound u_k (in seconds): between the values below
          // u_k minus the HDR edge and those at most u_k plus half a resolution.
          let running = native.zeroCount;
          expect([...native.indexes]).toEqual([...native.indexes].sort((a, b) => a - b));
          expect(new Set(native.indexes).size).toBe(native.indexes.length);
          for (let i = 0; i < native.counts.length; i++) {
            expect(native.counts[i]).toBeGreaterThan(0);
            running += native.counts[i]!;
            const upperMs = 2 ** (native.indexes[i]! / 2 ** native.schema) * 1000;
            expect(running).toBeLessThanOrEqual(countAtMost(values, upperMs + 0.0005));
            expect(running).toBeGreaterThanOrEqual(countAtMost(values, upperMs - edgeWidth(upperMs, 0.001, digits)));
          }
          expect(native.zeroCount).toBe(values.filter((v) => v < 0.0005).length);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('options', () => {
  it('reject bad buckets with a coded error', () => {
    const registry = new Registry();
    for (const buckets of [[], [2, 1], [1, 1], [-1], [Number.NaN], 'latency', [Number.POSITIVE_INFINITY]]) {
      expect(() => registry.histogram('bad', { buckets: buckets as number[] })).toThrow(
        expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }),
      );
    }
  });

  it('take the registry defaults, and conflict on different buckets', () => {
    const registry = new Registry({ buckets: 'prometheus', nativeHistograms: true });
    const t = registry.timer('a');
    expect(t.lifetimeBuckets()?.bounds).toHaveLength(11);
    expect(t.lifetimeBuckets()?.native?.schema).toBe(6);
    expect(registry.histogram('none', { buckets: 'none', nativeHistogram: false }).lifetimeBuckets()).toBeNull();
    expect(registry.timer('a', { tags: { x: 'y' } })).not.toBe(t);
    expect(() => registry.timer('a', { buckets: [1, 2] })).toThrow(expect.objectContaining({ code: ErrorCodes.OPTIONS_CONFLICT }));
    expect(registry.timer('a', { buckets: 'prometheus' })).toBe(t);
    expect(new Registry().timer('plain').lifetimeBuckets()).toBeNull();
  });
});
