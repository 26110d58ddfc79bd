/**
 * What histograms and timers share: the options of their window and precision, and the
 * distribution itself (lifetime count and sum, a sliding window of HDR slices, and the
 * interval readers of reporters).
 *
 * @module
 */

import { currentTick, TICK_MS, type CoarseTicker } from '../clock.js';
import { check, checkValue, integer, type Read } from '../internal/options.js';
import type { DistributionFields } from './snapshot.js';
import { EMPTY_WINDOW } from '../stats/window-statistics.js';
import { windowMaxValue, WindowedHistogram, type WindowedHistogramConfig } from '../stats/windowed-histogram.js';
import type { LifetimeBuckets, LifetimeBucketsRead } from './lifetime-buckets.js';
import { distributionFields, IntervalReader, type IntervalOwner } from './interval-reader.js';
import { optionDifference, type MetricEnv, type OptionDifference } from './metric.js';
import type { JsHistogram } from 'hdr-histogram-js';
import type { SliceDelta } from '../stats/slice-delta.js';

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
   * The length of the recent window the statistics cover, in milliseconds: a multiple of
   * `windowSlices × 5000` (each slice is a whole number of 5-second ticks).
   *
   * @defaultValue 60000
   */
  readonly windowMs?: number;
  /**
   * How many slices the window rotates through, 1 to 60: the statistics cover between
   * `(windowSlices - 1) / windowSlices` of the window and the whole window.
   *
   * @defaultValue 4
   */
  readonly windowSlices?: number;
};

/** The defaults of {@link WindowOptions}. @internal */
export const DEFAULT_WINDOW = Object.freeze({ significantDigits: 2, windowMs: 60_000, windowSlices: 4 });

/** The default resolution of histogram values (and of timer durations, in ms). @internal */
export const DEFAULT_RESOLUTION = 0.001;

/** The schema of {@link WindowOptions}, spread into the histogram's and the timer's. @internal */
export const WINDOW_SCHEMA = Object.freeze({
  significantDigits: integer(1, 5),
  windowMs: check(`a positive multiple of ${TICK_MS}`, (value, context) =>
    typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value % TICK_MS === 0
      ? value
      : context.fail(`a positive multiple of ${TICK_MS}`),
  ),
  windowSlices: integer(1, 60),
});

const configs = new Map<string, WindowedHistogramConfig>();

/**
 * The window config of read options, checking that the window splits into whole
 * 5-second slices. Interned: equal options give the same frozen object, so ten thousand
 * timers with the same options share one, and registrations compare by identity.
 *
 * @param where - who reads the options, for messages (`timer "db.query"`).
 * @param read - the window options, as {@link readOptions} returned them.
 * @param resolution - the bucket resolution (already checked), or undefined for the default.
 * @throws {@link InvalidOptionError} if `windowMs` is not a multiple of `windowSlices × 5000`.
 * @internal
 */
export function windowConfig(
  where: string,
  read: Read<typeof WINDOW_SCHEMA>,
  resolution: number | undefined,
): WindowedHistogramConfig {
  const significantDigits = read.significantDigits ?? DEFAULT_WINDOW.significantDigits;
  const windowMs = read.windowMs ?? DEFAULT_WINDOW.windowMs;
  const slices = read.windowSlices ?? DEFAULT_WINDOW.windowSlices;
  const sliceTicks = windowMs / slices / TICK_MS;
  if (!Number.isInteger(sliceTicks)) {
    const expected = `a multiple of windowSlices × ${TICK_MS} (${slices * TICK_MS})`;
    checkValue(where, "option 'windowMs'", windowMs, check(expected, (_v, context) => context.fail(expected)));
  }
  const r = resolution ?? DEFAULT_RESOLUTION;
  const key = `${significantDigits} ${r} ${sliceTicks} ${slices}`;
  let config = configs.get(key);
  if (config === undefined) {
    config = Object.freeze({ significantDigits, resolution: r, ticksPerSlice: sliceTicks, slices });
    configs.set(key, config);
  }
  return config;
}

/**
 * The options in which two window configs differ, in the words of the options.
 *
 * @param resolutionOption - what the resolution is called: `resolution` (histograms) or `resolutionMs` (timers).
 * @internal
 */
export function windowDifferences(
  existing: WindowedHistogramConfig,
  asked: WindowedHistogramConfig,
  resolutionOption: string,
): OptionDifference[] {
  const out: OptionDifference[] = [];
  optionDifference('significantDigits', existing.significantDigits, asked.significantDigits, out);
  const windowMs = (c: WindowedHistogramConfig): number => c.ticksPerSlice * c.slices * TICK_MS;
  optionDifference('windowMs', windowMs(existing), windowMs(asked), out);
  optionDifference('windowSlices', existing.slices, asked.slices, out);
  optionDifference(resolutionOption, existing.resolution, asked.resolution, out);
  return out;
}

