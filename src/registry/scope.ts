/**
 * Scopes: prefixed, tagged views of a registry, from `registry.scope(prefix, tags)`.
 *
 * @module
 */

import type { Clock } from '../clock.js';
import { InvalidTagError, show } from '../errors.js';
import { readOptions, type Schema } from '../internal/options.js';
import type { Counter } from '../metrics/counter.js';
import { GAUGE_SCHEMA, type Gauge, type GaugeOptions, type GaugeReader } from '../metrics/gauge.js';
import { HISTOGRAM_SCHEMA, type Histogram, type HistogramOptions } from '../metrics/histogram.js';
import type { Meter } from '../metrics/meter.js';
import { METRIC_SCHEMA, type MetricOptions } from '../metrics/metric.js';
import { TIMER_SCHEMA, type Timer, type TimerOptions } from '../metrics/timer.js';
import { name as joinName, NO_TAGS, type Tags } from '../names.js';
import type { SnapshotTree } from './snapshot.js';
import {
  REGISTRY_BRAND,
  type Metric,
  type MetricFilter,
  type MetricRegistry,
  type RegistryListener,
} from './types.js';

/** The parts of the root registry a scope uses: itself a {@link MetricRegistry}, with a scope factory. */
type Root = Omit<MetricRegistry, 'scope'> & { readonly overflowed: number; scope(prefix: string, tags?: Tags): Scope };

function isTagObject(tags: unknown): tags is Tags {
  return typeof tags === 'object' && tags !== null && !Array.isArray(tags);
}

/**
 * A prefixed, tagged view of a registry. What it creates is named `prefix.name` and
 * carries the scope's tags; what it reads (`metrics()`, `size`, `get()`, `snapshot()`,
 * `collect()`, listeners, and a reporter or endpoint given the scope) is the root
 * registry's series under the prefix that carry the scope's tags, with their full names.
 * So a scope reads back everything it creates: a metric (or a nested scope) may repeat
 * a scope tag with the same value, but not change it (`ERR_TAPEMEASURE_INVALID_TAG`).
 * A scope is accepted wherever a registry is.
 *
 * @example
 * ```ts
 * import { Registry } from 'tapemeasure';
 *
 * const registry = new Registry();
 * const db = registry.scope('db', { pool: 'main' });
 * db.timer('query').update(3); // db.query{pool="main"}
 * registry.counter('http.requests').inc();
 * console.log([...db.metrics()].map((m) => m.name)); // ['db.query']
 * ```
 */
export class Scope implements MetricRegistry {
  /** The brand of registries. */
  readonly [REGISTRY_BRAND] = 1 as const;
  /** The clock the metrics read (the root registry's). */
  readonly clock: Clock;
  /** The prefix of every name this scope creates and reads. */
  readonly prefix: string;
  /** The tags this scope adds to every metric it creates, and requires of every metric it reads. */
  readonly tags: Tags;
  readonly #root: Root;
  readonly #keys: readonly string[];
  readonly #within: MetricFilter;

