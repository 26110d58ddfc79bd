/**
 * The registry: creates or reuses metrics by name and tags, keeps them as a tree, and
 * snapshots the tree as JSON.
 *
 * @module
 */

import { systemClock, tickerFor, type Clock, type CoarseTicker, type TickListener } from '../clock.js';
import { ErrorCodes, InvalidOptionError, MetricConflictError, show } from '../errors.js';
import { Counter } from '../metrics/counter.js';
import { DEFAULT_GAUGE_TIMEOUT_MS, Gauge, type GaugeReader } from '../metrics/gauge.js';
import { configKey, DEFAULT_RESOLUTION, Histogram, windowConfig, type HistogramOptions } from '../metrics/histogram.js';
import { Meter } from '../metrics/meter.js';
import { InvalidValueTally, type MetricContext, type MetricType } from '../metrics/metric.js';
import { Timer, type TimerOptions } from '../metrics/timer.js';
import type { WindowedHistogramConfig } from '../stats/windowed-histogram.js';
import { normalizeTags, validateName, NO_TAGS, type Tags } from '../names.js';
import { Scope } from './scope.js';
import { SeriesIndex } from './series-index.js';
import type { MetricSnapshot, SnapshotTree, TaggedSnapshot } from './snapshot.js';
import {
  OVERFLOW_TAGS,
  REGISTRY_BRAND,
  type GaugeOptions,
  type Metric,
  type MetricFilter,
  type MetricOptions,
  type MetricRegistry,
  type RegistryListener,
  type RegistryOptions,
} from './types.js';

type Family = {
  readonly name: string;
  readonly type: MetricType;
  readonly optionsKey: string;
  /** The window config histograms and timers were created with; new tag sets reuse it. */
  config: WindowedHistogramConfig | null;
  readonly series: SeriesIndex<Metric>;
  overflowWarned: boolean;
};


/**
 * A registry of metrics. Metrics are identified by name plus tags; asking again for
 * the same name, tags and type returns the same object, so hot reload and dependency
 * injection can call these methods again safely.
 *
 * @example
 * ```ts
 * const registry = new Registry();
 * const requests = registry.meter('http.requests');
 * requests.mark();
 * registry.timer('db.query').time(() => runQuery());
 * registry.snapshot().http.requests.count; // 1
 * ```
 */
export class Registry implements MetricRegistry {
  /** The brand of registries: how every copy of tapemeasure recognises one. */
  readonly [REGISTRY_BRAND] = 1 as const;
  /** The clock this registry's metrics read. */
  readonly clock: Clock;
  readonly #ticker: CoarseTicker;
  readonly #maxSeries: number;
  readonly #families = new Map<string, Family>();
  /** Branch name -> number of families beneath it. */
  readonly #branches = new Map<string, number>();
  readonly #listeners = new Set<RegistryListener>();
  readonly #invalid = new InvalidValueTally();
  /** Meters (timers' included) told of each tick; held strongly here, the ticker holds us weakly. */
  readonly #meters = new Set<Meter>();
  readonly #tickListener: TickListener = {
    onTick: (tick) => {
      for (const meter of this.#meters) meter.onTick(tick);
    },
  };

