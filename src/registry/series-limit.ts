/**
 * The caps on series: `maxSeriesPerName` tagged series per name, and `maxSeries` series
 * in the whole registry (its scopes included). One mechanism for both: a series the caps
 * refuse is given an overflow series tagged {@link OVERFLOW_TAGS}, the name's own
 * (beyond the cap per name) or the registry's one of its type,
 * `tapemeasure.overflow.<type>` (beyond the registry's cap). Every diversion is counted
 * (`registry.overflowed`) and warned about with a code. User data (a user id in a tag
 * or in a name) can then never grow a registry without bound.
 *
 * @module
 */

import { ErrorCodes, MetricsError, show } from '../errors.js';
import { emitWarning, WarningLimiter } from '../internal/warnings.js';
import type { MetricType } from '../metrics/metric.js';
import { NO_TAGS, type Tags } from '../names.js';
import type { FamilyOptions } from './conflicts.js';
import type { Family } from './families.js';
import { OVERFLOW_TAGS } from './types.js';

/** The default of `maxSeriesPerName`. @internal */
export const DEFAULT_MAX_SERIES_PER_NAME = 1000;

/**
 * The default of `maxSeries`: 50,000 series. Measured (`docs/metrics.md`, Memory): an
 * idle counter costs about 180 bytes beside its name, an idle timer about 360, and a
 * timer holding 100 values about 1.3 KB; 50,000 series then stay within about 18 MB idle,
 * and about 65 MB were every one a timer holding 100 values. It is the
 * cap that bounds a registry fed names or tags from user data.
 *
 * @internal
 */
export const DEFAULT_MAX_SERIES = 50_000;

/** The prefix of the registry's overflow series: `tapemeasure.overflow.counter`, ... @internal */
export const OVERFLOW_NAME_PREFIX = 'tapemeasure.overflow';

/**
 * The name of the registry's overflow series for a metric of `type` created with
 * `options`: one per type, and for gauges one per kind (a settable gauge's `set()` must
 * not land on a callback gauge). @internal
 */
export function overflowName(type: MetricType, options: FamilyOptions): string {
  if (type === 'gauge' && !(options as { settable?: boolean }).settable) return `${OVERFLOW_NAME_PREFIX}.callback_gauge`;
  return `${OVERFLOW_NAME_PREFIX}.${type}`;
}

/** Whether `metric` is one of the registry's overflow series. @internal */
export function isRegistryOverflow(metric: { readonly name: string; readonly tags: Tags }): boolean {
  return metric.tags === OVERFLOW_TAGS && metric.name.startsWith(`${OVERFLOW_NAME_PREFIX}.`);
}

/** @internal */
export class SeriesLimit {
  /** The most tagged series one name may hold. */
  readonly maxSeriesPerName: number;
  /** The most series the registry may hold, its overflow series aside. */
  readonly maxSeries: number;
  /** The series the registry holds now, its overflow series included (kept by the registration). */
  size = 0;
  /** How many of them are the registry's overflow series (`tapemeasure.overflow.*`), which the cap leaves aside. */
  overflowSeries = 0;
  /** How many times a new series was asked for and an overflow series given instead. */
  overflowed = 0;
  /** Families already warned about (one warning per name). */
  readonly #warned = new WeakSet<Family>();
  /** The registry-wide cap warns once, then at most once a minute with the count suppressed. */
  readonly #registryWarnings = new WarningLimiter();

  constructor(maxSeriesPerName: number, maxSeries: number) {
    this.maxSeriesPerName = maxSeriesPerName;
    this.maxSeries = maxSeries;
  }

  /**
   * The tags a new series of `family` gets: `tags`, or {@link OVERFLOW_TAGS} once the
   * family holds `maxSeriesPerName` tagged series (neither the untagged series nor the
   * overflow one count). The first overflow of a name emits an
   * `ERR_TAPEMEASURE_SERIES_LIMIT` warning.
   */
  tagsFor(family: Family, tags: Tags): Tags {
    if (tags === NO_TAGS) return tags;
    const series = family.series;
    const capped =
      series.size - (series.get(undefined) === undefined ? 0 : 1) - (series.get(OVERFLOW_TAGS) === undefined ? 0 : 1);
    if (capped < this.maxSeriesPerName) return tags;
    this.overflowed++;
    if (!this.#warned.has(family)) {
      this.#warned.add(family);
      emitWarning(
        new MetricsError(
          ErrorCodes.SERIES_LIMIT,
          `${family.type} ${show(family.name)}: reached maxSeriesPerName (${this.maxSeriesPerName}); new tag sets ` +
            `such as ${show(tags)} are counted in the series tagged ${show(OVERFLOW_TAGS)}`,
        ),
      );
    }
    return OVERFLOW_TAGS;
  }

  /**
   * Whether the registry has room for one more series. When it has not, the diversion
   * is counted and an `ERR_TAPEMEASURE_REGISTRY_LIMIT` warning emitted (rate-limited).
   */
  admits(type: MetricType, name: string, tags: Tags, overflow: string): boolean {
    if (this.size - this.overflowSeries < this.maxSeries) return true;
    this.overflowed++;
    this.#registryWarnings.warn(
      new MetricsError(
        ErrorCodes.REGISTRY_LIMIT,
        `the registry reached maxSeries (${this.maxSeries}); new series such as ${type} ${show(name)}` +
          `${tags === NO_TAGS ? '' : ` ${show(tags)}`} are counted in ${show(overflow)} ${show(OVERFLOW_TAGS)}`,
      ),
    );
    return false;
  }
}
