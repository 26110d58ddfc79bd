/**
 * The read-only registry view of a fleet: what `aggregate()` returns as `fleet.registry`.
 * Reporters, `serveMetrics`, `renderMetrics` and the dashboard take it like any
 * registry (it carries the registry brand); creating a metric in it throws, because its
 * series belong to the workers.
 *
 * @module
 */

import type { Clock } from '../clock.js';
import { MetricsError, ErrorCodes, show } from '../errors.js';
import { checkValue } from '../internal/options.js';
import type { Counter } from '../metrics/counter.js';
import type { Gauge } from '../metrics/gauge.js';
import type { Histogram } from '../metrics/histogram.js';
import type { Meter } from '../metrics/meter.js';
import type { Timer } from '../metrics/timer.js';
import { NO_TAGS, tagsCheck, validateName, type Tags } from '../names.js';
import type { Registry } from '../registry/registry.js';
import { Scope } from '../registry/scope.js';
import type { SnapshotTree } from '../registry/snapshot.js';
import {
  REGISTRY_BRAND,
  type Metric,
  type MetricFilter,
  type MetricRegistry,
  type RegistryListener,
} from '../registry/types.js';

/**
 * A metric was to be created in a fleet's read-only view. Code
 * `ERR_TAPEMEASURE_READ_ONLY_REGISTRY`.
 */
export class ReadOnlyRegistryError extends MetricsError {
  /** @param message - which metric, and where to create it instead. */
  constructor(message: string) {
    super(ErrorCodes.READ_ONLY_REGISTRY, message);
    this.name = 'ReadOnlyRegistryError';
  }
}

/**
 * The merged, read-only view of every worker's registry (and the primary's own, when
 * merged in). Reading works as on a {@link Registry}; creating a metric throws
 * {@link ReadOnlyRegistryError}.
 */
export class FleetRegistry implements MetricRegistry {
  /** The brand of registries. */
  readonly [REGISTRY_BRAND] = 1 as const;
  /** The clock of the merged series (the aggregator's). */
  readonly clock: Clock;
  readonly #merged: Registry;

  /** @internal Use `aggregate()`. */
  constructor(merged: Registry) {
    this.#merged = merged;
    this.clock = merged.clock;
  }

  #refuse(type: string, name: string): never {
    throw new ReadOnlyRegistryError(
      `fleet.registry is read-only: cannot create ${type} ${show(name)}; create it in the workers ` +
        '(or in the registry the primary merges in)',
    );
  }

  /** @throws {@link ReadOnlyRegistryError} always. */
  counter(name: string): Counter {
    return this.#refuse('counter', name);
  }

  /** @throws {@link ReadOnlyRegistryError} always. */
  gauge(name: string): Gauge {
    return this.#refuse('gauge', name);
  }

  /** @throws {@link ReadOnlyRegistryError} always. */
  meter(name: string): Meter {
    return this.#refuse('meter', name);
  }

  /** @throws {@link ReadOnlyRegistryError} always. */
  histogram(name: string): Histogram {
    return this.#refuse('histogram', name);
  }

  /** @throws {@link ReadOnlyRegistryError} always. */
  timer(name: string): Timer {
    return this.#refuse('timer', name);
  }

  /**
   * A read-only view of the series under `prefix` that carry `tags`.
   *
   * @throws `InvalidNameError` if `prefix` is not a valid name; `InvalidTagError` for bad tags.
   */
  scope(prefix: string, tags?: Tags): Scope {
    validateName(prefix);
    const normalized = tags === undefined ? NO_TAGS : checkValue(`scope ${show(prefix)}`, 'tags', tags, tagsCheck);
    return new Scope(this, prefix, normalized);
  }

  /** Always 0: the merged series drop nothing (each worker counts its own invalid values). */
  get invalidValues(): number {
    return this.#merged.invalidValues;
  }

  /**
   * Merged series diverted to an overflow series by the merged registry's caps (its
   * `maxSeries`, and `maxSeriesPerName` per name): a fleet whose workers together hold
   * more series than one registry may.
   */
  get overflowed(): number {
    return this.#merged.overflowed;
  }

  /** The merged series `name` with exactly these tags, if it exists. */
  get(name: string, tags?: Tags): Metric | undefined {
    return this.#merged.get(name, tags);
  }

  /** Every merged series, in creation order of their names. */
  metrics(): IterableIterator<Metric> {
    return this.#merged.metrics();
  }

  /** The number of merged series. */
  get size(): number {
    return this.#merged.size;
  }

  /**
   * Registers a listener for merged series added and removed (a worker's new series, a
   * gone worker's per-worker gauges).
   *
   * @returns a function that unregisters it.
   */
  addListener(listener: RegistryListener): () => void {
    return this.#merged.addListener(listener);
  }

  /** The merged series as a JSON-serialisable tree. */
  snapshot(filter?: MetricFilter): SnapshotTree {
    return this.#merged.snapshot(filter);
  }

  /** Like {@link FleetRegistry.snapshot}; the merged gauges are computed, never awaited. */
  collect(filter?: MetricFilter): Promise<SnapshotTree> {
    return this.#merged.collect(filter);
  }
}