  /** @internal Use `registry.scope(prefix, tags)`. */
  constructor(root: Root, prefix: string, tags: Tags) {
    this.#root = root;
    this.clock = root.clock;
    this.prefix = prefix;
    this.tags = tags;
    const keys = Object.keys(tags);
    this.#keys = keys;
    const dotted = `${prefix}.`;
    this.#within = (metric) => {
      if (metric.name !== prefix && !metric.name.startsWith(dotted)) return false;
      for (const key of keys) if (metric.tags[key] !== tags[key]) return false;
      return true;
    };
  }

  #name(name: string): string {
    return joinName(this.prefix, name);
  }

  /** `own` with the scope's tags added; throws if `own` changes one of them. */
  #withTags(own: Tags, what: string): Tags {
    for (const key of this.#keys) {
      const value = own[key];
      if (value !== undefined && value !== this.tags[key]) {
        throw new InvalidTagError(
          `${what}: tag ${show(key)} is ${show(value)}, but scope ${show(this.prefix)} sets it to ` +
            `${show(this.tags[key])} (a scope reads back only what carries its tags)`,
        );
      }
    }
    return { ...own, ...this.tags };
  }

  /**
   * The options with the scope's tags merged in; anything malformed passes through for
   * the registry to report. An unknown key is reported here: with the scope's tags added,
   * a typo such as `tgas` would otherwise look like a tags-only lookup to the registry.
   */
  #merge<O extends { readonly tags?: Tags }>(options: O | undefined, what: () => string, schema: Schema): O | undefined {
    if (this.tags === NO_TAGS || (options !== undefined && !isTagObject(options))) return options;
    for (const key in options) if (!Object.hasOwn(schema, key)) readOptions(what(), options, schema);
    const own = options?.tags;
    if (own === undefined) return { ...options, tags: this.tags } as O;
    if (!isTagObject(own)) return options;
    return { ...options, tags: this.#withTags(own, what()) } as O;
  }

  /** Creates or returns the counter `prefix.name`. */
  counter(name: string, options?: MetricOptions): Counter {
    const full = this.#name(name);
    return this.#root.counter(full, this.#merge(options, () => `counter ${show(full)}`, METRIC_SCHEMA));
  }

  /** Creates or returns the gauge `prefix.name`. */
  gauge(name: string, reader?: GaugeReader | GaugeOptions, options?: GaugeOptions): Gauge {
    const full = this.#name(name);
    const what = (): string => `gauge ${show(full)}`;
    if (typeof reader === 'function') return this.#root.gauge(full, reader, this.#merge(options, what, GAUGE_SCHEMA));
    if (reader === undefined) return this.#root.gauge(full, undefined, this.#merge(options, what, GAUGE_SCHEMA));
    if (options !== undefined || !isTagObject(reader)) return this.#root.gauge(full, reader, options);
    return this.#root.gauge(full, this.#merge(reader, what, GAUGE_SCHEMA));
  }

  /** Creates or returns the meter `prefix.name`. */
  meter(name: string, options?: MetricOptions): Meter {
    const full = this.#name(name);
    return this.#root.meter(full, this.#merge(options, () => `meter ${show(full)}`, METRIC_SCHEMA));
  }

  /** Creates or returns the histogram `prefix.name`. */
  histogram(name: string, options?: HistogramOptions): Histogram {
    const full = this.#name(name);
    return this.#root.histogram(full, this.#merge(options, () => `histogram ${show(full)}`, HISTOGRAM_SCHEMA));
  }

  /** Creates or returns the timer `prefix.name`. */
  timer(name: string, options?: TimerOptions): Timer {
    const full = this.#name(name);
    return this.#root.timer(full, this.#merge(options, () => `timer ${show(full)}`, TIMER_SCHEMA));
  }

  /**
   * A scope within this one: the prefixes join, the tags add up (repeating one of this
   * scope's tags with another value throws `ERR_TAPEMEASURE_INVALID_TAG`).
   */
  scope(prefix: string, tags?: Tags): Scope {
    const full = this.#name(prefix);
    const merged = tags === undefined ? this.tags : isTagObject(tags) ? this.#withTags(tags, `scope ${show(full)}`) : tags;
    return this.#root.scope(full, merged);
  }

  /** How many invalid values the root registry's recording methods have dropped. */
  get invalidValues(): number {
    return this.#root.invalidValues;
  }

  /**
   * How many new series the root registry's caps diverted to overflow series: a scope
   * shares its root's caps (`maxSeriesPerName`, `maxSeries`).
   */
  get overflowed(): number {
    return this.#root.overflowed;
  }

  /**
   * The series `prefix.name` with `tags` plus the scope's tags, if it exists (never a
   * series outside the scope: the scope's tags win over `tags`).
   */
  get(name: string, tags?: Tags): Metric | undefined {
    return this.#root.get(this.#name(name), this.tags === NO_TAGS ? tags : { ...tags, ...this.tags });
  }

  /** The root registry's series within this scope. */
  *metrics(): IterableIterator<Metric> {
    for (const metric of this.#root.metrics()) if (this.#within(metric)) yield metric;
  }

  /** The number of series within this scope. */
  get size(): number {
    let n = 0;
    for (const _ of this.metrics()) n++;
    return n;
  }

  /**
   * Registers a listener told of series added to or removed from this scope.
   *
   * @returns a function that unregisters it.
   */
  addListener(listener: RegistryListener): () => void {
    return this.#root.addListener({
      onAdded: (metric, reason) => {
        if (this.#within(metric)) listener.onAdded?.(metric, reason);
      },
      onRemoved: (metric, reason) => {
        if (this.#within(metric)) listener.onRemoved?.(metric, reason);
      },
    });
  }

  /** The series within this scope as a tree of their full names. */
  snapshot(filter?: MetricFilter): SnapshotTree {
    return this.#root.snapshot(this.#and(filter));
  }

  /** Like {@link Scope.snapshot}, reading async gauges first. */
  collect(filter?: MetricFilter): Promise<SnapshotTree> {
    return this.#root.collect(this.#and(filter));
  }

  #and(filter: MetricFilter | undefined): MetricFilter {
    const within = this.#within;
    return filter === undefined ? within : (metric) => within(metric) && filter(metric);
  }
}
