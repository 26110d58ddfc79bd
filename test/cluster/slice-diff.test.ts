import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock, Registry } from '../../src/index.js';
import { bucketScale, sliceDiff } from '../../src/cluster/slice-diff.js';

describe('sliceDiff', () => {
  it('is exact for count, sum, moments and buckets; min and max stay within the added values\u2019 buckets and the slice', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e5, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.array(fc.double({ min: 0, max: 1e5, noNaN: true }), { minLength: 1, maxLength: 200 }),
        (before, added) => {
          const h = new Registry({ clock: new ManualClock() }).histogram('h');
          const d = h.distribution;
          for (const v of before) h.record(v);
          const b = d.window.sliceDeltas(d.currentTick())[0]!.delta;
          for (const v of added) h.record(v);
          const now = d.window.sliceDeltas(d.currentTick())[0]!.delta;
          const diff = sliceDiff(now, b, bucketScale(2, 0.001))!;
          const solo = new Registry({ clock: new ManualClock() }).histogram('solo');
          for (const v of added) solo.record(v);
          const want = solo.distribution.window.sliceDeltas(0)[0]!.delta;
          expect(diff.count).toBe(added.length);
          expect(Array.from(diff.indexes)).toEqual(Array.from(want.indexes));
          expect(Array.from(diff.counts)).toEqual(Array.from(want.counts));
          const lo = Math.min(...added);
          const hi = Math.max(...added);
          // Never outside what the slice holds; within one bucket (1%) of the added values' extremes.
          expect(diff.min).toBeGreaterThanOrEqual(now.min);
          expect(diff.max).toBeLessThanOrEqual(now.max);
          expect(diff.min).toBeLessThanOrEqual(lo + 1e-9);
          expect(diff.max).toBeGreaterThanOrEqual(hi - 1e-9);
          expect(lo - diff.min).toBeLessThanOrEqual(lo * 0.01 + 0.001);
          expect(diff.max - hi).toBeLessThanOrEqual(hi * 0.01 + 0.001);
          if (lo < Math.min(...before)) expect(diff.min).toBe(lo);
          if (hi > Math.max(...before)) expect(diff.max).toBe(hi);
        },
      ),
    );
  });

  it('is null when nothing was added', () => {
    const h = new Registry({ clock: new ManualClock() }).histogram('h');
    h.record(1);
    const s = h.distribution.window.sliceDeltas(0)[0]!.delta;
    expect(sliceDiff(s, s, bucketScale(2, 0.001))).toBeNull();
  });
});
