/**
 * The layout-neutral form of a histogram slice's contents, for whatever must move
 * values between histograms without replaying them: cross-process aggregation (a worker
 * ships what its slices hold, the aggregator merges it in) and lifetime accumulators
 * (the buckets of a slice that leaves the window are folded into cumulative counters).
 *
 * A delta is an exact summary (count, sum, min, max and the moments around `shift`)
 * plus the non-empty HDR buckets as parallel arrays of counts-array indexes and counts,
 * at the precision and resolution of the histogram it came from (the receiver checks
 * that they match: indexes mean nothing across layouts).
 *
 * Pure data: no state, no clock.
 *
 * @module
 * @internal
 */

/**
 * What a slice holds (or what was added to it since some earlier state): exact
 * summary plus sparse HDR counts.
 *
 * @internal
 */
export type SliceDelta = {
  /** Values. */
  readonly count: number;
  /** Their exact double sum. */
  readonly sum: number;
  /** The smallest of them (meaningless when `count` is 0). */
  readonly min: number;
  /** The largest of them (meaningless when `count` is 0). */
  readonly max: number;
  /** The value the moments are taken around. */
  readonly shift: number;
  /** The sum of `value - shift`. */
  readonly s1: number;
  /** The sum of `(value - shift)^2`. */
  readonly s2: number;
  /** HDR counts-array indexes of the non-empty buckets, ascending. */
  readonly indexes: ArrayLike<number>;
  /** The count of each bucket in `indexes`. */
  readonly counts: ArrayLike<number>;
};

/**
 * Receives HDR buckets one at a time (lifetime accumulators: the buckets of each slice
 * as it leaves the window).
 *
 * @internal
 */
export interface BucketSink {
  /** `count` more values landed in the HDR bucket at counts-array `index`. */
  add(index: number, count: number): void;
}

/**
 * The moments of `delta` re-taken around `shift`: `[Σ(v - shift), Σ(v - shift)²]`, exact
 * algebra (`Σ(v - a) = s1 + n·(b - a)` for a delta taken around `b`).
 *
 * @internal
 */
export function momentsAround(delta: SliceDelta, shift: number): [number, number] {
  const d = delta.shift - shift;
  const s1 = delta.s1 + delta.count * d;
  const s2 = delta.s2 + 2 * d * delta.s1 + delta.count * d * d;
  return [s1, s2];
}
