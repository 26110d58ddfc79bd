/**
 * Interval readers: "the distribution since my last report", one per consumer, so that
 * two reporters never disturb each other.
 *
 * @module
 */

import type { DistributionFields } from './snapshot.js';
import { WindowedHistogram, type WindowedHistogramConfig } from '../stats/windowed-histogram.js';
import type { WindowStatistics } from '../stats/window-statistics.js';
import type { SliceDelta } from '../stats/slice-delta.js';

/** The one-slice config of the readers of each window config (shared, like the window's). */
const intervalConfigs = new WeakMap<WindowedHistogramConfig, WindowedHistogramConfig>();

/** What an {@link IntervalReader} is detached from when closed (its histogram or timer). @internal */
export interface IntervalOwner {
  /** Stops feeding `reader`. */
  detach(reader: IntervalReader): void;
}

/** @internal The exact totals of an interval, for {@link IntervalReader.takeBuckets}. */
export type IntervalTotals = {
  readonly count: number;
  readonly sum: number;
  readonly min: number | null;
  readonly max: number | null;
};

/**
 * The fields of a distribution's snapshot: `count` and `sum` as the caller counts them
 * (lifetime for a metric, the interval for a reader) and the statistics of a window.
 *
 * @internal
 */
export function distributionFields(count: number, sum: number, w: WindowStatistics): DistributionFields {
  return {
    count, sum, windowCount: w.count,
    min: w.min, max: w.max, mean: w.mean, stddev: w.stddev,
    p50: w.p50, p75: w.p75, p95: w.p95, p98: w.p98, p99: w.p99, p999: w.p999,
  };
}

/**
 * Reads the values recorded since its previous {@link IntervalReader.take}: a view of a
 * histogram or timer that belongs to one consumer (a reporter), so that two consumers
 * never disturb each other. It records into its own HDR histogram, allocated when the
 * first value arrives, so opening one costs memory on the metric's hot path only while
 * it is open.
 *
 * @example
 * ```ts
 * import { Registry } from 'tapemeasure';
 *
 * const latency = new Registry().timer('db.query');
 * const reader = latency.openInterval();
 * latency.update(12);
 * console.log(reader.take().p99); // 12: the values since the reader opened
 * console.log(reader.take().p99); // null: nothing since the previous take()
 * reader.close();
 * ```
 */
export class IntervalReader {
  readonly #owner: IntervalOwner;
  readonly #window: WindowedHistogram;
  #count = 0;
  #sum = 0;

  /** @internal Use `histogram.openInterval()` or `timer.openInterval()`. */
  constructor(owner: IntervalOwner, config: WindowedHistogramConfig) {
    this.#owner = owner;
    // One slice that never rotates: it holds everything since the last take().
    let one = intervalConfigs.get(config);
    if (one === undefined) {
      one = Object.freeze({ ...config, slices: 1, ticksPerSlice: Number.POSITIVE_INFINITY });
      intervalConfigs.set(config, one);
    }
    this.#window = new WindowedHistogram(one, 0);
  }

  /** @internal Called by the owner's hot path. */
  record(value: number): void {
    this.#count++;
    this.#sum += value;
    this.#window.record(value, 0);
  }

  /** @internal Adds merged state (see `Distribution.merge`) to the interval. */
  merge(delta: SliceDelta): void {
    this.#count += delta.count;
    this.#sum += delta.sum;
    this.#window.merge(0, delta);
  }

  /**
   * The statistics of the values recorded since the previous `take()` (or since the
   * reader was opened), then starts a new interval. `count` and `sum` here cover the
   * interval, like `windowCount`.
   */
  take(): DistributionFields {
    const w = this.#window.statistics(0);
    const fields = distributionFields(this.#count, this.#sum, w);
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
