/**
 * Histogram: the distribution of recorded values. Every value is recorded (no sampling)
 * into HDR histogram slices of a sliding window; count and sum cover the whole life of
 * the metric, the statistics cover the window.
 *
 * @module
 */

import { currentTick, TICK_MS, type Clock, type CoarseTicker } from '../clock.js';
import { InvalidOptionError, show } from '../errors.js';
import type { Tags } from '../names.js';
import type { DistributionFields, HistogramSnapshot } from '../registry/snapshot.js';
import { WindowedHistogram, type WindowedHistogramConfig } from '../stats/windowed-histogram.js';
import type { InvalidValueTally, MetricContext } from './metric.js';
import type { JsHistogram } from 'hdr-histogram-js';

/** Options shared by histograms and timers for their window and precision. */
export type WindowOptions = {
  /**
   * HDR significant digits, 1 to 5: quantiles are within `10^-significantDigits` relative
   * error of the exact value. Memory grows about tenfold per digit.
   *
   * @defaultValue 2 (1%)
   */
  readonly significantDigits?: number;
  /**
   * The length of the recent window the statistics cover, in milliseconds. Must split
   * into `windowSlices` slices that are whole multiples of 5 seconds.
   *
   * @defaultValue 60000
   */
  readonly windowMs?: number;
  /**
   * How many slices the window rotates through: the statistics cover between
   * `(windowSlices - 1) / windowSlices` of the window and the whole window.
   *
   * @defaultValue 4
   */
  readonly windowSlices?: number;
};

/** Options of `registry.histogram()`. */
export type HistogramOptions = WindowOptions & {
  /** Tags of this series. */
  readonly tags?: Tags;
  /**
   * Values are bucketed as integer multiples of this (HDR buckets hold integers); a
   * quantile is exact to within `max(relative error, resolution)`. Min, max and sum are
   * exact regardless. Values above `Number.MAX_SAFE_INTEGER * resolution` are dropped.
   *
   * @defaultValue 0.001
   */
  readonly resolution?: number;
};

/** The defaults of {@link WindowOptions}. */
export const DEFAULT_WINDOW = Object.freeze({ significantDigits: 2, windowMs: 60_000, windowSlices: 4 });

/** The default resolution of histogram values (and of timer durations, in ms). */
export const DEFAULT_RESOLUTION = 0.001;

/**
 * Validates window options.
 *
 * @throws {@link InvalidOptionError} naming the bad option and value.
 * @internal
 */
export function windowConfig(options: WindowOptions, resolution: number, what: string): WindowedHistogramConfig {
  const significantDigits = options.significantDigits ?? DEFAULT_WINDOW.significantDigits;
  const windowMs = options.windowMs ?? DEFAULT_WINDOW.windowMs;
  const slices = options.windowSlices ?? DEFAULT_WINDOW.windowSlices;
  if (!Number.isInteger(significantDigits) || significantDigits < 1 || significantDigits > 5) {
    throw new InvalidOptionError(`${what}: significantDigits must be an integer from 1 to 5, received ${show(significantDigits)}`);
  }
  if (!Number.isInteger(slices) || slices < 1 || slices > 60) {
    throw new InvalidOptionError(`${what}: windowSlices must be an integer from 1 to 60, received ${show(slices)}`);
  }
  const sliceMs = windowMs / slices;
  if (typeof windowMs !== 'number' || !Number.isInteger(sliceMs / TICK_MS) || sliceMs <= 0) {
    throw new InvalidOptionError(
      `${what}: windowMs / windowSlices must be a positive multiple of ${TICK_MS} ms, ` +
        `received windowMs ${show(windowMs)} and windowSlices ${show(slices)}`,
    );
  }
  if (typeof resolution !== 'number' || !(resolution > 0) || !Number.isFinite(resolution)) {
    throw new InvalidOptionError(`${what}: resolution must be a finite number > 0, received ${show(resolution)}`);
  }
  return { significantDigits, resolution, ticksPerSlice: sliceMs / TICK_MS, slices };
}

const configKeys = new Map<string, string>();

