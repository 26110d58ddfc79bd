/**
 * HDR bucket counts to OpenTelemetry exponential histogram buckets.
 *
 * An exponential histogram of scale `s` splits every power of two into `2^s` buckets;
 * bucket `i` holds the values in `(base^i, base^(i+1)]`, `base = 2^(2^-s)`
 * (https://opentelemetry.io/docs/specs/otel/metrics/data-model/#exponentialhistogram).
 * An HDR histogram of `significantDigits` d splits every power of two (above its
 * linear first bucket) into `2^h` linear buckets, `h = ceil(log2(2 * 10^d)) - 1`
 * (h = 7 for d = 2: 128 buckets, each at most 1/128 of its value wide).
 *
 * ## Scale
 * The starting scale is `h - 1`, the finest whose buckets are all at least as wide as
 * the widest HDR bucket (scale 6, buckets 1.09% wide, for 2 digits; 9 for 3 digits;
 * 3 for 1 digit), so no exponential bucket claims a precision the HDR counts do not
 * have. It is lowered (each step merges pairs of buckets, exactly) until the buckets
 * from the lowest to the highest non-empty one fit in `maxBuckets` (160 by default, as
 * the OpenTelemetry SDK). It never goes below -10 or above 20.
 *
 * ## Error bound
 * Each HDR bucket's count goes to the exponential bucket holding the HDR bucket's
 * midpoint. A value `v` recorded with resolution `r` lies within `2^-(h+1) * v + r/2` of
 * that midpoint (0.39% of v + r/2 for 2 digits), so it is counted in the bucket that
 * holds it, or in a neighbour when it lies that close to a bucket boundary. Counts are
 * exact in total (`zeroCount` plus the bucket counts equals `count`); `sum`, `min` and
 * `max` come exact from the metric. Values below `r/2` were recorded as 0: they are
 * in `zeroCount`, and `zeroThreshold` is `r/2` (in the exported unit).
 *
 * @module
 */

/** The finest scale OTLP allows. */
export const MAX_SCALE = 20;
/** The coarsest scale OTLP allows. */
export const MIN_SCALE = -10;
/** The default bound on buckets per data point (the OpenTelemetry SDK's `maxSize`). */
export const DEFAULT_MAX_BUCKETS = 160;

const float = new Float64Array(1);
const words = new Uint32Array(float.buffer);
/** Index of the high 32-bit word of a double in `words` (little- or big-endian platforms). */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

/**
 * The index of the bucket holding `value` (a finite number > 0, not subnormal) at
 * `scale`: the bucket `i` with `base^i < value <= base^(i+1)`. Exact powers of two are
 * placed exactly; other values through a logarithm, as the specification recommends.
 */
export function bucketIndex(value: number, scale: number): number {
  float[0] = value;
  const hi = words[HI]!;
  const exponent = ((hi >>> 20) & 0x7ff) - 1023;
  const powerOfTwo = (hi & 0xf_ffff) === 0 && words[LO] === 0;
  if (scale <= 0) return (powerOfTwo ? exponent - 1 : exponent) >> -scale;
  if (powerOfTwo) return (exponent << scale) - 1;
  return Math.floor(Math.log(value) * Math.LOG2E * 2 ** scale);
}

/** The lower boundary of bucket `index` at `scale`: `2^(index / 2^scale)`. */
export function bucketLowerBoundary(index: number, scale: number): number {
  return 2 ** (index * 2 ** -scale);
}

/**
 * The starting scale for an HDR histogram with `2^octaveMagnitude` buckets per power
 * of two (see the module documentation).
 */
export function scaleForPrecision(octaveMagnitude: number): number {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, octaveMagnitude - 1));
}

/**
 * Positive buckets of an exponential histogram, built from HDR buckets (or single
 * values), lowering its scale as needed to stay within `maxBuckets`. Also keeps count,
 * sum, min and max. Reused: {@link ExponentialBuckets.reset} empties it for a new
 * delta interval; left as it is, it accumulates (cumulative temporality). Holds one
 * `Float64Array` of counts, allocated with the first value and grown by doubling as the
 * range of values widens, never beyond `maxBuckets` (8 bytes each).
 */
export class ExponentialBuckets {
  readonly #startScale: number;
  readonly #maxBuckets: number;
  #scale: number;
  /** The bucket index of `#counts[0]` at the current scale; the used range is `[#low, #high]`. */
  #low = 0;
  #high = -1;
  #counts: Float64Array | null = null;
  /** Values of zero (below half the resolution). */
  zeroCount = 0;
  /** Values recorded. */
  count = 0;
  /** Their sum. */
  sum = 0;
  /** The smallest value (`Infinity` while empty). */
  min = Number.POSITIVE_INFINITY;
  /** The largest value (`-Infinity` while empty). */
  max = Number.NEGATIVE_INFINITY;

  /**
   * @param startScale - the finest scale (see {@link scaleForPrecision}).
   * @param maxBuckets - the most buckets from the lowest to the highest non-empty one (>= 2).
   */
  constructor(startScale: number, maxBuckets = DEFAULT_MAX_BUCKETS) {
    this.#startScale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, startScale));
    this.#scale = this.#startScale;
    this.#maxBuckets = Math.max(2, maxBuckets);
  }

  /** The current scale. */
  get scale(): number {
    return this.#scale;
  }

