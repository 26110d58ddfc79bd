/**
 * The bucket layout of an HDR histogram, as `hdr-histogram-js` lays out its counts with
 * `lowestDiscernibleValue = 1` (unit magnitude 0): which counts-array index holds an
 * integer, and which integers an index covers. The windowed histogram writes the counts
 * of `hdr-histogram-js` histograms directly, so it must agree with the library index for
 * index; a property test checks it against `countsArrayIndex()` for every precision.
 *
 * Counts are grouped in blocks of {@link BLOCK} consecutive buckets whose sums are kept
 * beside the counts, so that a read finds the block holding a rank without walking every
 * bucket.
 *
 * Pure maths: no state, no clock.
 *
 * @see https://github.com/HdrHistogram/HdrHistogramJS/blob/master/src/JsHistogram.ts
 * @module
 */

/** The counts of a histogram: 16-bit, 32-bit or float64, widened as they grow. */
export type Counts = Uint16Array | Uint32Array | Float64Array;

/** log2 of {@link BLOCK}. */
export const BLOCK_SHIFT = 6;

/** Buckets per block (a power of two): reads walk blocks, then at most one block per quantile. */
export const BLOCK = 1 << BLOCK_SHIFT;

const TWO_POW_32 = 4_294_967_296;

/** The block sums array for a counts array of `countsLength` buckets. */
export function blocksFor(countsLength: number): Float64Array {
  return new Float64Array(Math.ceil(countsLength / BLOCK));
}

/**
 * log2 of half the sub-buckets per bucket for a precision of `significantDigits`:
 * sub-buckets of `2^(halfMagnitude + 1)` resolve values to `10^-significantDigits`.
 *
 * @param significantDigits - 1 to 5.
 */
export function halfMagnitude(significantDigits: number): number {
  const subBucketCountMagnitude = Math.ceil(Math.log2(2 * 10 ** significantDigits));
  return Math.max(subBucketCountMagnitude, 1) - 1;
}

/**
 * The counts-array index of the integer `x >= 0` (below 2^53).
 *
 * @param x - the integer.
 * @param halfMag - {@link halfMagnitude} of the precision.
 * @param halfCount - `2 ** halfMag`.
 */
export function bucketIndex(x: number, halfMag: number, halfCount: number): number {
  if (x < 0x8000_0000) {
    const log2 = 31 - Math.clz32(x);
    if (log2 <= halfMag) return x;
    const bucket = log2 - halfMag;
    return (bucket << halfMag) + (x >>> bucket);
  }
  const hi = Math.floor(x / TWO_POW_32);
  const log2 = hi === 0 ? 31 : 63 - Math.clz32(hi);
  const bucket = log2 - halfMag;
  return bucket * halfCount + Math.floor(x / 2 ** bucket);
}

/**
 * The lowest integer the bucket at `index` holds.
 *
 * @param index - a counts-array index.
 * @param halfCount - `2 ** halfMagnitude` of the precision.
 */
export function bucketLowest(index: number, halfCount: number): number {
  let bucket = Math.floor(index / halfCount) - 1;
  let sub = (index % halfCount) + halfCount;
  if (bucket < 0) {
    sub -= halfCount;
    bucket = 0;
  }
  return sub * 2 ** bucket;
}

/**
 * How many consecutive integers the bucket at `index` holds.
 *
 * @param index - a counts-array index.
 * @param halfCount - `2 ** halfMagnitude` of the precision.
 */
export function bucketWidth(index: number, halfCount: number): number {
  const bucket = Math.floor(index / halfCount) - 1;
  return bucket <= 0 ? 1 : 2 ** bucket;
}

/**
 * The middle of the bucket at `index`, in integer units (`lowest + (width - 1) / 2`): the
 * value a quantile falling in this bucket is reported as, within half a bucket of the
 * exact value.
 */
export function bucketMidpoint(index: number, halfCount: number): number {
  const bucket = Math.floor(index / halfCount) - 1;
  // The first two half-buckets hold one integer each, the integer equal to the index.
  if (bucket <= 0) return index;
  const width = 2 ** bucket;
  return ((index % halfCount) + halfCount) * width + (width - 1) / 2;
}