/**
 * @internal A canonical string of a window config, to compare registrations; interned,
 * so ten thousand timers with the same options share one string.
 */
export function configKey(config: WindowedHistogramConfig): string {
  const key = `d=${config.significantDigits} r=${config.resolution} t=${config.ticksPerSlice} s=${config.slices}`;
  let interned = configKeys.get(key);
  if (interned === undefined) {
    interned = key;
    configKeys.set(key, key);
  }
  return interned;
}

/** @internal The exact totals of an interval, for {@link IntervalReader.takeBuckets}. */
export type IntervalTotals = {
  readonly count: number;
  readonly sum: number;
  readonly min: number | null;
  readonly max: number | null;
};

/**
 * Reads the values recorded since its previous {@link IntervalReader.take}: a view of a
 * histogram or timer that belongs to one consumer (a reporter), so that two consumers
 * never disturb each other. It records into its own HDR histogram, allocated when the
 * first value arrives, so opening one costs memory on the metric's hot path only while
 * it is open.
 */
export class IntervalReader {
  readonly #owner: Distribution;
  readonly #window: WindowedHistogram;
  #count = 0;
  #sum = 0;

  /** @internal Use `histogram.openInterval()` or `timer.openInterval()`. */
  constructor(owner: Distribution, config: WindowedHistogramConfig) {
    this.#owner = owner;
    // One slice that never rotates: it holds everything since the last take().
    this.#window = new WindowedHistogram({ ...config, slices: 1, ticksPerSlice: Number.POSITIVE_INFINITY }, 0);
  }

  /** @internal Called by the owner's hot path. */
  record(value: number): void {
    this.#count++;
    this.#sum += value;
    this.#window.record(value, 0);
  }

  /**
   * The statistics of the values recorded since the previous `take()` (or since the
   * reader was opened), then starts a new interval. `count` and `sum` here cover the
   * interval, like `windowCount`.
   */
  take(): DistributionFields {
    const w = this.#window.statistics(0);
    const fields: DistributionFields = {
      count: this.#count, sum: this.#sum, windowCount: w.count,
      min: w.min, max: w.max, mean: w.mean, stddev: w.stddev,
      p50: w.p50, p75: w.p75, p95: w.p95, p98: w.p98, p99: w.p99, p999: w.p999,
    };
    this.#restart();
    return fields;
  }

  #restart(): void {
    // An interval with values keeps its arrays for the next one; an empty one frees
    // them, so a reader of an idle metric holds nothing.
    if (this.#count === 0) this.#window.release();
    else this.#window.reset();
    this.#count = 0;
    this.#sum = 0;
  }

  /**
   * @internal Like {@link IntervalReader.take}, but for bucketed encoders: calls
   * `visit(midpoint, count, index)` for every non-empty HDR bucket of the interval,
   * lowest first (`midpoint` in value units, `index` the HDR bucket index), returns only
   * the interval's exact count, sum, min and max (no quantiles are computed), then
   * starts a new interval.
   */
  takeBuckets(visit: (midpoint: number, count: number, index: number) => void): IntervalTotals {
    const extremes = this.#window.visitBuckets(0, visit);
    const totals: IntervalTotals = { count: this.#count, sum: this.#sum, min: extremes?.min ?? null, max: extremes?.max ?? null };
    this.#restart();
    return totals;
  }

  /** @internal The metric's resolution: values below half of it are recorded as 0. */
  get resolution(): number {
    return this.#window.resolution;
  }

  /** @internal HDR buckets per power of two, as a power of two (7 for 2 significant digits). */
  get octaveMagnitude(): number {
    return this.#window.octaveMagnitude;
  }

  /** Detaches the reader from its metric; it records nothing more. Safe to call twice. */
  close(): void {
    this.#owner.detach(this);
  }
}

/**
 * The distribution part shared by {@link Histogram} and timers: lifetime count and sum
 * plus a sliding window.
 *
 * @internal
 */
export class Distribution {
  count = 0;
  sum = 0;
  readonly window: WindowedHistogram;
  readonly maxValue: number;
  readonly #clock: Clock;
  readonly #ticker: CoarseTicker;
  readonly #config: WindowedHistogramConfig;
  #readers: IntervalReader[] | null = null;

