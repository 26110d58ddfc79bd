/**
 * A sliding-window HDR histogram: the window is a ring of slices, each slice an
 * `hdr-histogram-js` histogram allocated only when a value lands in it, so an idle
 * histogram holds no counts at all. Reading merges the live slices in one pass that
 * yields every statistic at once ({@link windowStatistics}).
 *
 * Values are doubles; they are stored in HDR buckets as integer multiples of a
 * `resolution` (HDR truncates decimals, so the scaling is explicit), while count, sum,
 * min and max are kept exactly, per slice, beside the buckets.
 *
 * Counts start 16 bits wide (half the memory of 32-bit counts) and are promoted to 32
 * bits, then to 64-bit floats, the moment a bucket would overflow: narrow counts never
 * wrap.
 *
 * Pure maths: time comes in as a tick index from the caller; no clock, no timers.
 *
 * @see https://github.com/HdrHistogram/HdrHistogramJS
 * @module
 */

import { Float64Histogram, Int16Histogram, Int32Histogram, type JsHistogram } from 'hdr-histogram-js';
import { BLOCK_SHIFT, blocksFor, bucketIndex, bucketLowest, halfMagnitude, type Counts } from './hdr-layout.js';
import type { BucketSink, SliceDelta } from './slice-delta.js';
import {
  addToSummary,
  mergeIntoSummary,
  resetSummary,
  S_COUNT,
  S_MAX,
  S_MIN,
  S_S1,
  S_S2,
  S_SHIFT,
  S_SLICE,
  S_SUM,
  SUMMARY_FIELDS,
  windowStatistics,
  type WindowStatistics,
} from './window-statistics.js';

/**
 * A slice: an `hdr-histogram-js` histogram whose counts we write directly, plus the sum
 * of each block of consecutive buckets (see {@link blocksFor}).
 */
type SliceHistogram = JsHistogram & { _counts: Counts; blocks: Float64Array };

// Module-local, so the hot path sees a constant (see window-statistics.ts).
const SHIFT = BLOCK_SHIFT;
const COUNT_LIMIT_16 = 0xffff;
const COUNT_LIMIT_32 = 0xffff_ffff;

/** Options of a {@link WindowedHistogram}, already validated by the metric. */
export type WindowedHistogramConfig = {
  /** HDR significant digits, 1..5. */
  readonly significantDigits: number;
  /** Values are bucketed as integer multiples of this. */
  readonly resolution: number;
  /** Ticks per slice. */
  readonly ticksPerSlice: number;
  /** Number of slices in the window. */
  readonly slices: number;
};

/** The slot of a slice in a ring of `slices` (also for negative slice indexes). */
function slotOf(slice: number, slices: number): number {
  return ((slice % slices) + slices) % slices;
}

/** The count limit of counts of this width. */
function limitOf(counts: Counts | null): number {
  if (counts === null || counts.BYTES_PER_ELEMENT === 2) return COUNT_LIMIT_16;
  return counts.BYTES_PER_ELEMENT === 4 ? COUNT_LIMIT_32 : Number.POSITIVE_INFINITY;
}

/**
 * A sliding window of HDR histogram slices.
 *
 * @internal
 */
export class WindowedHistogram {
  readonly #scale: number;
  readonly #digits: number;
  readonly #halfMag: number;
  readonly #halfCount: number;
  readonly #ticksPerSlice: number;
  readonly #slices: number;
  /**
   * The slice summaries (see {@link SUMMARY_FIELDS}). Allocated with the first value
   * and freed when the whole window is empty, like the slices' histograms.
   */
  #st: Float64Array | null = null;
  #hist: (SliceHistogram | null)[] | null = null;
  /** The current slice, its slot, its offset in #st, and its counts (null until a value lands). */
  #slice: number;
  #slot = 0;
  #base = 0;
  #counts: Counts | null = null;
  #blocks: Float64Array | null = null;
  #countLimit = COUNT_LIMIT_16;
  /** The first tick that belongs to the next slice. */
  #nextSliceTick: number;
  /** Told the buckets of every slice that leaves the window (see {@link WindowedHistogram.retireInto}). */
  #sink: BucketSink | null = null;

