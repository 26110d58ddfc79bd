/**
 * The types every registry shares: the metrics it holds, its options, the
 * {@link MetricFactory} and {@link MetricRegistry} interfaces, and the brand that
 * recognises a registry without `instanceof`.
 *
 * @module
 */

import type { Clock } from '../clock.js';
import type { Counter } from '../metrics/counter.js';
import type { BucketsOption } from '../metrics/buckets.js';
import type { Gauge, GaugeOptions, GaugeReader } from '../metrics/gauge.js';
import type { Histogram, HistogramOptions } from '../metrics/histogram.js';
import type { Meter } from '../metrics/meter.js';
import type { MetricOptions } from '../metrics/metric.js';
import type { Timer, TimerOptions } from '../metrics/timer.js';
import type { Tags } from '../names.js';
import type { SnapshotTree } from './snapshot.js';

/** Any metric the registry holds. */
export type Metric = Counter | Gauge | Meter | Histogram | Timer;

/** Selects metrics: called with each metric, returns whether it is selected. */
export type MetricFilter = (metric: Metric) => boolean;

/**
 * Why a series was added: `'created'` (new), or `'revived'` (an expired series that came
 * back, asked for again or recorded into through a held handle: the same object, its
 * counts intact).
 */
export type AddedReason = 'created' | 'revived';

/**
 * Why a series was removed: `'removed'` (`remove()`, `removeMatching()`), or `'expired'`
 * (idle for `expireAfterMs`).
 */
export type RemovedReason = 'removed' | 'expired';

/**
 * Told when metrics are added to or removed from a registry.
 *
 * A reader that sends count deltas (StatsD, Graphite, OTLP delta) keeps its last sent
 * count per metric object. On `onRemoved(metric, 'expired')` it sends, in its next
 * report, what it has not sent yet (`metric.count` minus its last sent count) and
 * remembers `metric.count` as sent; if the series is revived later, the same object
 * comes back (`onAdded(metric, 'revived')`) and its deltas simply go on from there.
 */
export interface RegistryListener {
  /** Called after a series is added: created, or revived after expiry. */
  onAdded?(metric: Metric, reason: AddedReason): void;
  /** Called after a series is removed: by `remove()`, or by expiry. */
  onRemoved?(metric: Metric, reason: RemovedReason): void;
}

/** Options of a {@link Registry}. */
export type RegistryOptions = {
  /**
   * The time source for rates, windows and durations: an object with `now()` and
   * `monotonicMs()`.
   *
   * @defaultValue `systemClock`
   */
  readonly clock?: Clock;
  /**
   * The most tagged series one name may hold, an integer >= 1. Beyond it, new tag sets
   * share one overflow series tagged `{ tapemeasure_overflow: 'true' }`, and one
   * `ERR_TAPEMEASURE_SERIES_LIMIT` warning per name is emitted.
   *
   * @defaultValue 1000
   */
  readonly maxSeriesPerName?: number;
  /**
   * The most series the registry (with all its scopes) may hold, an integer >= 1. Beyond
   * it, every new series goes to one overflow series per type, named
   * `tapemeasure.overflow.<type>` (`tapemeasure.overflow.callback_gauge` for callback
   * gauges) and tagged `{ tapemeasure_overflow: 'true' }`; each diversion is counted in
   * `registry.overflowed`, and an `ERR_TAPEMEASURE_REGISTRY_LIMIT` warning is emitted
   * (then at most one a minute).
   *
   * @defaultValue 50000
   */
  readonly maxSeries?: number;
  /**
   * Removes a series once it has been idle this long, in milliseconds (an integer >=
   * 5000): its count (counters, meters, histograms, timers) or its value (settable
   * gauges) unchanged. Callback gauges never expire. Checked on the 5-second tick, every
   * quarter of `expireAfterMs`, so a series goes between `expireAfterMs` and about 1.5
   * times it (plus 10 s) after its last change. An expired series comes back, the same
   * object with its counts, when asked for again or recorded into through a held handle.
   *
   * @defaultValue undefined (series never expire)
   */
  readonly expireAfterMs?: number;
  /**
   * The classic histogram buckets of every histogram and timer created without its own
   * `buckets` (see `HistogramOptions.buckets`): bounds in each metric's unit, so
   * `'prometheus'` (5 ms to 10 s for timers) is the usual choice.
   *
   * @defaultValue none: histograms and timers are Prometheus summaries
   */
  readonly buckets?: BucketsOption;
  /**
   * The `nativeHistogram` of every histogram and timer created without its own.
   *
   * @defaultValue false
   */
  readonly nativeHistograms?: boolean;
};

/** The tags of the series that takes what exceeds `maxSeriesPerName`. */
export const OVERFLOW_TAGS: Tags = Object.freeze({ tapemeasure_overflow: 'true' });

/** What every factory of metrics offers: the {@link Registry} itself and its scopes. */
export interface MetricFactory {
  /** The clock the metrics read (the registry's). */
  readonly clock: Clock;
  /** Creates or returns the counter `name` with these tags. */
  counter(name: string, options?: MetricOptions): Counter;
  /** Creates or returns the gauge `name`: with a callback, read at report time; without, settable. */
  gauge(name: string, reader?: GaugeReader | GaugeOptions, options?: GaugeOptions): Gauge;
  /** Creates or returns the meter `name`. */
  meter(name: string, options?: MetricOptions): Meter;
  /** Creates or returns the histogram `name`. */
  histogram(name: string, options?: HistogramOptions): Histogram;
  /** Creates or returns the timer `name`. */
  timer(name: string, options?: TimerOptions): Timer;
  /** A view that prefixes names with `prefix` and adds `tags` to every metric. */
  scope(prefix: string, tags?: Tags): MetricRegistry;
}

/**
 * The key of the brand every registry carries (`Symbol.for`, so that registries from two
 * installed copies of tapemeasure recognise each other); its value is the version of the
 * {@link MetricRegistry} interface.
 */
export const REGISTRY_BRAND: unique symbol = Symbol.for('tapemeasure.registry') as never;

/**
 * What every `options.registry` accepts: a {@link Registry}, a scope of one, or any
 * object that carries the brand and implements this interface (a registry of another
 * installed copy of tapemeasure, a read-only fleet view). Recognised by its brand, never
 * by `instanceof`.
 */
export interface MetricRegistry extends MetricFactory {
  /** The brand: `1`, the version of this interface. */
  readonly [REGISTRY_BRAND]: 1;
  /** How many invalid values recording methods have dropped. */
  readonly invalidValues: number;
  /** The series `name` with exactly these tags, if it exists (names relative to a scope's prefix). */
  get(name: string, tags?: Tags): Metric | undefined;
  /** Every series, in creation order of their names. */
  metrics(): IterableIterator<Metric>;
  /** The number of series. */
  readonly size: number;
  /**
   * Registers a listener for added and removed series.
   *
   * @returns a function that unregisters it.
   */
  addListener(listener: RegistryListener): () => void;
  /** The series as a JSON-serialisable tree of full names. */
  snapshot(filter?: MetricFilter): SnapshotTree;
  /** Like `snapshot()`, but reads async gauges first (each within its timeout); never rejects. */
  collect(filter?: MetricFilter): Promise<SnapshotTree>;
}

/** Whether `value` carries the registry brand (from this or any other copy of tapemeasure). */
export function isRegistry(value: unknown): value is MetricRegistry {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    (value as { [REGISTRY_BRAND]?: unknown })[REGISTRY_BRAND] === 1
  );
}
