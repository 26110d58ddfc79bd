/**
 * Registration: how a registry adds and removes series. A new series passes through the
 * name check, the type and options conflicts, the leaf/branch rule of the tree and the
 * cap on series per name; then it is created with the registry's clock, ticker and
 * invalid-value tally, its meter joins the ticked meters, and the listeners are told.
 *
 * @module
 */

import { tickerFor, type Clock, type CoarseTicker, type TickListener } from '../clock.js';
import type { Meter } from '../metrics/meter.js';
import { InvalidValueTally, type MetricContext, type MetricType } from '../metrics/metric.js';
import { NO_TAGS, validateName, type Tags } from '../names.js';
import { optionsConflict, typeConflict, type FamilyOptions } from './conflicts.js';
import { Families, type Family } from './families.js';
import { Listeners } from './listeners.js';
import { SeriesLimit } from './series-limit.js';
import type { Metric } from './types.js';

/** The series of one registry and the bookkeeping of adding and removing them. @internal */
export class Registration {
  /** The families by name (the registry's lookups read them directly). */
  readonly families = new Families();
  /** Told of every series added and removed. */
  readonly listeners = new Listeners();
  /** The tally every metric of the registry counts its dropped values in. */
  readonly invalid = new InvalidValueTally();
  readonly #clock: Clock;
  readonly #ticker: CoarseTicker;
  readonly #limit: SeriesLimit;
  /** Meters (timers' included) told of each tick; held strongly here, the ticker holds this weakly. */
  readonly #meters = new Set<Meter>();
  readonly #tickListener: TickListener = {
    onTick: (tick) => {
      for (const meter of this.#meters) meter.onTick(tick);
    },
  };

  constructor(clock: Clock, maxSeriesPerName: number) {
    this.#clock = clock;
    this.#limit = new SeriesLimit(maxSeriesPerName);
    this.#ticker = tickerFor(clock);
    this.#ticker.subscribe(this.#tickListener);
  }

  /**
   * The family of `name` if it exists, `undefined` if the name is free.
   *
   * @throws {@link MetricsError} for an invalid name, or a family of another type.
   */
  family(type: MetricType, name: string): Family | undefined {
    const family = this.families.get(name);
    if (family === undefined) validateName(name);
    else if (family.type !== type) throw typeConflict(name, family.type, type);
    return family;
  }

  /**
   * Returns the series of `name` and `tags` (read and validated), creating what is missing.
   *
   * @throws {@link MetricsError} for an invalid name, or a conflict with what exists.
   */
  register(
    type: MetricType,
    name: string,
    tags: Tags | undefined,
    options: FamilyOptions,
    create: (context: MetricContext) => Metric,
  ): Metric {
    let family = this.family(type, name);
    const normalized = tags ?? NO_TAGS;
    if (family === undefined) family = this.families.add(name, type, options);
    else {
      if (family.options !== options) throw optionsConflict(type, name, family.options, options);
      const found = family.series.get(normalized);
      if (found !== undefined) return found;
    }
    const seriesTags = this.#limit.tagsFor(family, normalized);
    if (seriesTags !== normalized) {
      const overflow = family.series.get(seriesTags);
      if (overflow !== undefined) return overflow;
    }
    const metric = create({ name, tags: seriesTags, clock: this.#clock, ticker: this.#ticker, invalid: this.invalid });
    family.series.set(seriesTags, metric);
    if (metric.type === 'meter') this.#meters.add(metric);
    else if (metric.type === 'timer') this.#meters.add(metric.meter);
    this.listeners.notify('onAdded', metric);
    return metric;
  }

  /** Removes one series of `family`, and tells the listeners. */
  remove(family: Family, metric: Metric): void {
    this.families.removeSeries(family, metric);
    if (metric.type === 'meter') this.#meters.delete(metric);
    else if (metric.type === 'timer') this.#meters.delete(metric.meter);
    this.listeners.notify('onRemoved', metric);
  }
}
