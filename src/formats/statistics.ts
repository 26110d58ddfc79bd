/**
 * The one table of statistics: which statistics a series reports, their suffixes on the
 * wire (Dropwizard's `m1_rate`, `p99`), which are durations and which are rates, and the
 * time units they convert to. Every format and reporter reads names, suffixes and units
 * from here.
 *
 * @module
 */

import { oneOf, type Check } from '../internal/options.js';

/**
 * A unit of time: nanoseconds, microseconds, milliseconds, seconds, minutes or hours.
 * Used for durations (`durationUnit`) and as the denominator of rates (`rateUnit`).
 */
export type TimeUnit = 'ns' | 'us' | 'ms' | 's' | 'min' | 'h';

/** Every {@link TimeUnit}, smallest first. */
export const TIME_UNITS: readonly TimeUnit[] = Object.freeze(['ns', 'us', 'ms', 's', 'min', 'h'] as const);

/** Milliseconds in one of each {@link TimeUnit}. */
export const TIME_UNIT_MS: Readonly<Record<TimeUnit, number>> = Object.freeze({
  ns: 1e-6,
  us: 1e-3,
  ms: 1,
  s: 1e3,
  min: 6e4,
  h: 3.6e6,
});

/** A statistic of a distribution's window (`min` ... `p999`). */
export type DistributionStatistic = (typeof DISTRIBUTION_STATISTICS)[number];

/** The statistics of a distribution's window, in the order formats write them (`min` ... `p999`). */
export const DISTRIBUTION_STATISTICS = Object.freeze([
  'min',
  'max',
  'mean',
  'stddev',
  'p50',
  'p75',
  'p95',
  'p98',
  'p99',
  'p999',
] as const);

/** A rate statistic (events per second in a snapshot). */
export type RateStatistic = (typeof RATE_STATISTIC_ORDER)[number];

/** The rate statistics, in the order formats write them. */
export const RATE_STATISTIC_ORDER = Object.freeze(['meanRate', 'm1Rate', 'm5Rate', 'm15Rate'] as const);

/**
 * A statistic a series can report. Counters have `count`; meters `count` and the rates;
 * histograms `count`, `sum`, `windowCount` and the distribution; timers all of these.
 * Gauges always report their value and are not chosen by statistic.
 */
export type Statistic = 'count' | 'sum' | 'windowCount' | DistributionStatistic | RateStatistic;

/** Every {@link Statistic}, in the order reporters write them. */
export const ALL_STATISTICS: readonly Statistic[] = Object.freeze([
  'count',
  'sum',
  'windowCount',
  ...DISTRIBUTION_STATISTICS,
  ...RATE_STATISTIC_ORDER,
] as const);

/**
 * The statistics scheduled reporters send by default: Dropwizard's set (everything but
 * `sum` and `windowCount`).
 */
export const DEFAULT_STATISTICS: readonly Statistic[] = Object.freeze(
  ALL_STATISTICS.filter((s) => s !== 'sum' && s !== 'windowCount'),
);

/**
 * The Dropwizard-style suffix of each statistic (`m1Rate` -> `m1_rate`), and `value`
 * for a gauge's value. StatsD and Graphite write `name.<suffix>`.
 */
export const STATISTIC_SUFFIX: Readonly<Record<Statistic | 'value', string>> = Object.freeze({
  count: 'count',
  sum: 'sum',
  windowCount: 'window_count',
  min: 'min',
  max: 'max',
  mean: 'mean',
  stddev: 'stddev',
  p50: 'p50',
  p75: 'p75',
  p95: 'p95',
  p98: 'p98',
  p99: 'p99',
  p999: 'p999',
  meanRate: 'mean_rate',
  m1Rate: 'm1_rate',
  m5Rate: 'm5_rate',
  m15Rate: 'm15_rate',
  value: 'value',
});

/**
 * Converts milliseconds to `unit`, exactly where the factor is a power of ten.
 *
 * @internal
 */
export function durationConverter(unit: TimeUnit): (ms: number) => number {
  switch (unit) {
    case 'ns':
      return (ms) => ms * 1e6;
    case 'us':
      return (ms) => ms * 1e3;
    case 'ms':
      return (ms) => ms;
    default: {
      const divisor = TIME_UNIT_MS[unit];
      return (ms) => ms / divisor;
    }
  }
}

/**
 * Converts a rate per second to a rate per `unit`.
 *
 * @internal
 */
export function rateConverter(unit: TimeUnit): (perSecond: number) => number {
  switch (unit) {
    case 's':
      return (r) => r;
    case 'min':
      return (r) => r * 60;
    case 'h':
      return (r) => r * 3600;
    case 'ms':
      return (r) => r / 1e3;
    case 'us':
      return (r) => r / 1e6;
    case 'ns':
      return (r) => r / 1e9;
  }
}

/** The check of a {@link TimeUnit} option. @internal */
export const timeUnitCheck: Check<TimeUnit> = oneOf(...TIME_UNITS);

/** The check of one {@link Statistic}. @internal */
export const statisticCheck: Check<Statistic> = oneOf(...ALL_STATISTICS);



/** What each rate statistic averages over, in words (for HELP texts and docs). */
export const RATE_STATISTIC_HELP: Readonly<Record<RateStatistic, string>> = Object.freeze({
  meanRate: 'lifetime average',
  m1Rate: '1-minute moving average',
  m5Rate: '5-minute moving average',
  m15Rate: '15-minute moving average',
});

/** Each quantile statistic with its quantile, as a number and as a label value (`quantile="0.99"`). */
export const QUANTILE_STATISTICS = Object.freeze([
  { statistic: 'p50', quantile: 0.5, label: '0.5' },
  { statistic: 'p75', quantile: 0.75, label: '0.75' },
  { statistic: 'p95', quantile: 0.95, label: '0.95' },
  { statistic: 'p98', quantile: 0.98, label: '0.98' },
  { statistic: 'p99', quantile: 0.99, label: '0.99' },
  { statistic: 'p999', quantile: 0.999, label: '0.999' },
] as const);

/** The statistics that are durations in a timer (converted by `durationUnit`): `sum` and the window's. */
export const DURATION_STATISTICS: ReadonlySet<Statistic> = new Set<Statistic>(['sum', ...DISTRIBUTION_STATISTICS]);

/** The statistics that are rates (converted by `rateUnit`). */
export const RATE_STATISTICS: ReadonlySet<Statistic> = new Set<Statistic>(RATE_STATISTIC_ORDER);

/**
 * The window fields of a distribution with nothing in it: `windowCount` 0 and every
 * window statistic `null` (never 0: an empty window has no minimum).
 */
export const EMPTY_WINDOW: Readonly<{ windowCount: 0 } & Record<DistributionStatistic, null>> = Object.freeze({
  windowCount: 0,
  ...(Object.fromEntries(DISTRIBUTION_STATISTICS.map((s) => [s, null])) as Record<DistributionStatistic, null>),
});

/**
 * The base unit a Prometheus or OpenMetrics exposition writes timer durations in, and
 * its name (`# UNIT ... seconds`, the `_seconds` suffix).
 */
export const PROMETHEUS_DURATION_UNIT = Object.freeze({ unit: 's', name: 'seconds' } as const);
