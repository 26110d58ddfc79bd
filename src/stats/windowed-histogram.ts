/**
 * A sliding-window HDR histogram: the window is split into slices, each slice an
 * `hdr-histogram-js` histogram allocated only when a value lands in it, so an idle
 * histogram holds no counts at all. Reading merges the live slices in one pass that
 * yields every statistic at once.
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

type Counts = Uint16Array | Uint32Array | Float64Array;
/**
 * A slice: an `hdr-histogram-js` histogram whose counts we write directly, plus the sum
 * of each block of {@link BLOCK} consecutive buckets, so a read finds the block holding a
 * rank without walking every bucket, and skips empty blocks.
 */
type SliceHistogram = JsHistogram & { _counts: Counts; blocks: Float64Array };

/** Buckets per block (a power of two): reads walk blocks, then at most one block per quantile. */
const BLOCK_SHIFT = 6;
const BLOCK = 1 << BLOCK_SHIFT;

function blocksFor(countsLength: number): Float64Array {
  return new Float64Array(Math.ceil(countsLength / BLOCK));
}

/** Quantiles every histogram reports, as thousandths (exact integer rank arithmetic). */
const QUANTILE_PERMILLE = [500, 750, 950, 980, 990, 999] as const;

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

/** Per-slice fields in the stats array. */
const F_COUNT = 0;
const F_SUM = 1;
const F_MIN = 2;
const F_MAX = 3;
const F_SHIFT = 4;
const F_S1 = 5;
const F_S2 = 6;
const F_SLICE = 7;
const FIELDS = 8;

