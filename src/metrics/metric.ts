/**
 * What every metric shares: its type, name and tags, and the registry-wide tally of
 * invalid values that hot paths drop instead of throwing.
 *
 * @module
 */

import type { Clock, CoarseTicker } from '../clock.js';
import type { Tags } from '../names.js';

/** The five metric types. */
export type MetricType = 'counter' | 'gauge' | 'meter' | 'histogram' | 'timer';

/**
 * The registry-wide count of values that recording methods dropped because they were
 * invalid (NaN, infinite, negative where a histogram needs >= 0, not a number).
 *
 * @internal
 */
export class InvalidValueTally {
  count = 0;
}

/**
 * What a metric is constructed with by the registry.
 *
 * @internal
 */
export type MetricContext = {
  readonly name: string;
  readonly tags: Tags;
  readonly clock: Clock;
  readonly ticker: CoarseTicker;
  readonly invalid: InvalidValueTally;
};
