/**
 * Lifetime bucket counts of a histogram or timer with `buckets` or `nativeHistogram`:
 * what the HDR slices held when they left the window, folded into classic and native
 * buckets through the shared {@link BucketLayout}, plus the live slices at read time.
 * Nothing happens on `record()`: a slice is folded in once, when it leaves the window,
 * at one table look-up per non-empty HDR bucket. The counts never go down, and they
 * always add up to the metric's lifetime `count`.
 *
 * @module
 * @internal
 */

import type { BucketSink } from '../stats/slice-delta.js';
import type { WindowedHistogram } from '../stats/windowed-histogram.js';
import type { BucketLayout } from './buckets.js';

/** A native histogram's buckets, as read (`PrometheusSeries.buckets.native`). */
export type NativeBucketsRead = {
  /** The schema: `2^schema` buckets per power of two. */
  readonly schema: number;
  /** Values at or below this (in the exposed unit) are in the zero bucket. */
  readonly zeroThreshold: number;
  /** Values in the zero bucket. */
  readonly zeroCount: number;
  /** The native indexes of the non-empty buckets, ascending (bucket `k` holds `(2^((k-1)/2^schema), 2^(k/2^schema)]`). */
  readonly indexes: Int32Array;
  /** The count of each bucket of `indexes` (not cumulative). */
  readonly counts: Float64Array;
};

/**
 * A histogram's or timer's lifetime buckets, as read at one moment (`PrometheusSeries.buckets`):
 * what the Prometheus formats write as a histogram.
 */
export type LifetimeBucketsRead = {
  /** Classic upper bounds in the metric's unit (milliseconds for timers), ascending; empty for none. */
  readonly bounds: readonly number[];
  /** Values at or below each bound (cumulative), one per bound. */
  readonly cumulative: Float64Array;
  /** Every value counted: the `+Inf` bucket. */
  readonly count: number;
  /** The native buckets, or `null` without `nativeHistogram`. */
  readonly native: NativeBucketsRead | null;
  /** Whether the window summary is wanted too. */
  readonly summary: boolean;
  /** Metric units per exposed unit (1000 for timers). */
  readonly divisor: number;
};

const EMPTY = new Float64Array(0);

/**
 * The lifetime buckets of one metric: a sink its window tells of every slice that
 * leaves, and the read that adds the live slices.
 *
 * @internal
 */
export class LifetimeBuckets implements BucketSink {
  readonly layout: BucketLayout;
  /** Per classic slot (the last is above every bound), not cumulative. */
  readonly #classic: Float64Array;
  #zero = 0;
  /** Native counts from native index `#low`; allocated with the first value above zero. */
  #native: Float64Array<ArrayBuffer> = EMPTY;
  #low = 0;
  #used = 0;

  constructor(layout: BucketLayout) {
    this.layout = layout;
    this.#classic = new Float64Array(layout.bounds.length === 0 ? 1 : layout.bounds.length + 1);
  }

  /** `count` more values in HDR bucket `index` (a slice leaving the window). */
  add(index: number, count: number): void {
    const layout = this.layout;
    if (layout.bounds.length > 0) this.#classic[layout.classicSlot(index)]! += count;
    else this.#classic[0]! += count;
    if (layout.schema === null) return;
    if (index === 0) this.#zero += count;
    else this.#addNative(layout.nativeIndex(index), count);
  }

  #addNative(key: number, count: number): void {
    if (this.#used === 0) {
      if (this.#native.length === 0) this.#native = new Float64Array(16);
      this.#low = key;
      this.#used = 1;
    } else if (key < this.#low) {
      const by = this.#low - key;
      this.#fit(this.#used + by);
      this.#native.copyWithin(by, 0, this.#used);
      this.#native.fill(0, 0, by);
      this.#low = key;
      this.#used += by;
    } else if (key >= this.#low + this.#used) {
      this.#fit(key - this.#low + 1);
      this.#used = key - this.#low + 1;
    }
    this.#native[key - this.#low]! += count;
  }

