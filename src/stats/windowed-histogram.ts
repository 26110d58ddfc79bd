/**
 * A sliding-window HDR histogram: the window is a ring of slices, each holding the HDR
 * buckets of the values recorded during its time. Reading merges the live slices in one
 * pass that yields every statistic at once ({@link windowStatistics}).
 *
 * Values are doubles; they are stored in HDR buckets as integer multiples of a
 * `resolution` (HDR truncates decimals, so the scaling is explicit), while count, sum,
 * min and max are kept exactly, per slice, beside the buckets.
 *
 * Buckets are kept in `hdr-histogram-js`' counts-array layout (see hdr-layout.ts), in
 * plain typed arrays this class owns, in one of two forms per slice:
 *
 * - **sparse** while a slice holds few values: the bucket index of each value, appended
 *   to one small array shared by every sparse slice of the window (slices in time order,
 *   each a contiguous run). 100 values cost 200 bytes, where counts covering 10 µs to
 *   1.5 s cost 4 KB. Reads sort a slice's indexes, so quantiles are the same bucket
 *   midpoints the counts would give: the form changes memory, never a result.
 * - **dense** once a slice holds more than {@link SPARSE_LIMIT} values (or counts would be
 *   smaller): counts indexed by bucket, plus the sum of each block of consecutive buckets
 *   (see {@link blocksFor}). Counts start 16 bits wide and are promoted to 32 bits, then
 *   to 64-bit floats, the moment a bucket would overflow (narrow counts never wrap), and
 *   grow with headroom as larger values arrive. A slice that went dense stays dense when
 *   the ring reuses it: a metric that busy fills the next slice too.
 *
 * Nothing is allocated until a value lands, and everything is freed when the window is
 * empty again. `hdr-histogram-js` objects are built only by {@link WindowedHistogram.toHdr}.
 *
 * Pure maths: time comes in as a tick index from the caller; no clock, no timers.
 *
 * @see https://github.com/HdrHistogram/HdrHistogramJS
 * @module
 */

