/**
 * The statistics of a window of histogram slices: exact count, sum, min and max; mean
 * and standard deviation from exact per-slice moments; and every quantile in one pass
 * over the merged HDR counts.
 *
 * Each slice keeps a summary of {@link SUMMARY_FIELDS} doubles in one {@link Summary} array
 * (its count, sum, min, max, and the moments around its first value), written by
 * {@link addToSummary} as values are recorded and read here.
 *
 * Pure maths: no state, no clock.
 *
 * @see https://en.wikipedia.org/wiki/Algorithms_for_calculating_variance#Parallel_algorithm
 * @module
 */

import { BLOCK_SHIFT, bucketMidpoint, type Counts } from './hdr-layout.js';
import { momentsAround, type SliceDelta } from './slice-delta.js';

/**
 * The statistics of the values in a window. Every field but `count` and `sum` is `null`
 * when the window holds no value: an idle window is empty, never stale and never 0.
 */
export type WindowStatistics = {
  /** Values in the window. */
  readonly count: number;
  /** Sum of the values in the window (exact double sum). */
  readonly sum: number;
  /** Smallest value (exact). */
  readonly min: number | null;
  /** Largest value (exact). */
  readonly max: number | null;
  /** Arithmetic mean (from the exact sum). */
  readonly mean: number | null;
  /** Population standard deviation (from exact per-slice moments). */
  readonly stddev: number | null;
  /** Median. */
  readonly p50: number | null;
  /** 75th percentile. */
  readonly p75: number | null;
  /** 95th percentile. */
  readonly p95: number | null;
  /** 98th percentile. */
  readonly p98: number | null;
  /** 99th percentile. */
  readonly p99: number | null;
  /** 99.9th percentile. */
  readonly p999: number | null;
};

/** The statistics of an empty window. */
export const EMPTY_WINDOW: WindowStatistics = Object.freeze({
  count: 0, sum: 0, min: null, max: null, mean: null, stddev: null,
  p50: null, p75: null, p95: null, p98: null, p99: null, p999: null,
});

/** Quantiles every histogram reports, as thousandths (exact integer rank arithmetic). */
const QUANTILE_PERMILLE = [500, 750, 950, 980, 990, 999] as const;

// The fields of one slice's summary, at offsets from the slice's base. The recording
// hot path reads these module-local constants: V8 folds them, while an exported binding
// is a load from its module cell on every use (measured: 10% on histogram.record).
const COUNT = 0;
const SUM = 1;
const MIN = 2;
const MAX = 3;
const SHIFT = 4;
const S1 = 5;
const S2 = 6;
const SLICE = 7;

/** Offset of the values in the slice. */
export const S_COUNT = COUNT;
/** Offset of their exact double sum. */
export const S_SUM = SUM;
/** Offset of the smallest value. */
export const S_MIN = MIN;
/** Offset of the largest value. */
export const S_MAX = MAX;
/** Offset of the shift the moments are taken around: the slice's first value. */
export const S_SHIFT = SHIFT;
/** Offset of the sum of `value - shift`. */
export const S_S1 = S1;
/** Offset of the sum of `(value - shift)^2`. */
export const S_S2 = S2;
/** Offset of the slice of time the summary belongs to (kept by the ring, read by nothing here). */
export const S_SLICE = SLICE;
/** Doubles per slice summary. */
export const SUMMARY_FIELDS = 8;

/**
 * The summaries of a window's slices, {@link SUMMARY_FIELDS} doubles each. Histograms
 * keep a plain array of doubles (small typed arrays cost ~180 bytes of header each).
 */
export type Summary = { [index: number]: number; readonly length: number };

/** New summaries for `slices` slices, all empty and assigned to no slice. */
export function newSummary(slices: number): number[] {
  const summary = new Array<number>(slices * SUMMARY_FIELDS).fill(0.5);
  for (let s = 0; s < slices; s++) resetSummary(summary, s * SUMMARY_FIELDS, -Infinity);
  return summary;
}

/** Adds one value to the summary at `base` (the recording hot path: no allocation). */
export function addToSummary(summary: Summary, base: number, value: number): void {
  if (summary[base + COUNT] === 0) {
    summary[base + SHIFT] = value;
    summary[base + MIN] = value;
    summary[base + MAX] = value;
  } else if (value < summary[base + MIN]!) summary[base + MIN] = value;
  else if (value > summary[base + MAX]!) summary[base + MAX] = value;
  summary[base + COUNT]! += 1;
  summary[base + SUM]! += value;
  const d = value - summary[base + SHIFT]!;
  summary[base + S1]! += d;
  summary[base + S2]! += d * d;
}

/**
 * Adds a whole {@link SliceDelta}'s summary to the summary at `base` (merging state from
 * another histogram: exact count, sum, min and max; moments re-taken around this
 * summary's shift).
 */
export function mergeIntoSummary(summary: Summary, base: number, delta: SliceDelta): void {
  if (delta.count === 0) return;
  if (summary[base + COUNT] === 0) {
    summary[base + SHIFT] = delta.shift;
    summary[base + MIN] = delta.min;
    summary[base + MAX] = delta.max;
  } else {
    if (delta.min < summary[base + MIN]!) summary[base + MIN] = delta.min;
    if (delta.max > summary[base + MAX]!) summary[base + MAX] = delta.max;
  }
  const [s1, s2] = momentsAround(delta, summary[base + SHIFT]!);
  summary[base + COUNT]! += delta.count;
  summary[base + SUM]! += delta.sum;
  summary[base + S1]! += s1;
  summary[base + S2]! += s2;
}