  /** Makes the native array hold `n` buckets, doubling. */
  #fit(n: number): void {
    if (this.#native.length >= n) return;
    const grown = new Float64Array(Math.max(n, this.#native.length * 2));
    grown.set(this.#native.subarray(0, this.#used));
    this.#native = grown;
  }

  /** Bytes held by the counts (for memory accounting in docs and tests). */
  get countsBytes(): number {
    return this.#classic.byteLength + this.#native.byteLength;
  }

  /**
   * Every value since creation, in buckets: what left the window plus the live slices
   * of `window` at `tick` (`null`: a metric that never had a window). Leaves this accumulator as it was (a slice that expires
   * during the read is folded in first, as always). Allocates the result only, sized to
   * what it holds: the native buckets come back sparse.
   */
  read(window: WindowedHistogram | null, tick: number): LifetimeBucketsRead {
    const layout = this.layout;
    const n = layout.bounds.length;
    const classicLive = new Float64Array(this.#classic.length);
    const native = layout.schema !== null;
    let liveLength = 0;
    let liveZero = 0;
    // visitBuckets first folds expired slices into `this`, then visits the live ones, lowest first.
    window?.visitBuckets(tick, (_midpoint, count, index) => {
      classicLive[n === 0 ? 0 : layout.classicSlot(index)]! += count;
      if (!native) return;
      if (index === 0) {
        liveZero += count;
        return;
      }
      const key = layout.nativeIndex(index);
      if (liveLength > 0 && liveKeys[liveLength - 1] === key) liveCounts[liveLength - 1]! += count;
      else {
        if (liveLength === liveKeys.length) growScratch();
        liveKeys[liveLength] = key;
        liveCounts[liveLength++] = count;
      }
    });
    const cumulative = new Float64Array(n);
    let running = 0;
    for (let i = 0; i < n; i++) {
      running += this.#classic[i]! + classicLive[i]!;
      cumulative[i] = running;
    }
    const last = this.#classic.length - 1;
    const count = running + this.#classic[last]! + classicLive[last]!;
    const nativeRead: NativeBucketsRead | null = native
      ? {
          schema: layout.schema,
          zeroThreshold: layout.zeroThreshold,
          zeroCount: this.#zero + liveZero,
          ...this.#mergeSparse(liveLength),
        }
      : null;
    return { bounds: layout.bounds, cumulative, count, native: nativeRead, summary: layout.summary, divisor: layout.divisor };
  }

  /** The non-empty native buckets of the accumulator and the first `liveLength` live ones (both ascending), merged. */
  #mergeSparse(liveLength: number): { indexes: Int32Array; counts: Float64Array } {
    const acc = this.#native;
    const used = this.#used;
    let nonEmpty = 0;
    for (let i = 0; i < used; i++) if (acc[i]! > 0) nonEmpty++;
    const indexes = new Int32Array(nonEmpty + liveLength);
    const counts = new Float64Array(nonEmpty + liveLength);
    let out = 0;
    let i = 0;
    let j = 0;
    for (;;) {
      while (i < used && acc[i] === 0) i++;
      const a = i < used ? this.#low + i : Number.POSITIVE_INFINITY;
      const b = j < liveLength ? liveKeys[j]! : Number.POSITIVE_INFINITY;
      if (a === Number.POSITIVE_INFINITY && b === Number.POSITIVE_INFINITY) break;
      if (a <= b) {
        indexes[out] = a;
        counts[out] = acc[i++]! + (a === b ? liveCounts[j++]! : 0);
      } else {
        indexes[out] = b;
        counts[out] = liveCounts[j++]!;
      }
      out++;
    }
    return { indexes: indexes.subarray(0, out), counts: counts.subarray(0, out) };
  }
}

/** Scratch of one read's live native buckets (reads are synchronous: one scratch serves them all). */
let liveKeys = new Int32Array(256);
let liveCounts = new Float64Array(256);

function growScratch(): void {
  const keys = new Int32Array(liveKeys.length * 2);
  keys.set(liveKeys);
  const counts = new Float64Array(liveCounts.length * 2);
  counts.set(liveCounts);
  liveKeys = keys;
  liveCounts = counts;
}