  /**
   * @param options - clock and limits.
   * @throws {@link InvalidOptionError} for a bad option.
   */
  constructor(options: RegistryOptions = {}) {
    this.clock = options.clock ?? systemClock;
    if (typeof this.clock.now !== 'function' || typeof this.clock.monotonicMs !== 'function') {
      throw new InvalidOptionError(`clock must implement now() and monotonicMs(), received ${show(options.clock)}`);
    }
    this.#maxSeries = options.maxSeriesPerName ?? 1000;
    if (!Number.isInteger(this.#maxSeries) || this.#maxSeries < 1) {
      throw new InvalidOptionError(`maxSeriesPerName must be an integer >= 1, received ${show(options.maxSeriesPerName)}`);
    }
    this.#ticker = tickerFor(this.clock);
    this.#ticker.subscribe(this.#tickListener);
  }

  /** How many invalid values recording methods have dropped (NaN, infinities, negatives in histograms, non-numbers). */
  get invalidValues(): number {
    return this.#invalid.count;
  }

  /**
   * Creates or returns a counter.
   *
   * @throws {@link MetricsError} for an invalid name or tags, or a conflict with an existing metric.
   */
  counter(name: string, options?: MetricOptions): Counter {
    const found = this.#find('counter', name, options?.tags);
    if (found !== undefined) return found as Counter;
    return this.#get('counter', name, options?.tags, '', (ctx) => new Counter(ctx)) as Counter;
  }

  /**
   * Creates or returns a gauge. With a callback (sync or async) the gauge is read at
   * report time; without one it is settable with `set()`. Asking again with another
   * callback replaces the callback (hot reload).
   *
   * @throws {@link MetricsError} for an invalid name, tags or options, or a conflict.
   */
  gauge(name: string, reader?: GaugeReader | GaugeOptions, options?: GaugeOptions): Gauge {
    let fn: GaugeReader | null = null;
    let opts: GaugeOptions | undefined = options;
    if (typeof reader === 'function') fn = reader;
    else if (reader !== undefined) {
      if (options !== undefined || typeof reader !== 'object' || reader === null) {
        throw new InvalidOptionError(`gauge ${show(name)}: expected (name, callback?, options?), received ${show(reader)}`);
      }
      opts = reader;
    }
    const timeoutMs = opts?.timeoutMs ?? DEFAULT_GAUGE_TIMEOUT_MS;
    if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
      throw new InvalidOptionError(`gauge ${show(name)}: timeoutMs must be a finite number > 0, received ${show(timeoutMs)}`);
    }
    const key = `${fn === null ? 'settable' : 'callback'} timeout=${timeoutMs}`;
    const gauge = this.#get('gauge', name, opts?.tags, key, (ctx) => new Gauge(ctx, fn, timeoutMs)) as Gauge;
    // Hot reload replaces a gauge's callback; the shared overflow gauge keeps its first one.
    if (fn !== null && gauge.reader !== fn && gauge.tags !== OVERFLOW_TAGS) gauge.setReader(fn);
    return gauge;
  }

  /**
   * Creates or returns a meter.
   *
   * @throws {@link MetricsError} for an invalid name or tags, or a conflict.
   */
  meter(name: string, options?: MetricOptions): Meter {
    const found = this.#find('meter', name, options?.tags);
    if (found !== undefined) return found as Meter;
    return this.#get('meter', name, options?.tags, '', (ctx) => new Meter(ctx)) as Meter;
  }

  /**
   * Creates or returns a histogram.
   *
   * @throws {@link MetricsError} for an invalid name, tags or options, or a conflict.
   */
  histogram(name: string, options?: HistogramOptions): Histogram {
    let config: WindowedHistogramConfig | null = null;
    if (options === undefined || onlyTags(options)) {
      const found = this.#find('histogram', name, options?.tags);
      if (found !== undefined) return found as Histogram;
      // Only tags: a new tag set of an existing name takes the name's options.
      config = this.#familyConfig('histogram', name);
    }
    config ??= windowConfig(options ?? {}, options?.resolution ?? DEFAULT_RESOLUTION, `histogram ${show(name)}`);
    const c = config;
    return this.#get('histogram', name, options?.tags, configKey(c), (ctx) => new Histogram(ctx, c), c) as Histogram;
  }

  /**
   * Creates or returns a timer.
   *
   * @throws {@link MetricsError} for an invalid name, tags or options, or a conflict.
   */
  timer(name: string, options?: TimerOptions): Timer {
    let config: WindowedHistogramConfig | null = null;
    if (options === undefined || onlyTags(options)) {
      const found = this.#find('timer', name, options?.tags);
      if (found !== undefined) return found as Timer;
      config = this.#familyConfig('timer', name);
    }
    config ??= windowConfig(options ?? {}, options?.resolutionMs ?? DEFAULT_RESOLUTION, `timer ${show(name)}`);
    const c = config;
    return this.#get('timer', name, options?.tags, configKey(c), (ctx) => new Timer(ctx, c), c) as Timer;
  }

  /**
   * A view of this registry that prefixes every name with `prefix` and merges `tags`
   * into every metric's tags (the metric's own tags win).
   *
   * @throws {@link InvalidNameError} if `prefix` is not a valid name.
   */
  scope(prefix: string, tags?: Tags): Scope {
    validateName(prefix);
    const normalized = normalizeTags(tags, prefix);
    return new Scope(this, prefix, normalized);
  }

