/**
 * What was added to a histogram slice since an earlier state of the same slice: the
 * worker side of cross-process aggregation sends these, never the values themselves.
 *
 * Two states of one slice share its `shift` (the moments are taken around the slice's
 * first value), so count, sum and the moments subtract exactly, and so do the HDR
 * bucket counts. The smallest and largest value added are exact when the slice's own
 * min or max moved (the new extreme is among the new values); otherwise they are bounded
 * by the lowest and highest bucket that grew, clamped to the slice's exact range: never
 * outside the values the slice really holds, and within one bucket of the truth.
 *
 * Pure data: no state, no clock.
 *
 * @module
 * @internal
 */

import { bucketLowest, halfMagnitude } from '../stats/hdr-layout.js';
import type { SliceDelta } from '../stats/slice-delta.js';

/** The HDR layout facts a diff needs to bound min and max: buckets per half octave, and the value of one unit. */
export type BucketScale = {
  /** `2 ** halfMagnitude(significantDigits)`. */
  readonly halfCount: number;
  /** The histogram's resolution: one HDR unit in value units. */
  readonly resolution: number;
};

/** The {@link BucketScale} of a precision and resolution. @internal */
export function bucketScale(significantDigits: number, resolution: number): BucketScale {
  return { halfCount: 2 ** halfMagnitude(significantDigits), resolution };
}

/**
 * `now - before`, for two states of the same slice (`before` earlier). `null` when
 * nothing was added.
 *
 * @internal
 */
export function sliceDiff(now: SliceDelta, before: SliceDelta, scale: BucketScale): SliceDelta | null {
  const count = now.count - before.count;
  if (count <= 0) return null;
  const indexes: number[] = [];
  const counts: number[] = [];
  const bi = before.indexes;
  const bc = before.counts;
  let j = 0;
  for (let i = 0; i < now.indexes.length; i++) {
    const index = now.indexes[i]!;
    while (j < bi.length && bi[j]! < index) j++;
    const old = j < bi.length && bi[j] === index ? bc[j]! : 0;
    const c = now.counts[i]! - old;
    if (c > 0) {
      indexes.push(index);
      counts.push(c);
    }
  }
  let min = now.min;
  let max = now.max;
  if (indexes.length > 0) {
    // Bucket i holds the integers [lowest(i), lowest(i + 1)); a value v is stored as round(v / resolution).
    if (!(now.min < before.min)) {
      const low = (bucketLowest(indexes[0]!, scale.halfCount) - 0.5) * scale.resolution;
      if (low > min) min = Math.min(low, now.max);
    }
    if (!(now.max > before.max)) {
      const high = (bucketLowest(indexes[indexes.length - 1]! + 1, scale.halfCount) - 0.5) * scale.resolution;
      if (high < max) max = Math.max(high, min);
    }
  }
  return {
    count,
    sum: now.sum - before.sum,
    min,
    max,
    shift: now.shift,
    s1: now.s1 - before.s1,
    s2: now.s2 - before.s2,
    indexes,
    counts,
  };
}
