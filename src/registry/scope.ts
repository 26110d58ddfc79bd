/**
 * Scopes: prefixed, tagged views of a registry, from `registry.scope(prefix, tags)`.
 *
 * @module
 */

import type { Clock } from '../clock.js';
import type { Counter } from '../metrics/counter.js';
import type { Gauge, GaugeReader } from '../metrics/gauge.js';
import type { Histogram, HistogramOptions } from '../metrics/histogram.js';
import type { Meter } from '../metrics/meter.js';
import type { Timer, TimerOptions } from '../metrics/timer.js';
import { name as joinName, NO_TAGS, type Tags } from '../names.js';
import type { SnapshotTree } from './snapshot.js';
import {
  REGISTRY_BRAND,
  type GaugeOptions,
  type Metric,
  type MetricFilter,
  type MetricOptions,
  type MetricRegistry,
  type RegistryListener,
} from './types.js';

/** The parts of the root registry a scope uses: itself a {@link MetricRegistry}, with a scope factory. */
type Root = MetricRegistry & { scope(prefix: string, tags?: Tags): MetricRegistry };

/**
 * A prefixed, tagged view of a registry. What it creates is named `prefix.name` and
 * carries the scope's tags (a metric's own tags win); what it reads (`metrics()`,
 * `snapshot()`, a reporter or endpoint given the scope) is the root registry's series
 * under the prefix that carry the scope's tags, with their full names. A scope is
 * accepted wherever a registry is.
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
  readonly #within: MetricFilter;

  /** @internal Use `registry.scope(prefix, tags)`. */
  constructor(root: Root, prefix: string, tags: Tags) {
    this.#root = root;
    this.clock = root.clock;
    this.prefix = prefix;
    this.tags = tags;
    const keys = Object.keys(tags);
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

  #merge<O extends { readonly tags?: Tags }>(options: O | undefined): O | undefined {
    if (this.tags === NO_TAGS) return options;
    return { ...options, tags: { ...this.tags, ...options?.tags } } as O;
  }

  /** Creates or returns the counter `prefix.name`. */
  counter(name: string, options?: MetricOptions): Counter {
    return this.#root.counter(this.#name(name), this.#merge(options));
  }

  /** Creates or returns the gauge `prefix.name`. */
  gauge(name: string, reader?: GaugeReader | GaugeOptions, options?: GaugeOptions): Gauge {
    if (typeof reader === 'function') return this.#root.gauge(this.#name(name), reader, this.#merge(options ?? {}));
    return this.#root.gauge(this.#name(name), this.#merge(reader ?? options ?? {}));
  }

  /** Creates or returns the meter `prefix.name`. */
  meter(name: string, options?: MetricOptions): Meter {
    return this.#root.meter(this.#name(name), this.#merge(options));
  }

  /** Creates or returns the histogram `prefix.name`. */
  histogram(name: string, options?: HistogramOptions): Histogram {
    return this.#root.histogram(this.#name(name), this.#merge(options));
  }

  /** Creates or returns the timer `prefix.name`. */
  timer(name: string, options?: TimerOptions): Timer {
    return this.#root.timer(this.#name(name), this.#merge(options));
  }

  /** A scope within this one: the prefixes join, the tags merge. */
  scope(prefix: string, tags?: Tags): MetricRegistry {
    return this.#root.scope(this.#name(prefix), { ...this.tags, ...tags });
  }

  /** How many invalid values the root registry's recording methods have dropped. */
  get invalidValues(): number {
    return this.#root.invalidValues;
  }

  /** The series `prefix.name` with the scope's tags merged with `tags`, if it exists. */
  get(name: string, tags?: Tags): Metric | undefined {
    return this.#root.get(this.#name(name), this.tags === NO_TAGS ? tags : { ...this.tags, ...tags });
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

  /** Registers a listener told of series added to or removed from this scope. */
  addListener(listener: RegistryListener): () => void {
    return this.#root.addListener({
      onAdded: (metric) => {
        if (this.#within(metric)) listener.onAdded?.(metric);
      },
      onRemoved: (metric) => {
        if (this.#within(metric)) listener.onRemoved?.(metric);
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