  constructor(clock: Clock, ticker: CoarseTicker, config: WindowedHistogramConfig) {
    this.#clock = clock;
    this.#ticker = ticker;
    this.#config = config;
    this.window = new WindowedHistogram(config, currentTick(clock, ticker));
    this.maxValue = this.window.maxValue;
  }

  /** Records a value the caller has validated. */
  record(value: number): void {
    this.count++;
    this.sum += value;
    this.window.record(value, this.#ticker.tick);
    const readers = this.#readers;
    if (readers !== null) for (const reader of readers) reader.record(value);
  }

  openInterval(): IntervalReader {
    const reader = new IntervalReader(this, this.#config);
    this.#readers = this.#readers === null ? [reader] : [...this.#readers, reader];
    return reader;
  }

  detach(reader: IntervalReader): void {
    if (this.#readers === null) return;
    const rest = this.#readers.filter((r) => r !== reader);
    this.#readers = rest.length === 0 ? null : rest;
  }

  fields(): DistributionFields {
    const w = this.window.statistics(currentTick(this.#clock, this.#ticker));
    return {
      count: this.count,
      sum: this.sum,
      windowCount: w.count,
      min: w.min,
      max: w.max,
      mean: w.mean,
      stddev: w.stddev,
      p50: w.p50,
      p75: w.p75,
      p95: w.p95,
      p98: w.p98,
      p99: w.p99,
      p999: w.p999,
    };
  }

  toHdr(): JsHistogram | null {
    return this.window.toHdr(currentTick(this.#clock, this.#ticker));
  }
}

/**
 * A histogram. Get one from `registry.histogram(name)`.
 *
 * @example
 * ```ts
 * const sizes = registry.histogram('http.response_bytes', { resolution: 1 });
 * sizes.record(512);
 * sizes.statistics().p99;
 * ```
 */
export class Histogram {
  /** Always `'histogram'`. */
  readonly type = 'histogram' as const;
  /** The dotted name. */
  readonly name: string;
  /** The tags, sorted by key and frozen. */
  readonly tags: Tags;
  readonly #distribution: Distribution;
  readonly #max: number;
  readonly #invalid: InvalidValueTally;

  /** @internal Use `registry.histogram()`. */
  constructor(context: MetricContext, config: WindowedHistogramConfig) {
    this.name = context.name;
    this.tags = context.tags;
    this.#invalid = context.invalid;
    this.#distribution = new Distribution(context.clock, context.ticker, config);
    this.#max = this.#distribution.maxValue;
  }

  /**
   * Records a value. NaN, infinities, negatives, values above the tracked range and
   * non-numbers are dropped and counted in `registry.invalidValues`; never throws.
   */
  record(value: number): void {
    if (typeof value === 'number' && value >= 0 && value <= this.#max) this.#distribution.record(value);
    else this.#invalid.count++;
  }

  /** Values recorded since creation. */
  get count(): number {
    return this.#distribution.count;
  }

  /** Sum of the values recorded since creation. */
  get sum(): number {
    return this.#distribution.sum;
  }

  /** Lifetime count and sum, and the statistics of the current window (computed in one pass). */
  statistics(): DistributionFields {
    return this.#distribution.fields();
  }

  /**
   * The current window as an `hdr-histogram-js` histogram (values in units of
   * `resolution`), for encoding or merging; `null` when the window is empty.
   */
  toHdrHistogram(): JsHistogram | null {
    return this.#distribution.toHdr();
  }

  /**
   * Opens a reader of the values recorded from now on, for one consumer's
   * "since my last report" statistics. Close it when done.
   */
  openInterval(): IntervalReader {
    return this.#distribution.openInterval();
  }

  /** The JSON snapshot of this histogram. */
  snapshot(): HistogramSnapshot {
    return { type: 'histogram', ...this.#distribution.fields() };
  }
}