import { Float64Histogram, type JsHistogram } from 'hdr-histogram-js';
import { BLOCK, BLOCK_SHIFT, blocksFor, bucketIndex, halfMagnitude, type Counts } from './hdr-layout.js';
import type { BucketSink, SliceDelta } from './slice-delta.js';
import {
  addToSummary,
  EMPTY_WINDOW,
  mergeIntoSummary,
  newSummary,
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

// Module-local, so the hot path sees a constant (see window-statistics.ts).
const SHIFT = BLOCK_SHIFT;

/**
 * The most bucket indexes the sparse form holds, over every sparse slice of a window:
 * past it, the current slice goes dense. Also bounds the sort a read does.
 */
export const SPARSE_LIMIT = 1024;

/** The first capacity of the sparse array (doubled as it fills). */
const SPARSE_FIRST = 8;

/**
 * Powers of two of headroom a dense slice grows by past the bucket that made it grow, at
 * most: never more than a quarter of the counts (at 4 and 5 digits one power of two is
 * 16,384 or 131,072 buckets).
 */
const HEADROOM_OCTAVES = 2;

/** The counts length that covers bucket `top` with headroom (see {@link HEADROOM_OCTAVES}). */
function denseLength(layout: Layout, top: number): number {
  const headroom = Math.min(HEADROOM_OCTAVES * layout.halfCount, Math.floor(top / 4));
  return Math.min(roundToBlock(top + 1 + headroom), layout.fullLength);
}

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

/** What every histogram of one config shares (derived once per config object). */
type Layout = {
  readonly config: WindowedHistogramConfig;
  readonly scale: number;
  readonly halfMag: number;
  readonly halfCount: number;
  readonly ticksPerSlice: number;
  readonly slices: number;
  /** The counts length that covers every recordable value (a whole number of blocks). */
  readonly fullLength: number;
  /** Sparse indexes need 32 bits (precisions of 4 and 5 digits). */
  readonly wide: boolean;
};

/** The sparse array: bucket indexes of the values of the sparse slices. */
type Sparse = Uint16Array | Uint32Array;

const layouts = new WeakMap<WindowedHistogramConfig, Layout>();

function layoutOf(config: WindowedHistogramConfig): Layout {
  let layout = layouts.get(config);
  if (layout === undefined) {
    const halfMag = halfMagnitude(config.significantDigits);
    const halfCount = 2 ** halfMag;
    const top = bucketIndex(Number.MAX_SAFE_INTEGER, halfMag, halfCount);
    layout = {
      config,
      scale: 1 / config.resolution,
      halfMag,
      halfCount,
      ticksPerSlice: config.ticksPerSlice,
      slices: config.slices,
      fullLength: roundToBlock(top + 1),
      wide: top > 0xffff,
    };
    layouts.set(config, layout);
  }
  return layout;
}

/**
 * The largest value a window of `config` can record (the same number as
 * {@link WindowedHistogram.maxValue}), without making one.
 *
 * @internal
 */
export function windowMaxValue(config: WindowedHistogramConfig): number {
  return Number.MAX_SAFE_INTEGER / layoutOf(config).scale;
}

/** `n` rounded up to a whole number of blocks. */
function roundToBlock(n: number): number {
  return Math.ceil(n / BLOCK) * BLOCK;
}

/** The slot of a slice in a ring of `slices` (also for negative slice indexes). */
function slotOf(slice: number, slices: number): number {
  return ((slice % slices) + slices) % slices;
}

/**
 * A sliding window of HDR histogram slices.
 *
 * @internal
 */
export class WindowedHistogram {
  readonly #layout: Layout;
  /** The first tick that belongs to the next slice. */
  #nextSliceTick: number;
  /** The offset of the current slice's summary in #st. */
  #base: number;
  /**
   * The slice summaries (see {@link SUMMARY_FIELDS}). Allocated with the first value
   * and freed when the whole window is empty, like the buckets.
   */
  #st: number[] | null = null;
  /** The sparse slices' bucket indexes, in time order; the current slice's are last (see #tail). */
  #sparse: Sparse | null = null;
  #used = 0;
  /** The dense slices: counts at 2 × slot, block sums at 2 × slot + 1 (null while none is dense). */
  #dense: (Counts | null)[] | null = null;
  /** The current slice's counts and block sums when it is dense. */
  #counts: Counts | null = null;
  #blocks: Float64Array | null = null;
  /** Told the buckets of every slice that leaves the window (see {@link WindowedHistogram.retireInto}). */
  #sink: BucketSink | null = null;

  constructor(config: WindowedHistogramConfig, tick: number) {
    const layout = layoutOf(config);
    this.#layout = layout;
    const slice = Math.floor(tick / layout.ticksPerSlice);
    this.#base = slotOf(slice, layout.slices) * SUMMARY_FIELDS;
    this.#nextSliceTick = (slice + 1) * layout.ticksPerSlice;
  }

  /** The largest value that can be recorded. */
  get maxValue(): number {
    return Number.MAX_SAFE_INTEGER / this.#layout.scale;
  }

  /**
   * Records one value. The caller guarantees `0 <= value <= maxValue`.
   *
   * @param value - the value.
   * @param tick - the current coarse tick.
   */
  record(value: number, tick: number): void {
    if (tick >= this.#nextSliceTick) this.#rotate(tick);
    const layout = this.#layout;
    const index = bucketIndex(Math.round(value * layout.scale), layout.halfMag, layout.halfCount);
    const counts = this.#counts;
    if (counts !== null && index < counts.length) {
      const c = counts[index]! + 1;
      counts[index] = c;
      // A narrow count that wrapped reads back different: widen, then store.
      if (counts[index] !== c) this.#promote(index, c);
      this.#blocks![index >>> SHIFT]! += 1;
    } else {
      const sparse = this.#sparse;
      const n = this.#used;
      if (counts === null && sparse !== null && n < sparse.length) {
        sparse[n] = index;
        this.#used = n + 1;
      } else this.#add(index, 1);
    }
    addToSummary(this.#st!, this.#base, value);
  }

  /** The slow path of adding `count` values to bucket `index` of the current slice. */
  #add(index: number, count: number): void {
    if (this.#st === null) this.#allocate();
    if (this.#counts === null) {
      const need = this.#used + count;
      if (need <= SPARSE_LIMIT && this.#fitSparse(need, index)) {
        const sparse = this.#sparse!;
        const end = this.#used + count;
        for (let i = this.#used; i < end; i++) sparse[i] = index;
        this.#used = end;
        return;
      }
      this.#densifyCurrent(index);
    }
    let counts = this.#counts!;
    if (index >= counts.length) counts = this.#grow(index);
    const c = counts[index]! + count;
    counts[index] = c;
    if (counts[index] !== c) this.#promote(index, c);
    this.#blocks![index >>> SHIFT]! += count;
  }

  /** Allocates the summaries for the first value. */
  #allocate(): void {
    const st = newSummary(this.#layout.slices);
    // The current slice, from the first tick of the next (0 for a slice that never ends).
    const ticksPerSlice = this.#layout.ticksPerSlice;
    st[this.#base + S_SLICE] = ticksPerSlice === Number.POSITIVE_INFINITY ? 0 : this.#nextSliceTick / ticksPerSlice - 1;
    this.#st = st;
  }

  /**
   * Makes the sparse array hold `need` indexes, unless counts for the current slice
   * would be smaller (then the caller goes dense). `index` is the one being added.
   */
  #fitSparse(need: number, index: number): boolean {
    const sparse = this.#sparse;
    if (sparse !== null && need <= sparse.length) return true;
    let capacity = sparse === null ? SPARSE_FIRST : sparse.length * 2;
    while (capacity < need) capacity *= 2;
    if (capacity > SPARSE_LIMIT) capacity = SPARSE_LIMIT;
    const wide = this.#layout.wide;
    // Counts of the current slice, 16 bits each, would cover up to its largest index.
    let top = index;
    if (sparse !== null) for (let i = this.#tail(); i < this.#used; i++) if (sparse[i]! > top) top = sparse[i]!;
    if (capacity * (wide ? 4 : 2) > roundToBlock(top + 1) * 2 + 8 * Math.ceil((top + 1) / BLOCK)) return false;
    const grown = wide ? new Uint32Array(capacity) : new Uint16Array(capacity);
    if (sparse !== null) grown.set(sparse.subarray(0, this.#used));
    this.#sparse = grown;
    return true;
  }

  /** Moves the current slice's sparse indexes (if any) into new counts covering `index`. */
  #densifyCurrent(index: number): void {
    const slot = this.#base / SUMMARY_FIELDS;
    const sparse = this.#sparse;
    const tail = this.#tail();
    let top = index;
    if (sparse !== null) for (let i = tail; i < this.#used; i++) if (sparse[i]! > top) top = sparse[i]!;
    const { counts, blocks } = this.#newDense(slot, top);
    if (sparse !== null) {
      for (let i = tail; i < this.#used; i++) {
        counts[sparse[i]!]! += 1;
        blocks[sparse[i]! >>> SHIFT]! += 1;
      }
      this.#used = tail;
      // No sparse slice left: free the array (it may be at its largest).
      if (this.#used === 0) this.#sparse = null;
    }
    this.#counts = counts;
    this.#blocks = blocks;
  }

  /** New empty 16-bit counts for `slot`, covering bucket `top` with headroom. */
  #newDense(slot: number, top: number): { counts: Counts; blocks: Float64Array } {
    const layout = this.#layout;
    const length = denseLength(layout, top);
    const counts = new Uint16Array(length);
    const blocks = blocksFor(length);
    const dense = this.#dense ?? (this.#dense = new Array<Counts | null>(2 * layout.slices).fill(null));
    dense[2 * slot] = counts;
    dense[2 * slot + 1] = blocks;
    return { counts, blocks };
  }

  /** Turns the sparse slice in `slot` (not the current one) into counts. */
  #densifySlot(slot: number): void {
    if (slot * SUMMARY_FIELDS === this.#base) {
      this.#densifyCurrent(0);
      return;
    }
    const [start, end] = this.#rangeOf(slot);
    const sparse = this.#sparse!;
    let top = 0;
    for (let i = start; i < end; i++) if (sparse[i]! > top) top = sparse[i]!;
    const { counts, blocks } = this.#newDense(slot, top);
    for (let i = start; i < end; i++) {
      counts[sparse[i]!]! += 1;
      blocks[sparse[i]! >>> SHIFT]! += 1;
    }
    this.#removeRange(start, end);
  }

  /** Grows the current slice's counts to cover `index` (with headroom); returns them. */
  #grow(index: number): Counts {
    const layout = this.#layout;
    const old = this.#counts!;
    const length = denseLength(layout, index);
    const counts = new (old.constructor as new (n: number) => Counts)(length);
    counts.set(old);
    const blocks = blocksFor(length);
    blocks.set(this.#blocks!);
    const slot = this.#base / SUMMARY_FIELDS;
    this.#dense![2 * slot] = counts;
    this.#dense![2 * slot + 1] = blocks;
    this.#counts = counts;
    this.#blocks = blocks;
    return counts;
  }

  /** Widens the current slice's counts (16 -> 32 bits -> float64), then stores `count` at `index`. */
  #promote(index: number, count: number): void {
    const old = this.#counts!;
    let wide: Counts = old.BYTES_PER_ELEMENT === 2 ? new Uint32Array(old.length) : new Float64Array(old.length);
    wide.set(old);
    wide[index] = count;
    if (wide[index] !== count) {
      wide = Float64Array.from(wide);
      wide[index] = count;
    }
    this.#dense![2 * (this.#base / SUMMARY_FIELDS)] = wide;
    this.#counts = wide;
  }

  /**
   * Where the current slice's sparse indexes start: after those of every other sparse
   * slice (all older). Only the slow paths ask.
   */
  #tail(): number {
    const st = this.#st;
    const dense = this.#dense;
    if (st === null) return 0;
    let tail = 0;
    for (let s = 0; s < this.#layout.slices; s++) {
      const b = s * SUMMARY_FIELDS;
      if (b !== this.#base && dense?.[2 * s] == null) tail += st[b + S_COUNT]!;
    }
    return tail;
  }

  /** The range of the sparse array holding the slice in `slot` (empty for a dense slice). */
  #rangeOf(slot: number): [number, number] {
    const st = this.#st;
    const dense = this.#dense;
    if (st === null || this.#sparse === null || dense?.[2 * slot] != null) return [0, 0];
    if (slot * SUMMARY_FIELDS === this.#base) return [this.#tail(), this.#used];
    // Sparse slices are in time order: this one starts after every older sparse one.
    const slice = st[slot * SUMMARY_FIELDS + S_SLICE]!;
    let start = 0;
    for (let s = 0; s < this.#layout.slices; s++) {
      const b = s * SUMMARY_FIELDS;
      if (b === this.#base || dense?.[2 * s] != null || st[b + S_SLICE]! >= slice) continue;
      start += st[b + S_COUNT]!;
    }
    return [start, start + st[slot * SUMMARY_FIELDS + S_COUNT]!];
  }

  /** Removes `[start, end)` from the sparse array (a slice before the current one). */
  #removeRange(start: number, end: number): void {
    if (end <= start) return;
    this.#sparse!.copyWithin(start, end, this.#used);
    this.#used -= end - start;
  }

  /** Empties the slice in `slot` (after retiring it), keeping dense counts for reuse if `keep`. */
  #clearSlot(slot: number, keep: boolean): void {
    const st = this.#st!;
    const b = slot * SUMMARY_FIELDS;
    if (st[b + S_COUNT]! > 0) {
      this.#retire(slot);
      if (b === this.#base) this.#used = this.#tail();
      else {
        const [start, end] = this.#rangeOf(slot);
        this.#removeRange(start, end);
      }
    }
    st[b + S_COUNT] = 0;
    const dense = this.#dense;
    const counts = dense?.[2 * slot] ?? null;
    if (counts === null) return;
    if (keep) {
      counts.fill(0);
      dense![2 * slot + 1]!.fill(0);
    } else {
      dense![2 * slot] = null;
      dense![2 * slot + 1] = null;
      if (b === this.#base) {
        this.#counts = null;
        this.#blocks = null;
      }
    }
  }

  /** Moves the current slice to the one holding `tick`, reusing the slot's dense counts. */
  #rotate(tick: number): void {
    const layout = this.#layout;
    const slice = Math.floor(tick / layout.ticksPerSlice);
    const slot = slotOf(slice, layout.slices);
    const base = slot * SUMMARY_FIELDS;
    const st = this.#st;
    if (st !== null && st[base + S_SLICE] !== slice) {
      // Reused as it is, widened counts included: a metric busy enough to go dense in
      // one slice will in the next, and reuse allocates nothing.
      this.#clearSlot(slot, true);
      resetSummary(st, base, slice);
    }
    // The new slice is newer than every other: its sparse indexes go last.
    this.#base = base;
    this.#nextSliceTick = (slice + 1) * layout.ticksPerSlice;
    const counts = this.#dense?.[2 * slot] ?? null;
    this.#counts = counts;
    this.#blocks = counts === null ? null : (this.#dense![2 * slot + 1] as Float64Array);
  }

  /**
   * Frees the slices that have left the window at `tick` (all state when none is left),
   * and returns the slots still inside it that hold values.
   */
  #liveSlots(tick: number): number[] {
    // A read can be ahead of the ticker that record() follows: move the current slice
    // first, so values recorded before the ticker catches up land inside the window.
    if (tick >= this.#nextSliceTick) this.#rotate(tick);
    const out: number[] = [];
    const st = this.#st;
    if (st === null) return out;
    const slices = this.#layout.slices;
    const slice = Math.floor(tick / this.#layout.ticksPerSlice);
    const oldest = slice - slices + 1;
    let held = false;
    for (let s = 0; s < slices; s++) {
      const b = s * SUMMARY_FIELDS;
      const sliceOfSlot = st[b + S_SLICE]!;
      if (sliceOfSlot >= oldest && sliceOfSlot <= slice) {
        if (st[b + S_COUNT]! > 0) out.push(s);
      } else this.#clearSlot(s, false);
      if (this.#dense?.[2 * s] != null) held = true;
    }
    if (out.length === 0 && !held) this.release();
    return out;
  }

  /**
   * The live slices' buckets in one form: the sparse indexes sorted (when no live slice
   * is dense: `sorted[0, n)`), or else dense counts only (sparse slices are turned dense
   * first). With `scratch`, several slices are merged into a module-wide array that is
   * valid until the next read of any histogram (for reads that call out to no one).
   */
  #prepare(
    slots: readonly number[],
    scratch: boolean,
  ): { sorted: Sparse | null; n: number; counts: readonly Counts[]; blocks: readonly Float64Array[] } {
    const dense = this.#dense;
    let anyDense = false;
    if (dense !== null) for (const s of slots) if (dense[2 * s] != null) anyDense = true;
    if (!anyDense) {
      const counts = NO_COUNTS;
      const blocks = NO_BLOCKS;
      const sparse = this.#sparse!;
      const n = this.#used;
      // One slice: sorted in place (its order is free), and usually sorted already.
      if (slots.length === 1) {
        sortRun(sparse, 0, n);
        return { sorted: sparse, n, counts, blocks };
      }
      // Several: each slice's run sorted in place, then merged.
      const runs: number[] = [];
      for (const s of slots) {
        const [start, end] = this.#rangeOf(s);
        sortRun(sparse, start, end);
        runs.push(start, end);
      }
      const out = scratch ? (mergeScratch.length >= n ? mergeScratch : (mergeScratch = new Uint32Array(n))) : new Uint32Array(n);
      mergeRuns(sparse, runs, out);
      return { sorted: out, n, counts, blocks };
    }
    const counts: Counts[] = [];
    const blocks: Float64Array[] = [];
    for (const s of slots) {
      if (dense![2 * s] == null) this.#densifySlot(s);
      counts.push(dense![2 * s]!);
      blocks.push(dense![2 * s + 1] as Float64Array);
    }
    return { sorted: null, n: 0, counts, blocks };
  }

  /** Every statistic of the window at `tick`, in one pass over the live slices. */
  statistics(tick: number): WindowStatistics {
    const slots = this.#liveSlots(tick);
    const layout = this.#layout;
    if (slots.length === 0) return EMPTY_WINDOW;
    const { sorted, counts, blocks } = this.#prepare(slots, true);
    return windowStatistics({ summary: this.#st!, slots, counts, blocks, sorted, halfCount: layout.halfCount, scale: layout.scale });
  }

  /**
   * The live slices merged into one `hdr-histogram-js` histogram (with its count, min and
   * max set), for encoding and merging across processes. `null` when the window is empty.
   */
  toHdr(tick: number): JsHistogram | null {
    const slots = this.#liveSlots(tick);
    if (slots.length === 0) return null;
    const st = this.#st!;
    const scale = this.#layout.scale;
    let count = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const s of slots) {
      const b = s * SUMMARY_FIELDS;
      count += st[b + S_COUNT]!;
      if (st[b + S_MIN]! < min) min = st[b + S_MIN]!;
      if (st[b + S_MAX]! > max) max = st[b + S_MAX]!;
    }
    const merged = new Float64Histogram(1, 2, this.#layout.config.significantDigits);
    merged.autoResize = true;
    const top = Math.round(max * scale);
    if (top > merged.highestTrackableValue) merged.resize(top);
    this.#visit(slots, (_midpoint, c, index) => {
      merged.addToCountAtIndex(index, c);
    });
    merged.setTotalCount(count);
    merged.updateMinAndMax(Math.round(min * scale));
    merged.updateMinAndMax(top);
    return merged;
  }

  /**
   * Empties every slice, keeping the allocated arrays for reuse: a reader that takes an
   * interval with values is likely to see values in the next one.
   */
  reset(): void {
    const st = this.#st;
    if (st === null) return;
    for (let s = 0; s < this.#layout.slices; s++) {
      this.#clearSlot(s, true);
      resetSummary(st, s * SUMMARY_FIELDS, st[s * SUMMARY_FIELDS + S_SLICE]!);
    }
    this.#used = 0;
  }

  /** Frees every slice: the histogram holds no arrays until its next value. */
  release(): void {
    if (this.#st !== null) for (let s = 0; s < this.#layout.slices; s++) this.#retire(s);
    this.#st = null;
    this.#sparse = null;
    this.#used = 0;
    this.#dense = null;
    this.#counts = null;
    this.#blocks = null;
  }

  /** Bytes held by this window's bucket arrays (for memory accounting in docs and tests). */
  get countsBytes(): number {
    let bytes = this.#sparse?.byteLength ?? 0;
    for (const a of this.#dense ?? []) if (a != null) bytes += a.byteLength;
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
    for (const s of slots) {
      if (st[s * SUMMARY_FIELDS + S_MIN]! < min) min = st[s * SUMMARY_FIELDS + S_MIN]!;
      if (st[s * SUMMARY_FIELDS + S_MAX]! > max) max = st[s * SUMMARY_FIELDS + S_MAX]!;
    }
    this.#visit(slots, visit);
    return { min, max };
  }

  /** Visits the merged non-empty buckets of `slots` (live, holding values), lowest first. */
  #visit(slots: readonly number[], visit: (midpoint: number, count: number, index: number) => void): void {
    const { sorted, n, counts, blocks } = this.#prepare(slots, false);
    const scale = this.#layout.scale;
    const halfCount = this.#layout.halfCount;
    const emit = (i: number, c: number): void => {
      // HDR's bucket of index i is [sub * 2^k, (sub + 1) * 2^k).
      let k = Math.floor(i / halfCount) - 1;
      let sub = (i % halfCount) + halfCount;
      if (k < 0) {
        sub -= halfCount;
        k = 0;
      }
      const width = 2 ** k;
      visit((sub * width + (width - 1) / 2) / scale, c, i);
    };
    if (sorted !== null) {
      forEachRun(sorted, 0, n, emit);
      return;
    }
    if (counts.length === 1) {
      forEachBucket(counts[0]!, blocks[0]!, emit);
      return;
    }
    let nBlocks = 0;
    for (const bl of blocks) if (bl.length > nBlocks) nBlocks = bl.length;
    for (let b = 0; b < nBlocks; b++) {
      let left = 0;
      for (const bl of blocks) if (b < bl.length) left += bl[b]!;
      if (left === 0) continue;
      const start = b << SHIFT;
      const end = start + BLOCK;
      // The block's sum says how many values it holds: stop at the last of them.
      for (let i = start; i < end && left > 0; i++) {
        let c = 0;
        for (const a of counts) if (i < a.length) c += a[i]!;
        if (c === 0) continue;
        left -= c;
        emit(i, c);
      }
    }
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
    if (sink === null || st === null || st[slot * SUMMARY_FIELDS + S_COUNT]! === 0) return;
    this.#forEachBucketOf(slot, (index, count) => {
      sink.add(index, count);
    });
  }

  /** Calls `visit(index, count)` for every non-empty bucket of the slice in `slot`, lowest first. */
  #forEachBucketOf(slot: number, visit: (index: number, count: number) => void): void {
    const counts = this.#dense?.[2 * slot] ?? null;
    if (counts !== null) {
      forEachBucket(counts, this.#dense![2 * slot + 1] as Float64Array, visit);
      return;
    }
    const [start, end] = this.#rangeOf(slot);
    if (end <= start) return;
    // Sorted in place: a slice's order within its run is free.
    sortRun(this.#sparse!, start, end);
    forEachRun(this.#sparse!, start, end, visit);
  }

  /**
   * @internal Adds what `delta` holds to the current slice at `tick`, as if its values
   * had been recorded now: exact count, sum, min, max and moments, and its HDR counts
   * bucket for bucket. The delta must come from a histogram of the same precision and
   * resolution, and its counts must add up to its `count`. No values are replayed:
   * the cost is one step per non-empty bucket (or per value, while the slice is sparse).
   */
  merge(tick: number, delta: SliceDelta): void {
    const n = delta.indexes.length;
    if (delta.count === 0 || n === 0) return;
    if (tick >= this.#nextSliceTick) this.#rotate(tick);
    if (this.#st === null) this.#allocate();
    // Too many values for the sparse form: go dense at once, covering the top bucket.
    if (this.#counts === null && this.#used + delta.count > SPARSE_LIMIT) this.#densifyCurrent(delta.indexes[n - 1]!);
    for (let k = 0; k < n; k++) this.#add(delta.indexes[k]!, delta.counts[k]!);
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
      const b = s * SUMMARY_FIELDS;
      const indexes: number[] = [];
      const counts: number[] = [];
      this.#forEachBucketOf(s, (index, count) => {
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
    return 1 / this.#layout.scale;
  }

  /** @internal HDR buckets per power of two, as a power of two (7 for 2 significant digits: 128). */
  get octaveMagnitude(): number {
    return this.#layout.halfMag;
  }

  /** @internal The config this histogram was made with. */
  get config(): WindowedHistogramConfig {
    return this.#layout.config;
  }
}

/** The counts and block sums of a read of sparse slices only: none (shared, never written). */
const NO_COUNTS: readonly Counts[] = Object.freeze([]);
const NO_BLOCKS: readonly Float64Array[] = Object.freeze([]);

/** Where {@link WindowedHistogram} merges the sparse slices of a window for a read (grown as needed). */
let mergeScratch = new Uint32Array(0);

/** Sorts `a[start, end)` in place, unless it is sorted already (the usual case of a re-read). */
function sortRun(a: Sparse, start: number, end: number): void {
  for (let i = start + 1; i < end; i++) {
    if (a[i]! < a[i - 1]!) {
      a.subarray(start, end).sort();
      return;
    }
  }
}

/** Merges the sorted runs `[runs[2k], runs[2k + 1])` of `a` into `out`, ascending. */
function mergeRuns(a: Sparse, runs: number[], out: Uint32Array): void {
  let o = 0;
  for (;;) {
    let best = -1;
    let value = Infinity;
    for (let k = 0; k < runs.length; k += 2) {
      if (runs[k]! < runs[k + 1]! && a[runs[k]!]! < value) {
        value = a[runs[k]!]!;
        best = k;
      }
    }
    if (best < 0) return;
    out[o++] = value;
    runs[best]!++;
  }
}

/** Calls `visit(index, count)` for each run of equal indexes in sorted `run[start, end)`. */
function forEachRun(run: ArrayLike<number>, start: number, end: number, visit: (index: number, count: number) => void): void {
  let i = start;
  while (i < end) {
    const index = run[i]!;
    let j = i + 1;
    while (j < end && run[j] === index) j++;
    visit(index, j - i);
    i = j;
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
