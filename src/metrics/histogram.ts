/**
 * Histogram: the distribution of recorded values. Every value is recorded (no sampling)
 * into HDR histogram slices of a sliding window; count and sum cover the whole life of
 * the metric, the statistics cover the window.
 *
 * @module
 */

import { positiveNumber } from '../internal/options.js';
import { tagsCheck, type Tags } from '../names.js';
import type { DistributionFields, HistogramSnapshot } from './snapshot.js';
import type { WindowedHistogramConfig } from '../stats/windowed-histogram.js';
import { BUCKET_SCHEMA, layoutOf, type BucketOptions } from './buckets.js';
import { Distribution, WINDOW_SCHEMA, type WindowOptions } from './distribution.js';
import { LifetimeBuckets, type LifetimeBucketsRead } from './lifetime-buckets.js';
import type { IntervalReader } from './interval-reader.js';
import type { InvalidValueTally, MetricContext } from './metric.js';
import type { JsHistogram } from 'hdr-histogram-js';

/** Options of `registry.histogram()`. */
export type HistogramOptions = WindowOptions &
  BucketOptions & {
  /** Tags of this series. */
  readonly tags?: Tags;
  /**
   * Values are bucketed as integer multiples of this (HDR buckets hold integers); a
   * quantile is exact to within `max(relative error, resolution)`. Min, max and sum are
   * exact regardless. Values above `Number.MAX_SAFE_INTEGER * resolution` are dropped.
   * A finite number > 0.
   *
   * @defaultValue 0.001
   */
  readonly resolution?: number;
};

/** The schema of {@link HistogramOptions}. @internal */
export const HISTOGRAM_SCHEMA = Object.freeze({ tags: tagsCheck, ...WINDOW_SCHEMA, resolution: positiveNumber, ...BUCKET_SCHEMA });

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
  /** Always `'histogram'` (on the prototype: one less field per histogram). */
  declare readonly type: 'histogram';
  /** The dotted name. */
  readonly name: string;
  /** The tags, sorted by key and frozen. */
  readonly tags: Tags;
  readonly #distribution: Distribution;
  readonly #invalid: InvalidValueTally;

  /** @internal Use `registry.histogram()`. */
  constructor(context: MetricContext, config: WindowedHistogramConfig) {
    this.name = context.name;
    this.tags = context.tags;
    this.#invalid = context.env.invalid;
    // Lifetime buckets are attached at creation, so they cover every value the metric ever holds.
    const layout = layoutOf(config);
    this.#distribution = new Distribution(context.env, config, layout === null ? null : new LifetimeBuckets(layout));
  }

  /**
   * Records a value. NaN, infinities, negatives, values above the tracked range and
   * non-numbers are dropped and counted in `registry.invalidValues`; never throws.
   */
  record(value: number): void {
    const distribution = this.#distribution;
    if (typeof value === 'number' && value >= 0 && value <= distribution.maxValue) distribution.record(value);
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

  /** @internal The distribution itself (lifetime buckets, cross-process merging). */
  get distribution(): Distribution {
    return this.#distribution;
  }

  /**
   * @internal The lifetime bucket counts (with `buckets` or `nativeHistogram`), or
   * `null` when the metric has none.
   */
  lifetimeBuckets(): LifetimeBucketsRead | null {
    return this.#distribution.lifetimeBuckets();
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
Object.defineProperty(Histogram.prototype, 'type', { value: 'histogram', enumerable: false, writable: false, configurable: false });