/** Empties the summary at `base` and assigns it to `slice`. */
export function resetSummary(summary: Summary, base: number, slice: number): void {
  summary[base + COUNT] = 0;
  summary[base + SUM] = 0;
  summary[base + MIN] = 0;
  summary[base + MAX] = 0;
  summary[base + SHIFT] = 0;
  summary[base + S1] = 0;
  summary[base + S2] = 0;
  summary[base + SLICE] = slice;
}

/** The live slices of a window, as the windowed histogram hands them over. */
export type WindowSlices = {
  /** The slice summaries. */
  readonly summary: Summary;
  /** The slots (summary index) of the live slices that hold values. */
  readonly slots: readonly number[];
  /** The HDR counts of those slices that have them, in any order. */
  readonly counts: readonly Counts[];
  /** The block sums of the same counts, in the same order. */
  readonly blocks: readonly Float64Array[];
  /**
   * Or, instead of counts, the bucket index of every value of the live slices, sorted
   * ascending (the sparse form: one index per value; the first `count` entries are read).
   */
  readonly sorted?: ArrayLike<number> | null;
  /** `2 ** halfMagnitude` of the histograms' precision. */
  readonly halfCount: number;
  /** Values are stored as integers `round(value * scale)`. */
  readonly scale: number;
};

/**
 * Every statistic of a window, in one pass over its slices. Quantiles are the middle of
 * the HDR bucket holding the exact nearest-rank value, clamped to the exact min and max.
 */
export function windowStatistics(window: WindowSlices): WindowStatistics {
  const { summary: st, slots } = window;
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const s of slots) {
    const b = s * SUMMARY_FIELDS;
    count += st[b + COUNT]!;
    sum += st[b + SUM]!;
    if (st[b + MIN]! < min) min = st[b + MIN]!;
    if (st[b + MAX]! > max) max = st[b + MAX]!;
  }
  if (count === 0) return EMPTY_WINDOW;
  const mean = sum / count;
  const stddev = Math.sqrt(secondMoment(st, slots, count) / count);
  const q = quantiles(window, count, min, max);
  return {
    count, sum, min, max, mean, stddev,
    p50: q[0]!, p75: q[1]!, p95: q[2]!, p98: q[3]!, p99: q[4]!, p999: q[5]!,
  };
}

/**
 * The sum of squared deviations from the mean of the window: Chan et al.'s parallel
 * combination of per-slice second moments, each taken around its own shift (the slice's
 * first value), and combined around the first slice's shift rather than around
 * `sum / count`: the rounding of a large sum (values near 1e9) would otherwise weigh on
 * a small spread.
 */
function secondMoment(st: Summary, slots: readonly number[], count: number): number {
  const ref = st[slots[0]! * SUMMARY_FIELDS + SHIFT]!;
  let offset = 0;
  for (const s of slots) {
    const b = s * SUMMARY_FIELDS;
    offset += st[b + COUNT]! * (st[b + SHIFT]! - ref) + st[b + S1]!;
  }
  offset /= count;
  let m2 = 0;
  for (const s of slots) {
    const b = s * SUMMARY_FIELDS;
    const n = st[b + COUNT]!;
    const s1 = st[b + S1]!;
    const d = st[b + SHIFT]! - ref + s1 / n - offset;
    m2 += Math.max(0, st[b + S2]! - (s1 * s1) / n) + n * d * d;
  }
  return m2;
}

/**
 * One pass over the merged block sums yields every quantile (nearest rank): blocks that
 * end before the next rank are added whole, so only the block holding each rank is
 * walked bucket by bucket.
 */
function quantiles(window: WindowSlices, count: number, min: number, max: number): number[] {
  const { counts, blocks, halfCount, scale } = window;
  const out: number[] = [];
  const sorted = window.sorted;
  if (sorted != null) {
    // The value of rank r is in the bucket of the r-th smallest index (one per value).
    for (const p of QUANTILE_PERMILLE) {
      const rank = Math.max(1, Math.ceil((p * count) / 1000));
      const value = bucketMidpoint(sorted[rank - 1]!, halfCount) / scale;
      out.push(value < min ? min : value > max ? max : value);
    }
    return out;
  }
  const ranks = QUANTILE_PERMILLE.map((p) => Math.max(1, Math.ceil((p * count) / 1000)));
  let nBlocks = 0;
  for (const bl of blocks) if (bl.length > nBlocks) nBlocks = bl.length;
  const single = counts.length === 1 ? counts[0]! : null;
  let cumulative = 0;
  let j = 0;
  let next = ranks[0]!;
  for (let b = 0; b < nBlocks; b++) {
    let sum = 0;
    for (const bl of blocks) if (b < bl.length) sum += bl[b]!;
    if (cumulative + sum < next) {
      cumulative += sum;
      continue;
    }
    const end = (b + 1) << BLOCK_SHIFT;
    for (let i = b << BLOCK_SHIFT; i < end; i++) {
      let c = 0;
      if (single !== null) c = i < single.length ? single[i]! : 0;
      else for (const a of counts) if (i < a.length) c += a[i]!;
      if (c === 0) continue;
      cumulative += c;
      while (cumulative >= next) {
        const value = bucketMidpoint(i, halfCount) / scale;
        out.push(value < min ? min : value > max ? max : value);
        if (++j === ranks.length) return out;
        next = ranks[j]!;
      }
    }
  }
  return out;
}
