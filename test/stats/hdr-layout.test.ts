import fc from 'fast-check';
import { Int16Histogram } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import {
  BLOCK,
  BLOCK_SHIFT,
  blocksFor,
  bucketIndex,
  bucketLowest,
  bucketMidpoint,
  bucketWidth,
  halfMagnitude,
} from '../../src/stats/hdr-layout.js';

const integers = fc.oneof(fc.integer({ min: 0, max: 2 ** 20 }), fc.integer({ min: 0, max: 2 ** 46 }));

describe('HDR layout', () => {
  it('puts every integer in the bucket hdr-histogram-js would (same counts layout)', () => {
    for (const digits of [1, 2, 3, 4, 5]) {
      const halfMag = halfMagnitude(digits);
      const halfCount = 2 ** halfMag;
      const theirs = new Int16Histogram(1, 2, digits);
      theirs.autoResize = true;
      const check = (x: number): void => {
        expect(bucketIndex(x, halfMag, halfCount)).toBe(theirs.countsArrayIndex(x));
      };
      for (let k = 0; k <= 52; k++) {
        for (const d of [-1, 0, 1]) if (2 ** k + d >= 0 && 2 ** k + d <= Number.MAX_SAFE_INTEGER) check(2 ** k + d);
      }
      fc.assert(fc.property(integers, (x) => check(x)), { numRuns: 2000 });
    }
  });

  it('describes each bucket exactly: its lowest integer, its width, and the next bucket after it', () => {
    for (const digits of [1, 2, 3]) {
      const halfMag = halfMagnitude(digits);
      const halfCount = 2 ** halfMag;
      fc.assert(
        fc.property(integers, (x) => {
          const index = bucketIndex(x, halfMag, halfCount);
          const lowest = bucketLowest(index, halfCount);
          const width = bucketWidth(index, halfCount);
          expect(lowest).toBeLessThanOrEqual(x);
          expect(x).toBeLessThan(lowest + width);
          expect(bucketIndex(lowest, halfMag, halfCount)).toBe(index);
          expect(bucketIndex(lowest + width - 1, halfMag, halfCount)).toBe(index);
          expect(bucketIndex(lowest + width, halfMag, halfCount)).toBe(index + 1);
          // The width bounds the relative error of the precision.
          expect((width - 1) / 2).toBeLessThanOrEqual(Math.max(0, lowest) * 10 ** -digits + 0.5);
          const mid = bucketMidpoint(index, halfCount);
          expect(mid).toBeGreaterThanOrEqual(lowest);
          expect(mid).toBeLessThanOrEqual(lowest + width - 1);
        }),
        { numRuns: 1000 },
      );
    }
  });

  it('keeps one block sum per BLOCK buckets', () => {
    expect(BLOCK).toBe(2 ** BLOCK_SHIFT);
    expect(blocksFor(1).length).toBe(1);
    expect(blocksFor(BLOCK).length).toBe(1);
    expect(blocksFor(BLOCK + 1).length).toBe(2);
  });
});