const TWO_POW_32 = 4_294_967_296;
/** 2^k for the HDR bucket levels (at most 64). */
const POW2 = Float64Array.from({ length: 64 }, (_, k) => 2 ** k);
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
   * Per slice: count, sum, min, max, shift, s1, s2, slice index. Allocated with the first
   * value and freed when the whole window is empty, like the slices' histograms.
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

  constructor(config: WindowedHistogramConfig, tick: number) {
    this.#scale = 1 / config.resolution;
    this.#digits = config.significantDigits;
    // HDR's layout with lowestDiscernibleValue = 1: sub-buckets of 2^(halfMag + 1).
    const subBucketCountMagnitude = Math.ceil(Math.log2(2 * 10 ** config.significantDigits));
    this.#halfMag = Math.max(subBucketCountMagnitude, 1) - 1;
    this.#halfCount = 2 ** this.#halfMag;
    this.#ticksPerSlice = config.ticksPerSlice;
    this.#slices = config.slices;
    const slice = Math.floor(tick / this.#ticksPerSlice);
    this.#slice = slice;
    this.#slot = slotOf(slice, this.#slices);
    this.#base = this.#slot * FIELDS;
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
    const index = this.#index(x);
    let counts = this.#counts;
    if (counts === null || index >= counts.length) counts = this.#fit(x);
    const c = counts[index]! + 1;
    if (c > this.#countLimit) counts = this.#promote();
    counts[index] = c;
    this.#blocks![index >>> BLOCK_SHIFT]! += 1;
    const st = this.#st!;
    const b = this.#base;
    if (st[b + F_COUNT] === 0) {
      st[b + F_SHIFT] = value;
      st[b + F_MIN] = value;
      st[b + F_MAX] = value;
    } else if (value < st[b + F_MIN]!) st[b + F_MIN] = value;
    else if (value > st[b + F_MAX]!) st[b + F_MAX] = value;
    st[b + F_COUNT]! += 1;
    st[b + F_SUM]! += value;
    const d = value - st[b + F_SHIFT]!;
    st[b + F_S1]! += d;
    st[b + F_S2]! += d * d;
  }

  /** HDR's counts-array index of integer `x` (layout of hdr-histogram-js, unit magnitude 0). */
  #index(x: number): number {
    const halfMag = this.#halfMag;
    let log2: number;
    if (x < 0x8000_0000) {
      log2 = 31 - Math.clz32(x);
      if (log2 <= halfMag) return x;
      const bucket = log2 - halfMag;
      return (bucket << halfMag) + (x >>> bucket);
    }
    const hi = Math.floor(x / TWO_POW_32);
    log2 = hi === 0 ? 31 : 63 - Math.clz32(hi);
    const bucket = log2 - halfMag;
    return bucket * this.#halfCount + Math.floor(x / 2 ** bucket);
  }

  /** The lowest integer of the bucket at `index`, and its width, as [lowest, width]. */
  #bucketOf(index: number): number {
    let bucket = Math.floor(index / this.#halfCount) - 1;
    let sub = (index % this.#halfCount) + this.#halfCount;
    if (bucket < 0) {
      sub -= this.#halfCount;
      bucket = 0;
    }
    return sub * 2 ** bucket;
  }

  #width(index: number): number {
    const bucket = Math.floor(index / this.#halfCount) - 1;
    return bucket <= 0 ? 1 : 2 ** bucket;
  }

  /** Makes the current slice's histogram exist and cover integer `x`; returns its counts. */
  #fit(x: number): Counts {
    let hist = this.#hist;
    if (hist === null || this.#st === null) {
      const st = new Float64Array(this.#slices * FIELDS);
      for (let s = 0; s < this.#slices; s++) st[s * FIELDS + F_SLICE] = -Infinity;
      st[this.#base + F_SLICE] = this.#slice;
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
    if (this.#index(x) >= h._counts.length) {
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

  #resetSlot(st: Float64Array, slot: number, slice: number): void {
    const b = slot * FIELDS;
    st[b + F_COUNT] = 0;
    st[b + F_SUM] = 0;
    st[b + F_MIN] = 0;
    st[b + F_MAX] = 0;
    st[b + F_SHIFT] = 0;
    st[b + F_S1] = 0;
    st[b + F_S2] = 0;
    st[b + F_SLICE] = slice;
  }

  /** Moves the current slice to the one holding `tick`, reusing the slot's histogram. */
  #rotate(tick: number): void {
    const slice = Math.floor(tick / this.#ticksPerSlice);
    const slot = slotOf(slice, this.#slices);
    const st = this.#st;
    const hist = this.#hist;
    if (st !== null && hist !== null && st[slot * FIELDS + F_SLICE] !== slice) {
      this.#resetSlot(st, slot, slice);
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
    this.#base = slot * FIELDS;
    this.#counts = h === null ? null : h._counts;
    this.#blocks = h === null ? null : h.blocks;
    this.#countLimit =
      h === null || h._counts.BYTES_PER_ELEMENT === 2 ? COUNT_LIMIT_16 : h._counts.BYTES_PER_ELEMENT === 4 ? COUNT_LIMIT_32 : Infinity;
    this.#nextSliceTick = (slice + 1) * this.#ticksPerSlice;
  }

  /**
   * Frees the histograms of slices that have left the window at `tick` (all state when
   * none is left), and collects the slots still inside it that hold values.
   */
  #liveSlots(tick: number, out: number[]): void {
    const st = this.#st;
    const hist = this.#hist;
    if (st === null || hist === null) return;
    const slice = Math.floor(tick / this.#ticksPerSlice);
    const oldest = slice - this.#slices + 1;
    for (let s = 0; s < this.#slices; s++) {
      const sliceOfSlot = st[s * FIELDS + F_SLICE]!;
      if (sliceOfSlot >= oldest && sliceOfSlot <= slice) {
        if (st[s * FIELDS + F_COUNT]! > 0) out.push(s);
      } else if (hist[s] != null) {
        hist[s] = null;
        st[s * FIELDS + F_COUNT] = 0;
        if (s === this.#slot) {
          this.#counts = null;
          this.#blocks = null;
        }
      }
    }
    if (out.length === 0 && hist.every((h) => h === null)) {
      this.#st = null;
      this.#hist = null;
      this.#counts = null;
      this.#blocks = null;
    }
  }

  /**
   * Computes every statistic of the window at `tick` in one pass over the live slices.
   */
  statistics(tick: number): WindowStatistics {
    // A read can be ahead of the ticker that record() follows: move the current slice
    // first, so values recorded before the ticker catches up land inside the window.
    if (tick >= this.#nextSliceTick) this.#rotate(tick);
    const slots: number[] = [];
    this.#liveSlots(tick, slots);
    const st = this.#st ?? new Float64Array(0);
    let count = 0;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const s of slots) {
      const b = s * FIELDS;
      count += st[b + F_COUNT]!;
      sum += st[b + F_SUM]!;
      if (st[b + F_MIN]! < min) min = st[b + F_MIN]!;
      if (st[b + F_MAX]! > max) max = st[b + F_MAX]!;
    }
    if (count === 0) {
      return {
        count: 0, sum: 0, min: null, max: null, mean: null, stddev: null,
        p50: null, p75: null, p95: null, p98: null, p99: null, p999: null,
      };
    }
    const mean = sum / count;
    // Chan et al.'s parallel combination of per-slice second moments, each computed
    // around its own shift (the slice's first value) to avoid cancellation.
    let m2 = 0;
    for (const s of slots) {
      const b = s * FIELDS;
      const n = st[b + F_COUNT]!;
      const s1 = st[b + F_S1]!;
      const sliceMean = st[b + F_SHIFT]! + s1 / n;
      const sliceM2 = Math.max(0, st[b + F_S2]! - (s1 * s1) / n);
      const d = sliceMean - mean;
      m2 += sliceM2 + n * d * d;
    }
    const stddev = Math.sqrt(m2 / count);
    const q = this.#quantiles(slots, count, min, max);
    return {
      count, sum, min, max, mean, stddev,
      p50: q[0]!, p75: q[1]!, p95: q[2]!, p98: q[3]!, p99: q[4]!, p999: q[5]!,
    };
  }

  /**
   * One pass over the merged block sums of `slots` yields every quantile (nearest rank):
   * blocks that end before the next rank are added whole, so only the block holding each
   * rank is walked bucket by bucket.
   */
  #quantiles(slots: readonly number[], count: number, min: number, max: number): number[] {
    const out: number[] = [];
    const ranks = QUANTILE_PERMILLE.map((p) => Math.max(1, Math.ceil((p * count) / 1000)));
    const counts: Counts[] = [];
    const blocks: Float64Array[] = [];
    let nBlocks = 0;
    for (const s of slots) {
      const h = this.#hist?.[s];
      if (h == null) continue;
      counts.push(h._counts);
      blocks.push(h.blocks);
      if (h.blocks.length > nBlocks) nBlocks = h.blocks.length;
    }
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
          out.push(this.#midpoint(i, min, max));
          if (++j === ranks.length) return out;
          next = ranks[j]!;
        }
      }
    }
    return out;
  }

  /** The middle of bucket `index` in value units, clamped to the exact [min, max]. */
  #midpoint(index: number, min: number, max: number): number {
    const value = (this.#bucketOf(index) + (this.#width(index) - 1) / 2) / this.#scale;
    return value < min ? min : value > max ? max : value;
  }

  /**
   * The live slices merged into one `hdr-histogram-js` histogram (with its count, min and
   * max set), for encoding and merging across processes. `null` when the window is empty.
   */
  toHdr(tick: number): JsHistogram | null {
    if (tick >= this.#nextSliceTick) this.#rotate(tick);
    const slots: number[] = [];
    this.#liveSlots(tick, slots);
    let merged: SliceHistogram | null = null;
    const st = this.#st;
    for (const s of slots) {
      const h = this.#hist?.[s];
      if (h == null || st === null) continue;
      const b = s * FIELDS;
      h.setTotalCount(st[b + F_COUNT]!);
      h.maxValue = 0;
      h.minNonZeroValue = Number.MAX_SAFE_INTEGER;
      h.updateMinAndMax(Math.round(st[b + F_MIN]! * this.#scale));
      h.updateMinAndMax(Math.round(st[b + F_MAX]! * this.#scale));
      if (merged === null) {
        merged = new Float64Histogram(1, 2, this.#digits) as unknown as SliceHistogram;
        merged.autoResize = true;
      }
      merged.add(h);
    }
    return merged;
  }

  /**
   * Empties every slice, keeping narrow allocated counts for reuse (wide ones are freed,
   * as their large counts belonged to old data).
   */
  reset(): void {
    const st = this.#st;
    const hist = this.#hist;
    if (st === null || hist === null) return;
    for (let s = 0; s < this.#slices; s++) {
      this.#resetSlot(st, s, st[s * FIELDS + F_SLICE]!);
      const h = hist[s];
      if (h == null) continue;
      h._counts.fill(0);
      h.blocks.fill(0);
    }
  }

  /** Frees every slice: the histogram holds no arrays until its next value. */
  release(): void {
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
    if (tick >= this.#nextSliceTick) this.#rotate(tick);
    const slots: number[] = [];
    this.#liveSlots(tick, slots);
    const st = this.#st;
    if (st === null || slots.length === 0) return null;
    let min = Infinity;
    let max = -Infinity;
    const counts: Counts[] = [];
    const blocks: Float64Array[] = [];
    let nBlocks = 0;
    for (const s of slots) {
      if (st[s * FIELDS + F_MIN]! < min) min = st[s * FIELDS + F_MIN]!;
      if (st[s * FIELDS + F_MAX]! > max) max = st[s * FIELDS + F_MAX]!;
      const h = this.#hist?.[s];
      if (h == null) continue;
      counts.push(h._counts);
      blocks.push(h.blocks);
      if (h.blocks.length > nBlocks) nBlocks = h.blocks.length;
    }
    const single = counts.length === 1 ? counts[0]! : null;
    const scale = this.#scale;
    const halfCount = this.#halfCount;
    for (let b = 0; b < nBlocks; b++) {
      let left = 0;
      for (const bl of blocks) if (b < bl.length) left += bl[b]!;
      if (left === 0) continue;
      const start = b << BLOCK_SHIFT;
      const end = single === null ? start + BLOCK : Math.min(start + BLOCK, single.length);
      // The block's sum says how many values it holds: stop at the last of them.
      for (let i = start; i < end && left > 0; i++) {
        let c = 0;
        if (single !== null) c = single[i]!;
        else for (const a of counts) if (i < a.length) c += a[i]!;
        if (c === 0) continue;
        left -= c;
        // #bucketOf and #width, inlined: HDR's bucket of index i is [sub * 2^k, (sub + 1) * 2^k).
        let k = Math.floor(i / halfCount) - 1;
        let sub = (i % halfCount) + halfCount;
        if (k < 0) {
          sub -= halfCount;
          k = 0;
        }
        const width = POW2[k]!;
        visit((sub * width + (width - 1) / 2) / scale, c, i);
      }
    }
    return { min, max };
  }

  /** @internal The value of one HDR unit: values are bucketed as integer multiples of it. */
  get resolution(): number {
    return 1 / this.#scale;
  }

  /** @internal HDR buckets per power of two, as a power of two (7 for 2 significant digits: 128). */
  get octaveMagnitude(): number {
    return this.#halfMag;
  }

  /** @internal test hook: HDR index of an integer, as hdr-histogram-js computes it. */
  indexOf(x: number): number {
    return this.#index(x);
  }
}
