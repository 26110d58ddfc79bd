/**
 * The registry: creates or reuses metrics by name and tags, reading each factory's
 * options, and reads them back as a tree. Adding and removing series is
 * `registration.ts` (families as a tree in `families.ts`, the cap on series per name in
 * `series-limit.ts`, the conflict errors in `conflicts.ts`); the tree of `snapshot()` is
 * `snapshot-tree.ts`.
 *
 * @module
 */

import { clockCheck, systemClock, TICK_MS, type Clock } from '../clock.js';
import { show } from '../errors.js';
import { anyOf, boolean, checkValue, func, integer, object, readOptions } from '../internal/options.js';
import { bucketConfig, bucketsCheck, type BucketDefaults } from '../metrics/buckets.js';
import { Counter } from '../metrics/counter.js';
import { windowConfig } from '../metrics/distribution.js';
import {
  CallbackGauge,
  DEFAULT_GAUGE_TIMEOUT_MS,
  Gauge,
  GAUGE_SCHEMA,
  gaugeConfig,
  type GaugeConfig,
  type GaugeOptions,
  type GaugeReader,
} from '../metrics/gauge.js';
import { Histogram, HISTOGRAM_SCHEMA, type HistogramOptions } from '../metrics/histogram.js';
import { Meter } from '../metrics/meter.js';
import { METRIC_SCHEMA, type MetricOptions, type MetricType } from '../metrics/metric.js';
import { Timer, TIMER_SCHEMA, type TimerOptions } from '../metrics/timer.js';
import { NO_TAGS, tagsCheck, validateName, type Tags } from '../names.js';
import type { WindowedHistogramConfig } from '../stats/windowed-histogram.js';
import { NO_OPTIONS } from './conflicts.js';
import type { Families } from './families.js';
import { Registration } from './registration.js';
import { Scope } from './scope.js';
import { DEFAULT_MAX_SERIES, DEFAULT_MAX_SERIES_PER_NAME } from './series-limit.js';
import type { SnapshotTree } from './snapshot.js';
import { collectedTree, snapshotTree } from './snapshot-tree.js';
import {
  OVERFLOW_TAGS,
  REGISTRY_BRAND,
  type Metric,
  type MetricFilter,
  type MetricRegistry,
  type RegistryListener,
  type RegistryOptions,
} from './types.js';

/** The schema of {@link RegistryOptions}. */
const REGISTRY_SCHEMA = Object.freeze({
  clock: clockCheck,
  maxSeriesPerName: integer(1),
  maxSeries: integer(1),
  expireAfterMs: integer(TICK_MS),
  buckets: bucketsCheck,
  nativeHistograms: boolean,
});

/**
 * Whether an options object holds nothing but `tags`: the lookup of an existing
 * histogram, timer or gauge needs no other reading. Anything else (another key, a typo,
 * not an object) takes the path that reads the options fully.
 *
 * Counters and meters, whose only option is `tags`, skip this loop on the lookup path
 * (it cost 10 to 15% of a 3-tag lookup): options without `tags` (a typo such as `tgas`)
 * take the full path; options with `tags` find an existing series directly. A key beside
 * `tags` is still rejected the first time its call site creates a series.
 */
function onlyTags(options: unknown): boolean {
  if (typeof options !== 'object' || options === null) return false;
  for (const key in options) if (key !== 'tags') return false;
  return true;
}

/**
 * A registry of metrics. Metrics are identified by name plus tags; asking again for
 * the same name, tags and type returns the same object, so hot reload and dependency
 * injection can call these methods again safely.
 *
 * @example
 * ```ts
 * import { Registry } from 'tapemeasure';
 *
 * const registry = new Registry();
 * const requests = registry.meter('http.requests');
 * requests.mark();
 * registry.timer('db.query').time(() => JSON.parse('[1, 2, 3]'));
 * console.log(registry.snapshot().http); // { requests: { type: 'meter', count: 1, ... } }
 * ```
 */
export class Registry implements MetricRegistry {
  /** The brand of registries: how every copy of tapemeasure recognises one. */
  readonly [REGISTRY_BRAND] = 1 as const;
  /** The clock this registry's metrics read. */
  readonly clock: Clock;
  readonly #registration: Registration;
  /** The registration's families, held here for the lookup fast path. */
  readonly #families: Families;
  /** The registry's `buckets` and `nativeHistograms`, for histograms and timers created without their own. */
  readonly #bucketDefaults: BucketDefaults;