/** What every distribution of one config shares: the config and the largest recordable value. */
type Shape = {
  readonly config: WindowedHistogramConfig;
  /** A double: held here once, not boxed in each distribution. */
  readonly maxValue: number;
};

const shapes = new WeakMap<WindowedHistogramConfig, Shape>();

function shapeOf(config: WindowedHistogramConfig): Shape {
  let shape = shapes.get(config);
  if (shape === undefined) {
    shape = Object.freeze({ config, maxValue: windowMaxValue(config) });
    shapes.set(config, shape);
  }
  return shape;
}

/**
 * The distribution part shared by histograms and timers: lifetime count and sum plus a
 * sliding window, the lifetime buckets (when the metric has any) and the interval
 * readers open on it.
 *
 * The window is created with the first value (or the first read that needs one): an
 * idle metric holds no window object at all, and reads of it take the empty window's
 * statistics. A window created late is the window an idle one would be by then: an
 * empty window holds nothing that depends on when it was made.
 *
 * @internal
 */
export class Distribution implements IntervalOwner {
  count = 0;
  sum = 0;
  #window: WindowedHistogram | null = null;
  readonly #shape: Shape;
  /** The registry's clock, ticker and tally (shared). */
  readonly #env: MetricEnv;
  /** The ticker again, one load nearer for `record()` (measured: 5 to 10% of a timer update). */
  readonly #ticker: CoarseTicker;
  /** Told of every slice that leaves the window (with `buckets` or `nativeHistogram`). */
  readonly #lifetime: LifetimeBuckets | null;
  #readers: IntervalReader[] | null = null;

  constructor(env: MetricEnv, config: WindowedHistogramConfig, lifetime: LifetimeBuckets | null = null) {
    this.#env = env;
    this.#ticker = env.ticker;
    this.#shape = shapeOf(config);
    this.#lifetime = lifetime;
  }

  /** The sliding window (created now if the metric never had one). */
  get window(): WindowedHistogram {
    return this.#window ?? Distribution.#createWindow(this, this.currentTick());
  }

  /** Static: a private instance method would cost every distribution a brand field. */
  static #createWindow(self: Distribution, tick: number): WindowedHistogram {
    const window = new WindowedHistogram(self.#shape.config, tick);
    if (self.#lifetime !== null) window.retireInto(self.#lifetime);
    self.#window = window;
    return window;
  }

  /** The largest value that can be recorded. */
  get maxValue(): number {
    return this.#shape.maxValue;
  }

  /** Records a value the caller has validated. */
  record(value: number): void {
    this.count++;
    this.sum += value;
    const tick = this.#ticker.tick;
    (this.#window ?? Distribution.#createWindow(this, tick)).record(value, tick);
    const readers = this.#readers;
    if (readers !== null) for (const reader of readers) reader.record(value);
  }

  /**
   * Adds state shipped from a histogram of the same config (another process's slice, or
   * what it added since its last push): lifetime count and sum, the current window slice
   * and every open interval reader, as if the delta's values had been recorded now.
   */
  merge(delta: SliceDelta): void {
    if (delta.count === 0) return;
    this.count += delta.count;
    this.sum += delta.sum;
    this.window.merge(this.currentTick(), delta);
    const readers = this.#readers;
    if (readers !== null) for (const reader of readers) reader.merge(delta);
  }

  /** The current coarse tick, as the window's reads take it. */
  currentTick(): number {
    return currentTick(this.#env.clock, this.#ticker);
  }

  /** The window's config (precision, resolution, slices): deltas merge only between equal configs. */
  get config(): WindowedHistogramConfig {
    return this.#shape.config;
  }

  /** Opens a reader of the values recorded from now on. */
  openInterval(): IntervalReader {
    const reader = new IntervalReader(this, this.#shape.config);
    this.#readers = this.#readers === null ? [reader] : [...this.#readers, reader];
    return reader;
  }

  /** Stops feeding `reader` (a new array, so a record() in progress is not disturbed). */
  detach(reader: IntervalReader): void {
    if (this.#readers === null) return;
    const rest = this.#readers.filter((r) => r !== reader);
    this.#readers = rest.length === 0 ? null : rest;
  }

  /** Lifetime count and sum, and the statistics of the window now. */
  fields(): DistributionFields {
    const window = this.#window;
    const statistics = window === null ? EMPTY_WINDOW : window.statistics(this.currentTick());
    return distributionFields(this.count, this.sum, statistics);
  }

  /** The window now as one `hdr-histogram-js` histogram, or `null` when it is empty. */
  toHdr(): JsHistogram | null {
    return this.#window === null ? null : this.#window.toHdr(this.currentTick());
  }

  /**
   * The lifetime bucket counts (with `buckets` or `nativeHistogram`), or `null` when
   * the metric has none.
   */
  lifetimeBuckets(): LifetimeBucketsRead | null {
    return this.#lifetime === null ? null : this.#lifetime.read(this.#window, this.currentTick());
  }
}
