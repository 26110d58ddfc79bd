import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameReader } from '../../src/cluster/framing.js';

describe('FrameReader', () => {
  it('gives back every frame whatever the chunking, and skips oversized ones in step', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 200 }), { maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1 }), (texts, cuts) => {
        const got: string[] = [];
        const oversized: number[] = [];
        const reader = new FrameReader(100, (t) => got.push(t.toString('utf8')), (n) => oversized.push(n));
        const bytes = Buffer.concat(texts.map((t) => encodeFrame(t)));
        let at = 0;
        for (let i = 0; at < bytes.length; i++) {
          const n = cuts[i % cuts.length]!;
          reader.push(bytes.subarray(at, at + n));
          at += n;
        }
        const fits = texts.filter((t) => Buffer.byteLength(t) <= 100);
        expect(got).toEqual(fits);
        expect(oversized).toHaveLength(texts.length - fits.length);
        expect(reader.buffered).toBe(0);
      }),
    );
  });
});