  /**
   * @param options - the clock, the caps on series (per name and in all) and the expiry of idle series.
   * @throws {@link InvalidOptionError} for a bad option; {@link UnknownOptionError} for an unknown one.
   */
  constructor(options?: RegistryOptions) {
    const read = readOptions('Registry', options, REGISTRY_SCHEMA);
    this.clock = read.clock ?? systemClock;
    this.#registration = new Registration(this.clock, {
      maxSeriesPerName: read.maxSeriesPerName ?? DEFAULT_MAX_SERIES_PER_NAME,
      maxSeries: read.maxSeries ?? DEFAULT_MAX_SERIES,
      expireAfterMs: read.expireAfterMs ?? null,
    });
    this.#families = this.#registration.families;
    this.#bucketDefaults = Object.freeze({ buckets: read.buckets, nativeHistogram: read.nativeHistograms });
  }

  /** How many invalid values recording methods have dropped (NaN, infinities, negatives in histograms, non-numbers). */
  get invalidValues(): number {
    return this.#registration.invalid.count;
  }

  /**
   * How many times a new series was asked for beyond a cap (`maxSeriesPerName` or
   * `maxSeries`) and an overflow series given instead. Asking again for a series that
   * was diverted counts again: the caps keep no memory of what they refused.
   */
  get overflowed(): number {
    return this.#registration.limit.overflowed;
  }

  /** The most series this registry may hold (`maxSeries`), its overflow series aside. */
  get maxSeries(): number {
    return this.#registration.limit.maxSeries;
  }

  /**
   * Creates or returns a counter.
   *
   * @throws {@link MetricsError} for an invalid name, tags or options, or a conflict with an existing metric.
   */
  counter(name: string, options?: MetricOptions): Counter {
    const tags = options?.tags;
    if (options === undefined || tags !== undefined) {
      const found = this.#find('counter', name, tags);
      if (found !== undefined) return found as Counter;
    }
    const read = readOptions(`counter ${show(name)}`, options, METRIC_SCHEMA);
    return this.#registration.register('counter', name, read.tags, NO_OPTIONS, (ctx) => new Counter(ctx)) as Counter;
  }

  /**
   * Creates or returns a gauge. With a callback (sync or async) the gauge is read at
   * report time; without one it is settable with `set()`. Asking again with another
   * callback replaces the callback (hot reload); asking without `timeoutMs` takes the
   * existing gauge's.
   *
   * @throws {@link MetricsError} for an invalid name, tags or options, or a conflict.
   */
  gauge(name: string, reader?: GaugeReader | GaugeOptions, options?: GaugeOptions): Gauge {
    let fn: GaugeReader | null = null;
    let opts: GaugeOptions | undefined = options;
    if (typeof reader === 'function') fn = reader;
    else if (reader !== undefined) {
      const where = `gauge ${show(name)}`;
      if (options !== undefined) checkValue(where, 'the callback', reader, func);
      else checkValue(where, 'the second argument (a callback or options)', reader, anyOf(func, object));
      opts = reader;
    }
    const tagsOnly = opts === undefined || onlyTags(opts);
    if (tagsOnly) {
      const found = this.#find('gauge', name, opts?.tags) as Gauge | undefined;
      if (found !== undefined && found.settable === (fn === null)) return this.#reload(found, fn);
    }
    const read = readOptions(`gauge ${show(name)}`, opts, GAUGE_SCHEMA);
    const family = this.#registration.family('gauge', name);
    const timeoutMs = read.timeoutMs ?? (family?.options as GaugeConfig | undefined)?.timeoutMs ?? DEFAULT_GAUGE_TIMEOUT_MS;
    const aggregate = read.aggregate ?? (family?.options as GaugeConfig | undefined)?.aggregate;
    const config = gaugeConfig(fn === null, timeoutMs, aggregate);
    const gauge = this.#registration.register('gauge', name, read.tags, config, (ctx) => (fn === null ? new Gauge(ctx, null, timeoutMs, config.aggregate) : new CallbackGauge(ctx, fn, timeoutMs, config.aggregate))) as Gauge;
    return this.#reload(gauge, fn);
  }

  /** Hot reload replaces a gauge's callback; the shared overflow gauge keeps its first one. */
  #reload(gauge: Gauge, fn: GaugeReader | null): Gauge {
    if (fn !== null && gauge.reader !== fn && gauge.tags !== OVERFLOW_TAGS) gauge.setReader(fn);
    return gauge;
  }

  /**
   * Creates or returns a meter.
   *
   * @throws {@link MetricsError} for an invalid name, tags or options, or a conflict.
   */
  meter(name: string, options?: MetricOptions): Meter {
    const tags = options?.tags;
    if (options === undefined || tags !== undefined) {
      const found = this.#find('meter', name, tags);
      if (found !== undefined) return found as Meter;
    }
    const read = readOptions(`meter ${show(name)}`, options, METRIC_SCHEMA);
    return this.#registration.register('meter', name, read.tags, NO_OPTIONS, (ctx) => new Meter(ctx)) as Meter;
  }

  /**
   * Creates or returns a histogram. Asked again with only `tags`, a new tag set takes the
   * options the name was created with; with other options, they must be the same.
   *
   * @throws {@link MetricsError} for an invalid name, tags or options, or a conflict.
   */
  histogram(name: string, options?: HistogramOptions): Histogram {
    const tagsOnly = options === undefined || onlyTags(options);
    if (tagsOnly) {
      const found = this.#find('histogram', name, options?.tags);
      if (found !== undefined) return found as Histogram;
    }
    const where = `histogram ${show(name)}`;
    const read = readOptions(where, options, HISTOGRAM_SCHEMA);
    const family = this.#registration.family('histogram', name);
    const config =
      tagsOnly && family !== undefined
        ? (family.options as WindowedHistogramConfig)
        : bucketConfig(windowConfig(where, read, read.resolution), read, this.#bucketDefaults, false);
    return this.#registration.register('histogram', name, read.tags, config, (ctx) => new Histogram(ctx, config)) as Histogram;
  }

  /**
   * Creates or returns a timer. Asked again with only `tags`, a new tag set takes the
   * options the name was created with; with other options, they must be the same.
   *
   * @throws {@link MetricsError} for an invalid name, tags or options, or a conflict.
   */
  timer(name: string, options?: TimerOptions): Timer {
    const tagsOnly = options === undefined || onlyTags(options);
    if (tagsOnly) {
      const found = this.#find('timer', name, options?.tags);
      if (found !== undefined) return found as Timer;
    }
    const where = `timer ${show(name)}`;
    const read = readOptions(where, options, TIMER_SCHEMA);
    const family = this.#registration.family('timer', name);
    const config =
      tagsOnly && family !== undefined
        ? (family.options as WindowedHistogramConfig)
        : bucketConfig(windowConfig(where, read, read.resolutionMs), read, this.#bucketDefaults, true);
    return this.#registration.register('timer', name, read.tags, config, (ctx) => new Timer(ctx, config)) as Timer;
  }

  /**
   * A view of this registry that prefixes every name with `prefix` and adds `tags` to
   * every metric; reading it (`metrics()`, `snapshot()`, a reporter given the scope)
   * sees the series under the prefix that carry those tags.
   *
   * @throws {@link InvalidNameError} if `prefix` is not a valid name; {@link InvalidTagError} for bad tags.
   */
  scope(prefix: string, tags?: Tags): Scope {
    validateName(prefix);
    const normalized = tags === undefined ? NO_TAGS : checkValue(`scope ${show(prefix)}`, 'tags', tags, tagsCheck);
    return new Scope(this, prefix, normalized);
  }

  /** The series `name` with exactly these tags, if it exists. */
  get(name: string, tags?: Tags): Metric | undefined {
    return this.#families.get(name)?.get(tags);
  }

  /** Every series, in creation order of their names. */
  *metrics(): IterableIterator<Metric> {
    for (const family of this.#families.values()) yield* family.series.values();
  }

  /** The number of series. */
  get size(): number {
    return this.#registration.limit.size;
  }

  /**
   * Removes one series. An expired series of that name and tags is forgotten too: it
   * will not come back.
   *
   * @returns whether it existed (expired series aside).
   */
  remove(name: string, tags?: Tags): boolean {
    const family = this.#families.get(name);
    const metric = family?.series.get(tags);
    if (family === undefined || metric === undefined) {
      this.#registration.expiry?.take(name, tags ?? NO_TAGS);
      return false;
    }
    this.#registration.remove(family, metric);
    return true;
  }

  /**
   * Removes every series the filter selects.
   *
   * @returns how many were removed.
   */
  removeMatching(filter: MetricFilter): number {
    let removed = 0;
    for (const family of [...this.#families.values()]) {
      for (const metric of [...family.series.values()]) {
        if (filter(metric)) {
          this.#registration.remove(family, metric);
          removed++;
        }
      }
    }
    return removed;
  }

  /**
   * Registers a listener for added and removed series, told why (`'created'` or
   * `'revived'`; `'removed'` or `'expired'`: see {@link RegistryListener}). A listener that throws is
   * reported by an `ERR_TAPEMEASURE_LISTENER_FAILED` warning (at most one a minute); the
   * change still happens.
   *
   * @returns a function that unregisters it.
   */
  addListener(listener: RegistryListener): () => void {
    return this.#registration.listeners.add(listener);
  }

  /**
   * The whole registry as a JSON-serialisable tree: `snapshot().http.requests.count`.
   * Async gauges contribute their last settled value; use {@link Registry.collect} to
   * wait for them. A gauge that fails yields an error entry for that gauge only.
   *
   * @param filter - selects which series to include.
   */
  snapshot(filter?: MetricFilter): SnapshotTree {
    return snapshotTree(this.metrics(), filter);
  }

  /**
   * Like {@link Registry.snapshot}, but first reads every selected async gauge, waiting
   * for each at most its `timeoutMs`; never rejects.
   */
  collect(filter?: MetricFilter): Promise<SnapshotTree> {
    return collectedTree(this.metrics(), filter);
  }

  /** The fast path: an existing series of this type, or undefined (errors are left to the slow path). */
  #find(type: MetricType, name: string, tags: Tags | undefined): Metric | undefined {
    const family = this.#families.get(name);
    return family === undefined || family.type !== type ? undefined : family.get(tags);
  }
}
