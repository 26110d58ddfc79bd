/**
 * What every metric shares: its type, name and tags, and the registry-wide tally of
 * invalid values that hot paths drop instead of throwing.
 *
 * @module
 */

import type { Clock, CoarseTicker } from '../clock.js';
import { tagsCheck, type Tags } from '../names.js';

/** Options of `registry.counter()` and `registry.meter()`. */
export type MetricOptions = {
  /** Tags of this series: `{ key: value }` strings, keys matching `[A-Za-z_][A-Za-z0-9_]*`. */
  readonly tags?: Tags;
};

/** The schema of {@link MetricOptions}. @internal */
export const METRIC_SCHEMA = Object.freeze({ tags: tagsCheck });

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
 * What every metric of one registry shares: its clock, coarse ticker and invalid-value
 * tally, in one object that each metric points to (one field per metric, not three).
 *
 * @internal
 */
export type MetricEnv = {
  readonly clock: Clock;
  readonly ticker: CoarseTicker;
  readonly invalid: InvalidValueTally;
};

/**
 * What a metric is constructed with by the registry.
 *
 * @internal
 */
export type MetricContext = {
  readonly name: string;
  readonly tags: Tags;
  /** The registry's shared {@link MetricEnv}. */
  readonly env: MetricEnv;
};

/**
 * One option in which a metric asked for again differs from the existing one, in words,
 * for the `ERR_TAPEMEASURE_OPTIONS_CONFLICT` message.
 *
 * @internal
 */
export type OptionDifference = {
  /** Both values side by side: `significantDigits 2 vs 3`, `settable vs callback`. */
  readonly pair: string;
  /** What exists: `with significantDigits 2`, `as a settable gauge`. */
  readonly existing: string;
  /** What was asked for: `3`, `a callback gauge`. */
  readonly asked: string;
};

/**
 * The difference of a named option, or nothing when both values are equal.
 *
 * @internal
 */
export function optionDifference(option: string, existing: number, asked: number, out: OptionDifference[]): void {
  if (existing === asked) return;
  out.push({ pair: `${option} ${existing} vs ${asked}`, existing: `with ${option} ${existing}`, asked: String(asked) });
}