  /** The index of the first bucket of {@link counts}. */
  get offset(): number {
    return this.#high < this.#low ? 0 : this.#low;
  }

  /** The bucket counts from {@link offset} on (a view, valid until the next change). */
  get counts(): Float64Array {
    return this.#counts === null || this.#high < this.#low
      ? EMPTY
      : this.#counts.subarray(0, this.#high - this.#low + 1);
  }

  /** Empties the buckets and the statistics and goes back to the starting scale (keeps the array). */
  reset(): void {
    if (this.#counts !== null && this.#high >= this.#low) this.#counts.fill(0, 0, this.#high - this.#low + 1);
    this.#scale = this.#startScale;
    this.#low = 0;
    this.#high = -1;
    this.zeroCount = 0;
    this.count = 0;
    this.sum = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
  }

  /**
   * Adds `count` values at `value` (an HDR bucket's midpoint, or one value) to the
   * buckets: 0 goes to `zeroCount`. Does not touch count, sum, min and max (see
   * {@link addStatistics}). Non-finite or negative values are ignored.
   */
  addBucket(value: number, count: number): void {
    if (!(value >= 0) || value === Number.POSITIVE_INFINITY || !(count > 0)) return;
    if (value < MIN_NORMAL) {
      // Zero (or a subnormal, which no HDR midpoint is): the zero bucket.
      this.zeroCount += count;
      return;
    }
    this.addAtIndex(bucketIndex(value, this.#startScale), count);
  }

  /** The starting scale, at which {@link addAtIndex} takes its indexes. */
  get startScale(): number {
    return this.#startScale;
  }

  /**
   * Adds `count` values to the bucket of index `startIndex` at the starting scale (from
   * {@link bucketIndex} or a {@link BucketIndexCache} of that scale).
   */
  addAtIndex(startIndex: number, count: number): void {
    let index = startIndex >> (this.#startScale - this.#scale);
    if (this.#high < this.#low) {
      this.#low = index;
      this.#high = index;
    } else if (index < this.#low || index > this.#high) {
      const low = Math.min(index, this.#low);
      const high = Math.max(index, this.#high);
      let shift = 0;
      while ((high >> shift) - (low >> shift) + 1 > this.#maxBuckets && this.#scale - shift > MIN_SCALE) shift++;
      if (shift > 0) {
        this.#downscale(shift);
        index >>= shift;
      }
      this.#fit(Math.max(index, this.#high) - Math.min(index, this.#low) + 1);
      if (index < this.#low) {
        const counts = this.#counts!;
        const by = this.#low - index;
        counts.copyWithin(by, 0, this.#high - this.#low + 1);
        counts.fill(0, 0, by);
        this.#low = index;
      } else if (index > this.#high) this.#high = index;
    }
    this.#fit(this.#high - this.#low + 1);
    this.#counts![index - this.#low]! += count;
  }

  /** Adds exact statistics of values whose buckets were added with {@link addBucket}. */
  addStatistics(count: number, sum: number, min: number | null, max: number | null): void {
    this.count += count;
    this.sum += sum;
    if (min !== null && min < this.min) this.min = min;
    if (max !== null && max > this.max) this.max = max;
  }

  /** Makes the counts array hold at least `n` buckets (it grows by doubling, up to `maxBuckets`). */
  #fit(n: number): void {
    const counts = this.#counts;
    if (counts !== null && counts.length >= n) return;
    const grown = new Float64Array(Math.min(this.#maxBuckets, Math.max(n, 16, (counts?.length ?? 0) * 2)));
    if (counts !== null) grown.set(counts);
    this.#counts = grown;
  }

  /** Lowers the scale by `shift`, merging each run of `2^shift` buckets (exact: the buckets nest). */
  #downscale(shift: number): void {
    const counts = this.#counts!;
    const low = this.#low;
    const n = this.#high - low + 1;
    const newLow = low >> shift;
    for (let j = 0; j < n; j++) {
      const c = counts[j]!;
      if (c === 0) continue;
      counts[j] = 0;
      counts[((low + j) >> shift) - newLow]! += c;
    }
    this.#low = newLow;
    this.#high = this.#high >> shift;
    this.#scale -= shift;
  }
}

const EMPTY = new Float64Array(0);
const MIN_NORMAL = 2 ** -1022;
const UNKNOWN = 0x7fff_ffff;

/**
 * Remembers the bucket index, at one scale, of each HDR bucket of one layout (one
 * precision, resolution and unit): every histogram of that layout shares the mapping,
 * so its logarithm is computed once per HDR bucket, not once per histogram and report.
 * Holds one `Int32Array` of the HDR buckets seen so far (4 bytes each).
 */
export class BucketIndexCache {
  /** The scale of the indexes. */
  readonly scale: number;
  #table = new Int32Array(0);

  /** @param scale - the scale of the indexes. */
  constructor(scale: number) {
    this.scale = scale;
  }

  /**
   * The bucket index of `value` (> 0), the midpoint of the HDR bucket `key`: computed
   * the first time, remembered after.
   */
  index(key: number, value: number): number {
    let table = this.#table;
    if (key >= table.length) {
      const grown = new Int32Array(Math.max(key + 1, table.length * 2, 256)).fill(UNKNOWN);
      grown.set(table);
      table = this.#table = grown;
    }
    let index = table[key]!;
    if (index === UNKNOWN) {
      index = bucketIndex(value, this.scale);
      table[key] = index;
    }
    return index;
  }
}
