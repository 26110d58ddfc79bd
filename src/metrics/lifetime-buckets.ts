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
  /** The native index of `counts[0]` (bucket `k` holds `(2^((k-1)/2^schema), 2^(k/2^schema)]`). */
  readonly offset: number;
  /** The count of each bucket from `offset` on (not cumulative); empty when no value is above the zero bucket. */
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
   * of `window` at `tick`. Leaves this accumulator as it was (a slice that expires
   * during the read is folded in first, as always).
   */
  read(window: WindowedHistogram, tick: number): LifetimeBucketsRead {
    const live = new LifetimeBuckets(this.layout);
    // visitBuckets first retires expired slices into `this`, then visits the live ones.
    window.visitBuckets(tick, (_midpoint, count, index) => {
      live.add(index, count);
    });
    const layout = this.layout;
    const n = layout.bounds.length;
    const cumulative = new Float64Array(n);
    let running = 0;
    for (let i = 0; i < n; i++) {
      running += this.#classic[i]! + live.#classic[i]!;
      cumulative[i] = running;
    }
    const last = this.#classic.length - 1;
    const count = running + this.#classic[last]! + live.#classic[last]!;
    let native: NativeBucketsRead | null = null;
    if (layout.schema !== null) {
      const merged = new LifetimeBuckets(layout);
      merged.#mergeNative(this);
      merged.#mergeNative(live);
      native = {
        schema: layout.schema,
        zeroThreshold: layout.zeroThreshold,
        zeroCount: this.#zero + live.#zero,
        offset: merged.#used === 0 ? 0 : merged.#low,
        counts: merged.#native.subarray(0, merged.#used),
      };
    }
    return { bounds: layout.bounds, cumulative, count, native, summary: layout.summary, divisor: layout.divisor };
  }

  #mergeNative(other: LifetimeBuckets): void {
    for (let i = 0; i < other.#used; i++) {
      const c = other.#native[i]!;
      if (c > 0) this.#addNative(other.#low + i, c);
    }
  }
}
