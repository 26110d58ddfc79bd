/**
 * The cap on series per name: beyond `maxSeriesPerName` tagged series, new tag sets of
 * a name share one overflow series, and one warning per name says so. User data (a
 * user id in a tag) can then never grow a registry without bound.
 *
 * @module
 */

import { ErrorCodes, MetricsError, show } from '../errors.js';
import { emitWarning } from '../internal/warnings.js';
import { NO_TAGS, type Tags } from '../names.js';
import type { Family } from './families.js';
import { OVERFLOW_TAGS } from './types.js';

/** The default of `maxSeriesPerName`. @internal */
export const DEFAULT_MAX_SERIES_PER_NAME = 1000;

/** @internal */
export class SeriesLimit {
  /** The most tagged series one name may hold. */
  readonly maxSeriesPerName: number;
  /** Families already warned about (one warning per name). */
  readonly #warned = new WeakSet<Family>();

  constructor(maxSeriesPerName: number) {
    this.maxSeriesPerName = maxSeriesPerName;
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
}
