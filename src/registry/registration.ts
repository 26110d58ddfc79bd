/**
 * Registration: how a registry adds and removes series. A new series passes through the
 * name check, the type and options conflicts, the leaf/branch rule of the tree and the
 * caps on series (per name and per registry, `series-limit.ts`); then it is created with
 * the registry's clock, ticker and invalid-value tally, its meter joins the ticked
 * meters, idle expiry watches it (`expiry.ts`), and the listeners are told.
 *
 * @module
 */

import { tickerFor, type Clock, type CoarseTicker, type TickListener } from '../clock.js';
import type { EventRates } from '../metrics/event-rates.js';
import { InvalidValueTally, type MetricContext, type MetricEnv, type MetricType } from '../metrics/metric.js';
import { NO_TAGS, validateName, type Tags } from '../names.js';
import { optionsConflict, typeConflict, type FamilyOptions } from './conflicts.js';
import { Expiry, type Expired } from './expiry.js';
import { Families, type Family } from './families.js';
import { Listeners } from './listeners.js';
import { isRegistryOverflow, overflowName, SeriesLimit } from './series-limit.js';
import { OVERFLOW_TAGS, type Metric } from './types.js';

/** The limits of one registry, read from its options. @internal */
export type RegistrationLimits = {
  readonly maxSeriesPerName: number;
  readonly maxSeries: number;
  /** `null`: series never expire. */
  readonly expireAfterMs: number | null;
};

/** The series of one registry and the bookkeeping of adding and removing them. @internal */
export class Registration {
  /** The families by name (the registry's lookups read them directly). */
  readonly families = new Families();
  /** Told of every series added and removed. */
  readonly listeners = new Listeners();
  /** The tally every metric of the registry counts its dropped values in. */
  readonly invalid = new InvalidValueTally();
  /** The caps on series, the number of series and of diversions to overflow series. */
  readonly limit: SeriesLimit;
  /** Expiry of idle series; `null` when they never expire. */
  readonly expiry: Expiry | null;
  readonly #ticker: CoarseTicker;
  /** The clock, ticker and tally every metric of the registry shares. */
  readonly #env: MetricEnv;
  /** Meters and timers, told of each tick; held strongly here, the ticker holds this weakly. */
  readonly #meters = new Set<EventRates>();
  readonly #tickListener: TickListener = {
    onTick: (tick) => {
      for (const meter of this.#meters) meter.onTick(tick);
      this.expiry?.onTick(tick);
    },
  };

  constructor(clock: Clock, limits: RegistrationLimits) {
    this.limit = new SeriesLimit(limits.maxSeriesPerName, limits.maxSeries);
    this.#ticker = tickerFor(clock);
    this.#env = Object.freeze({ clock, ticker: this.#ticker, invalid: this.invalid });
    this.expiry =
      limits.expireAfterMs === null
        ? null
        : new Expiry(
            limits.expireAfterMs,
            {
              expire: (metric) => {
                const family = this.families.get(metric.name);
                if (family !== undefined) this.#remove(family, metric, 'expired');
              },
              revive: (expired, metric) => this.#revive(expired, metric),
            },
            this.#ticker.tick,
          );
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
   * Returns the series of `name` and `tags` (read and validated), creating what is
   * missing: an expired series of the same identity comes back; beyond the caps, an
   * overflow series is returned instead.
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
    if (family !== undefined) {
      if (family.options !== options) throw optionsConflict(type, name, family.options, options);
      const found = family.series.get(normalized);
      if (found !== undefined) return found;
    }
    const back = this.expiry?.take(name, normalized);
    if (back !== undefined && back.expired.type === type && back.expired.options === options) {
      if (this.#revive(back.expired, back.metric)) return back.metric;
    }
    let seriesTags = normalized;
    if (family !== undefined) {
      seriesTags = this.limit.tagsFor(family, normalized);
      if (seriesTags !== normalized) {
        const overflow = family.series.get(seriesTags);
        if (overflow !== undefined) return overflow;
      }
    }
    const overflow = overflowName(type, options);
    if (!this.limit.admits(type, name, normalized, overflow)) return this.#overflow(type, overflow, options, create);
    family ??= this.families.add(name, type, options);
    return this.#add(family, seriesTags, create);
  }

  /** The registry's overflow series `name` of `type`, created with the first options that need it. */
  #overflow(type: MetricType, name: string, options: FamilyOptions, create: (context: MetricContext) => Metric): Metric {
    let family = this.families.get(name);
    if (family === undefined) {
      try {
        family = this.families.add(name, type, options);
      } catch {
        // The application took the overflow's name as a branch or a leaf: the value goes
        // to a series of no registry (the diversion is counted all the same).
        return create({ name, tags: OVERFLOW_TAGS, env: this.#env });
      }
    } else if (family.type !== type) {
      return create({ name, tags: OVERFLOW_TAGS, env: this.#env });
    }
    return family.series.get(OVERFLOW_TAGS) ?? this.#add(family, OVERFLOW_TAGS, create);
  }

  #add(family: Family, tags: Tags, create: (context: MetricContext) => Metric): Metric {
    const metric = create({ name: family.name, tags, env: this.#env });
    this.#insert(family, metric);
    this.listeners.notify('onAdded', metric, 'created');
    return metric;
  }

  #insert(family: Family, metric: Metric): void {
    family.series.set(metric.tags, metric);
    this.limit.size++;
    if (isRegistryOverflow(metric)) this.limit.overflowSeries++;
    if (metric.type === 'meter' || metric.type === 'timer') this.#meters.add(metric);
    this.expiry?.added(metric, family.options, this.#ticker.tick);
  }

  /**
   * Puts an expired series back where it was, unless its place is taken (the name now of
   * another type or options, a branch of the tree, or the identity recreated).
   */
  #revive(expired: Expired, metric: Metric): boolean {
    let family = this.families.get(expired.name);
    if (family === undefined) {
      try {
        family = this.families.add(expired.name, expired.type, expired.options);
      } catch {
        return false; // the name became a branch of the tree meanwhile
      }
    } else if (family.type !== expired.type || family.options !== expired.options || family.series.get(expired.tags) !== undefined) {
      return false;
    }
    this.#insert(family, metric);
    this.listeners.notify('onAdded', metric, 'revived');
    return true;
  }

  /** Removes one series of `family`, and tells the listeners. */
  remove(family: Family, metric: Metric): void {
    this.#remove(family, metric, 'removed');
  }

  #remove(family: Family, metric: Metric, reason: 'removed' | 'expired'): void {
    if (family.series.get(metric.tags) !== metric) return;
    this.families.removeSeries(family, metric);
    this.limit.size--;
    if (isRegistryOverflow(metric)) this.limit.overflowSeries--;
    if (metric.type === 'meter' || metric.type === 'timer') this.#meters.delete(metric);
    this.expiry?.removed(metric);
    this.listeners.notify('onRemoved', metric, reason);
  }
}