  constructor(config: WindowedHistogramConfig, tick: number) {
    this.#scale = 1 / config.resolution;
    this.#digits = config.significantDigits;
    this.#halfMag = halfMagnitude(config.significantDigits);
    this.#halfCount = 2 ** this.#halfMag;
    this.#ticksPerSlice = config.ticksPerSlice;
    this.#slices = config.slices;
    const slice = Math.floor(tick / this.#ticksPerSlice);
    this.#slice = slice;
    this.#slot = slotOf(slice, this.#slices);
    this.#base = this.#slot * SUMMARY_FIELDS;
    this.#nextSliceTick = (slice + 1) * this.#ticksPerSlice;
  }

  /** The largest value that can be recorded. */
  get maxValue(): number {
    return Number.MAX_SAFE_INTEGER / this.#scale;
  }

  /**
   * Records one value. The caller guarantees `0 <= value <= maxValue`.
   *
   * @param value - the value.
   * @param tick - the current coarse tick.
   */
  record(value: number, tick: number): void {
    if (tick >= this.#nextSliceTick) this.#rotate(tick);
    const x = Math.round(value * this.#scale);
    const index = bucketIndex(x, this.#halfMag, this.#halfCount);
    let counts = this.#counts;
    if (counts === null || index >= counts.length) counts = this.#fit(x);
    const c = counts[index]! + 1;
    if (c > this.#countLimit) counts = this.#promote();
    counts[index] = c;
    this.#blocks![index >>> SHIFT]! += 1;
    addToSummary(this.#st!, this.#base, value);
  }

  /** Makes the current slice's histogram exist and cover integer `x`; returns its counts. */
  #fit(x: number): Counts {
    let hist = this.#hist;
    if (hist === null || this.#st === null) {
      const st = new Float64Array(this.#slices * SUMMARY_FIELDS);
      for (let s = 0; s < this.#slices; s++) st[s * SUMMARY_FIELDS + S_SLICE] = -Infinity;
      st[this.#base + S_SLICE] = this.#slice;
      this.#st = st;
      hist = new Array<SliceHistogram | null>(this.#slices).fill(null);
      this.#hist = hist;
    }
    let h = hist[this.#slot] ?? null;
    if (h === null) {
      h = new Int16Histogram(1, 2, this.#digits) as unknown as SliceHistogram;
      h.autoResize = true;
      h.blocks = blocksFor(h._counts.length);
      hist[this.#slot] = h;
      this.#countLimit = COUNT_LIMIT_16;
    }
    if (bucketIndex(x, this.#halfMag, this.#halfCount) >= h._counts.length) {
      h.resize(x);
      h.highestTrackableValue = h.highestEquivalentValue(h.valueFromIndex(h.countsArrayLength - 1));
      const blocks = blocksFor(h._counts.length);
      blocks.set(h.blocks);
      h.blocks = blocks;
    }
    this.#counts = h._counts;
    this.#blocks = h.blocks;
    return h._counts;
  }

  /** Widens the current slice's counts (16 -> 32 bits -> float64) before one would overflow. */
  #promote(): Counts {
    const hist = this.#hist!;
    const old = hist[this.#slot]!;
    const wide = (
      this.#countLimit === COUNT_LIMIT_16
        ? new Int32Histogram(1, 2, this.#digits)
        : new Float64Histogram(1, 2, this.#digits)
    ) as unknown as SliceHistogram;
    wide.autoResize = true;
    wide.resize(old.highestTrackableValue);
    wide.highestTrackableValue = old.highestTrackableValue;
    wide._counts.set(old._counts);
    wide.blocks = old.blocks;
    this.#countLimit = this.#countLimit === COUNT_LIMIT_16 ? COUNT_LIMIT_32 : Number.POSITIVE_INFINITY;
    hist[this.#slot] = wide;
    this.#counts = wide._counts;
    return wide._counts;
  }

  /** Moves the current slice to the one holding `tick`, reusing the slot's histogram. */
  #rotate(tick: number): void {
    const slice = Math.floor(tick / this.#ticksPerSlice);
    const slot = slotOf(slice, this.#slices);
    const st = this.#st;
    const hist = this.#hist;
    if (st !== null && hist !== null && st[slot * SUMMARY_FIELDS + S_SLICE] !== slice) {
      this.#retire(slot);
      resetSummary(st, slot * SUMMARY_FIELDS, slice);
      const h = hist[slot];
      if (h != null) {
        // Reused as it is, widened counts included: a metric busy enough to widen one
        // slice will widen the next, and reuse allocates nothing.
        h._counts.fill(0);
        h.blocks.fill(0);
      }
    }
    const h = hist?.[slot] ?? null;
    this.#slice = slice;
    this.#slot = slot;
    this.#base = slot * SUMMARY_FIELDS;
    this.#counts = h === null ? null : h._counts;
    this.#blocks = h === null ? null : h.blocks;
    this.#countLimit = limitOf(this.#counts);
    this.#nextSliceTick = (slice + 1) * this.#ticksPerSlice;
  }

  /**
   * Frees the histograms of slices that have left the window at `tick` (all state when
   * none is left), and returns the slots still inside it that hold values.
   */
  #liveSlots(tick: number): number[] {
    // A read can be ahead of the ticker that record() follows: move the current slice
    // first, so values recorded before the ticker catches up land inside the window.
    if (tick >= this.#nextSliceTick) this.#rotate(tick);
    const out: number[] = [];
    const st = this.#st;
    const hist = this.#hist;
    if (st === null || hist === null) return out;
    const slice = Math.floor(tick / this.#ticksPerSlice);
    const oldest = slice - this.#slices + 1;
    for (let s = 0; s < this.#slices; s++) {
      const sliceOfSlot = st[s * SUMMARY_FIELDS + S_SLICE]!;
      if (sliceOfSlot >= oldest && sliceOfSlot <= slice) {
        if (st[s * SUMMARY_FIELDS + S_COUNT]! > 0) out.push(s);
      } else if (hist[s] != null) {
        this.#retire(s);
        hist[s] = null;
        st[s * SUMMARY_FIELDS + S_COUNT] = 0;
        if (s === this.#slot) {
          this.#counts = null;
          this.#blocks = null;
        }
      }
    }
    if (out.length === 0 && hist.every((h) => h === null)) this.release();
    return out;
  }

  /** Every statistic of the window at `tick`, in one pass over the live slices. */
  statistics(tick: number): WindowStatistics {
    const slots = this.#liveSlots(tick);
    const counts: Counts[] = [];
    const blocks: Float64Array[] = [];
    for (const s of slots) {
      const h = this.#hist?.[s];
      if (h == null) continue;
      counts.push(h._counts);
      blocks.push(h.blocks);
    }
    return windowStatistics({
      summary: this.#st ?? new Float64Array(0),
      slots,
      counts,
      blocks,
      halfCount: this.#halfCount,
      scale: this.#scale,
    });
  }

  /**
   * The live slices merged into one `hdr-histogram-js` histogram (with its count, min and
   * max set), for encoding and merging across processes. `null` when the window is empty.
   */
  toHdr(tick: number): JsHistogram | null {
    const slots = this.#liveSlots(tick);
    let merged: SliceHistogram | null = null;
    const st = this.#st;
    for (const s of slots) {
      const h = this.#hist?.[s];
      if (h == null || st === null) continue;
      const b = s * SUMMARY_FIELDS;
      h.setTotalCount(st[b + S_COUNT]!);
      h.maxValue = 0;
      h.minNonZeroValue = Number.MAX_SAFE_INTEGER;
      h.updateMinAndMax(Math.round(st[b + S_MIN]! * this.#scale));
      h.updateMinAndMax(Math.round(st[b + S_MAX]! * this.#scale));
      if (merged === null) {
        merged = new Float64Histogram(1, 2, this.#digits) as unknown as SliceHistogram;
        merged.autoResize = true;
      }
      merged.add(h);
    }
    return merged;
  }

  /**
   * Empties every slice, keeping the allocated counts for reuse: a reader that takes an
   * interval with values is likely to see values in the next one.
   */
  reset(): void {
    const st = this.#st;
    const hist = this.#hist;
    if (st === null || hist === null) return;
    for (let s = 0; s < this.#slices; s++) {
      this.#retire(s);
      resetSummary(st, s * SUMMARY_FIELDS, st[s * SUMMARY_FIELDS + S_SLICE]!);
      const h = hist[s];
      if (h == null) continue;
      h._counts.fill(0);
      h.blocks.fill(0);
    }
  }

  /** Frees every slice: the histogram holds no arrays until its next value. */
  release(): void {
    if (this.#st !== null) for (let s = 0; s < this.#slices; s++) this.#retire(s);
    this.#st = null;
    this.#hist = null;
    this.#counts = null;
    this.#blocks = null;
    this.#countLimit = COUNT_LIMIT_16;
  }

  /** Bytes held by this window's counts arrays (for memory accounting in docs and tests). */
  get countsBytes(): number {
    let bytes = 0;
    for (const h of this.#hist ?? []) if (h != null) bytes += h._counts.byteLength;
    return bytes;
  }

  /**
   * @internal Calls `visit(midpoint, count, index)` for every non-empty bucket of the
   * live slices at `tick`, lowest first; `midpoint` is the middle of the bucket in value
   * units (exact for buckets one integer wide) and `index` its HDR counts index (the
   * same bucket for every histogram of the same precision and resolution, so callers can
   * cache what they derive from it). For encoders of bucketed formats (OTLP exponential
   * histograms): `2 ** octaveMagnitude` buckets split each power of two.
   *
   * @returns the exact smallest and largest value of those slices, or `null` if they are empty.
   */
  visitBuckets(tick: number, visit: (midpoint: number, count: number, index: number) => void): { min: number; max: number } | null {
    const slots = this.#liveSlots(tick);
    const st = this.#st;
    if (st === null || slots.length === 0) return null;
    let min = Infinity;
    let max = -Infinity;
    const counts: Counts[] = [];
    const blocks: Float64Array[] = [];
    let nBlocks = 0;
    for (const s of slots) {
      if (st[s * SUMMARY_FIELDS + S_MIN]! < min) min = st[s * SUMMARY_FIELDS + S_MIN]!;
      if (st[s * SUMMARY_FIELDS + S_MAX]! > max) max = st[s * SUMMARY_FIELDS + S_MAX]!;
      const h = this.#hist?.[s];
      if (h == null) continue;
      counts.push(h._counts);
      blocks.push(h.blocks);
      if (h.blocks.length > nBlocks) nBlocks = h.blocks.length;
    }
    const single = counts.length === 1 ? counts[0]! : null;
    const scale = this.#scale;
    const halfCount = this.#halfCount;
    const blockSize = 1 << SHIFT;
    for (let b = 0; b < nBlocks; b++) {
      let left = 0;
      for (const bl of blocks) if (b < bl.length) left += bl[b]!;
      if (left === 0) continue;
      const start = b << SHIFT;
      const end = single === null ? start + blockSize : Math.min(start + blockSize, single.length);
      // The block's sum says how many values it holds: stop at the last of them.
      for (let i = start; i < end && left > 0; i++) {
        let c = 0;
        if (single !== null) c = single[i]!;
        else for (const a of counts) if (i < a.length) c += a[i]!;
        if (c === 0) continue;
        left -= c;
        // HDR's bucket of index i is [sub * 2^k, (sub + 1) * 2^k).
        let k = Math.floor(i / halfCount) - 1;
        let sub = (i % halfCount) + halfCount;
        if (k < 0) {
          sub -= halfCount;
          k = 0;
        }
        const width = 2 ** k;
        visit((sub * width + (width - 1) / 2) / scale, c, i);
      }
    }
    return { min, max };
  }

  /**
   * @internal From now on, tells `sink` the buckets of every slice that leaves the window
   * (rotated out, expired at a read, reset or released), so that it can keep lifetime
   * counts: what the sink was told plus {@link WindowedHistogram.visitBuckets} of the live
   * slices is every value ever recorded. `null` stops telling. Costs nothing on
   * `record()`: a slice is told once, when it leaves.
   */
  retireInto(sink: BucketSink | null): void {
    this.#sink = sink;
  }

  /** Tells the sink the buckets of the slice in `slot`, if it holds values. */
  #retire(slot: number): void {
    const sink = this.#sink;
    const st = this.#st;
    const h = this.#hist?.[slot] ?? null;
    if (sink === null || st === null || h === null || st[slot * SUMMARY_FIELDS + S_COUNT]! === 0) return;
    forEachBucket(h._counts, h.blocks, (index, count) => {
      sink.add(index, count);
    });
  }

  /**
   * @internal Adds what `delta` holds to the current slice at `tick`, as if its values
   * had been recorded now: exact count, sum, min, max and moments, and its HDR counts
   * bucket for bucket. The delta must come from a histogram of the same precision and
   * resolution, and its counts must add up to its `count`. No values are replayed:
   * the cost is one step per non-empty bucket.
   */
  merge(tick: number, delta: SliceDelta): void {
    const n = delta.indexes.length;
    if (delta.count === 0 || n === 0) return;
    if (tick >= this.#nextSliceTick) this.#rotate(tick);
    const top = delta.indexes[n - 1]!;
    let counts = this.#counts;
    if (counts === null || top >= counts.length) counts = this.#fit(bucketLowest(top, this.#halfCount));
    const blocks = this.#blocks!;
    for (let k = 0; k < n; k++) {
      const index = delta.indexes[k]!;
      const c = delta.counts[k]!;
      const v = counts[index]! + c;
      while (v > this.#countLimit) counts = this.#promote();
      counts[index] = v;
      blocks[index >>> SHIFT]! += c;
    }
    mergeIntoSummary(this.#st!, this.#base, delta);
  }

  /**
   * @internal What each live slice at `tick` holds, oldest first, with the slice's index
   * in time (`floor(tick / ticksPerSlice)`): the read side of {@link WindowedHistogram.merge}.
   */
  sliceDeltas(tick: number): { readonly slice: number; readonly delta: SliceDelta }[] {
    const slots = this.#liveSlots(tick);
    const st = this.#st;
    const out: { slice: number; delta: SliceDelta }[] = [];
    if (st === null) return out;
    for (const s of slots) {
      const h = this.#hist?.[s];
      if (h == null) continue;
      const b = s * SUMMARY_FIELDS;
      const indexes: number[] = [];
      const counts: number[] = [];
      forEachBucket(h._counts, h.blocks, (index, count) => {
        indexes.push(index);
        counts.push(count);
      });
      out.push({
        slice: st[b + S_SLICE]!,
        delta: {
          count: st[b + S_COUNT]!, sum: st[b + S_SUM]!, min: st[b + S_MIN]!, max: st[b + S_MAX]!,
          shift: st[b + S_SHIFT]!, s1: st[b + S_S1]!, s2: st[b + S_S2]!, indexes, counts,
        },
      });
    }
    return out.sort((a, b) => a.slice - b.slice);
  }

  /** @internal The value of one HDR unit: values are bucketed as integer multiples of it. */
  get resolution(): number {
    return 1 / this.#scale;
  }

  /** @internal HDR buckets per power of two, as a power of two (7 for 2 significant digits: 128). */
  get octaveMagnitude(): number {
    return this.#halfMag;
  }
}

/** Calls `visit(index, count)` for every non-empty bucket of one slice, lowest first, skipping empty blocks. */
function forEachBucket(counts: Counts, blocks: Float64Array, visit: (index: number, count: number) => void): void {
  const size = 1 << SHIFT;
  for (let b = 0; b < blocks.length; b++) {
    let left = blocks[b]!;
    if (left === 0) continue;
    const end = Math.min((b + 1) * size, counts.length);
    for (let i = b * size; i < end && left > 0; i++) {
      const c = counts[i]!;
      if (c === 0) continue;
      left -= c;
      visit(i, c);
    }
  }
}