  /** The series `name` with exactly these tags, if it exists. */
  get(name: string, tags?: Tags): Metric | undefined {
    return this.#families.get(name)?.series.get(tags);
  }

  /** Every series, in creation order of their names. */
  *metrics(): IterableIterator<Metric> {
    for (const family of this.#families.values()) yield* family.series.values();
  }

  /** The number of series. */
  get size(): number {
    let n = 0;
    for (const family of this.#families.values()) n += family.series.size;
    return n;
  }

  /**
   * Removes one series.
   *
   * @returns whether it existed.
   */
  remove(name: string, tags?: Tags): boolean {
    const family = this.#families.get(name);
    if (family === undefined) return false;
    const metric = family.series.get(tags);
    if (metric === undefined) return false;
    this.#removeSeries(family, metric);
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
          this.#removeSeries(family, metric);
          removed++;
        }
      }
    }
    return removed;
  }

  /**
   * Registers a listener for added and removed series.
   *
   * @returns a function that unregisters it.
   */
  addListener(listener: RegistryListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * The whole registry as a JSON-serialisable tree: `snapshot().http.requests.count`.
   * Async gauges contribute their last settled value; use {@link Registry.collect} to
   * wait for them. A gauge that fails yields an error entry for that gauge only.
   *
   * @param filter - selects which series to include.
   */
  snapshot(filter?: MetricFilter): SnapshotTree {
    return this.#tree(filter, (metric) => metric.snapshot());
  }

  /**
   * Like {@link Registry.snapshot}, but first reads every selected async gauge, waiting
   * for each at most its `timeoutMs`; never rejects.
   */
  async collect(filter?: MetricFilter): Promise<SnapshotTree> {
    const gauges = new Map<Gauge, Awaited<ReturnType<Gauge['collect']>>>();
    const reads: Promise<void>[] = [];
    for (const metric of this.metrics()) {
      if (metric.type === 'gauge' && (filter === undefined || filter(metric))) {
        reads.push(metric.collect().then((s) => void gauges.set(metric, s)));
      }
    }
    await Promise.all(reads);
    return this.#tree(filter, (metric) => (metric.type === 'gauge' ? gauges.get(metric) : undefined) ?? metric.snapshot());
  }

  #tree(filter: MetricFilter | undefined, read: (metric: Metric) => MetricSnapshot): SnapshotTree {
    const root: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const family of this.#families.values()) {
      const entries: TaggedSnapshot[] = [];
      let untagged: MetricSnapshot | undefined;
      let tagged = false;
      for (const metric of family.series.values()) {
        if (filter !== undefined && !filter(metric)) continue;
        const snap = read(metric);
        if (metric.tags === NO_TAGS) untagged = snap;
        else tagged = true;
        entries.push({ ...snap, tags: metric.tags });
      }
      if (entries.length === 0) continue;
      const leaf = tagged ? { type: family.type, series: entries } : untagged;
      const segments = family.name.split('.');
      let node = root;
      for (let i = 0; i < segments.length - 1; i++) {
        const segment = segments[i]!;
        let child = node[segment] as Record<string, unknown> | undefined;
        if (child === undefined) {
          child = Object.create(null) as Record<string, unknown>;
          node[segment] = child;
        }
        node = child;
      }
      node[segments[segments.length - 1]!] = leaf;
    }
    return root as SnapshotTree;
  }

  #familyConfig(type: MetricType, name: string): WindowedHistogramConfig | null {
    const family = this.#families.get(name);
    return family !== undefined && family.type === type ? family.config : null;
  }

  /** The fast path: an existing series of this type, or undefined (errors are left to #get). */
  #find(type: MetricType, name: string, tags: Tags | undefined): Metric | undefined {
    const family = this.#families.get(name);
    return family === undefined || family.type !== type ? undefined : family.series.get(tags);
  }

  #get(
    type: MetricType,
    name: string,
    tags: Tags | undefined,
    optionsKey: string,
    create: (context: MetricContext) => Metric,
    config: WindowedHistogramConfig | null = null,
  ): Metric {
    let family = this.#families.get(name);
    if (family !== undefined) {
      if (family.type !== type) {
        throw new MetricConflictError(
          ErrorCodes.TYPE_CONFLICT,
          `${show(name)} is already a ${family.type}; cannot register it as a ${type}`,
        );
      }
      if (family.optionsKey !== optionsKey) {
        throw new MetricConflictError(
          ErrorCodes.OPTIONS_CONFLICT,
          `${type} ${show(name)} already exists with options {${family.optionsKey}}; asked for {${optionsKey}}`,
        );
      }
      const found = family.series.get(tags);
      if (found !== undefined) return found;
    } else {
      validateName(name);
    }
    const normalized = normalizeTags(tags, name);
    if (family === undefined) family = this.#addFamily(name, type, optionsKey, config);
    else {
      // The fast lookup walks the keys as given (inherited ones too); this one, the
      // validated own keys: never create a second series for the same tags.
      const existing = family.series.get(normalized);
      if (existing !== undefined) return existing;
    }
    let seriesTags = normalized;
    // The cap counts tagged series only: neither the untagged series nor the overflow one.
    const capped =
      family.series.size -
      (family.series.get(undefined) === undefined ? 0 : 1) -
      (family.series.get(OVERFLOW_TAGS) === undefined ? 0 : 1);
    if (normalized !== NO_TAGS && capped >= this.#maxSeries) {
      seriesTags = OVERFLOW_TAGS;
      const existing = family.series.get(OVERFLOW_TAGS);
      if (existing !== undefined) return existing;
      if (!family.overflowWarned) {
        family.overflowWarned = true;
        process.emitWarning(
          `${type} ${show(name)} reached maxSeriesPerName (${this.#maxSeries}); new tag sets such as ` +
            `${show(normalized)} are counted in the series tagged ${show(OVERFLOW_TAGS)}`,
          { code: 'TAPEMEASURE_SERIES_LIMIT' },
        );
      }
    }
    const metric = create({ name, tags: seriesTags, clock: this.clock, ticker: this.#ticker, invalid: this.#invalid });
    family.series.set(seriesTags, metric);
    if (metric.type === 'meter') this.#meters.add(metric);
    else if (metric.type === 'timer') this.#meters.add(metric.meter);
    this.#notify('onAdded', metric);
    return metric;
  }

  #addFamily(name: string, type: MetricType, optionsKey: string, config: WindowedHistogramConfig | null): Family {
    if (this.#branches.has(name)) {
      throw new MetricConflictError(
        ErrorCodes.TREE_CONFLICT,
        `${show(name)} is already a branch of the metric tree (a metric named ${show(name + '.')}... exists); ` +
          `it cannot also be a ${type}`,
      );
    }
    const prefixes: string[] = [];
    for (let i = name.indexOf('.'); i !== -1; i = name.indexOf('.', i + 1)) {
      const prefix = name.slice(0, i);
      if (this.#families.has(prefix)) {
        throw new MetricConflictError(
          ErrorCodes.TREE_CONFLICT,
          `${show(name)} would make the metric ${show(prefix)} a branch of the tree; a name cannot be both a leaf and a branch`,
        );
      }
      prefixes.push(prefix);
    }
    for (const prefix of prefixes) this.#branches.set(prefix, (this.#branches.get(prefix) ?? 0) + 1);
    const family: Family = { name, type, optionsKey, config, series: new SeriesIndex<Metric>(), overflowWarned: false };
    this.#families.set(name, family);
    return family;
  }

  #removeSeries(family: Family, metric: Metric): void {
    family.series.delete(metric.tags, metric);
    if (metric.type === 'meter') this.#meters.delete(metric);
    else if (metric.type === 'timer') this.#meters.delete(metric.meter);
    if (family.series.size === 0) {
      this.#families.delete(family.name);
      for (let i = family.name.indexOf('.'); i !== -1; i = family.name.indexOf('.', i + 1)) {
        const prefix = family.name.slice(0, i);
        const n = (this.#branches.get(prefix) ?? 1) - 1;
        if (n === 0) this.#branches.delete(prefix);
        else this.#branches.set(prefix, n);
      }
    }
    this.#notify('onRemoved', metric);
  }

  #notify(event: 'onAdded' | 'onRemoved', metric: Metric): void {
    for (const listener of this.#listeners) {
      try {
        listener[event]?.(metric);
      } catch (error) {
        process.emitWarning(`a registry listener's ${event} threw: ${String(error)}`, {
          code: 'TAPEMEASURE_LISTENER_ERROR',
        });
      }
    }
  }
}

function onlyTags(options: object): boolean {
  for (const key in options) if (key !== 'tags') return false;
  return true;
}
