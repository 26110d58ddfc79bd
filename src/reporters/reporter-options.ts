/**
 * The options every scheduled reporter reads (`ScheduledReporterOptions`, checked by
 * `REPORTER_OPTIONS`), and the identity a subclass hands the base (`ReporterIdentity`).
 *
 * @module
 */

import type { Clock } from '../clock.js';
import { clockCheck } from '../clock.js';
import { statisticCheck, timeUnitCheck, type Statistic, type TimeUnit } from '../formats/statistics.js';
import { arrayOf, boolean, func, integer, oneOf, type Schema } from '../internal/options.js';
import { REGISTRY_OPTION } from '../registry/registry-option.js';
import type { MetricRegistry } from '../registry/types.js';
import type { ReporterError } from './report.js';
import { selectorCheck, type MetricSelector } from './select.js';
import { selfMetricsCheck, type SelfMetricsOptions } from './self-metrics.js';

/** Options every scheduled reporter accepts. */
export type ScheduledReporterOptions = {
  /**
   * The registry to report: a `Registry`, a scope of one, or any object with the
   * registry brand.
   *
   * @defaultValue the default registry
   */
  readonly registry?: MetricRegistry;
  /**
   * Which metrics to report: a name prefix, a glob, a list of them, or a predicate.
   *
   * @defaultValue every metric
   */
  readonly filter?: MetricSelector;
  /**
   * The unit rates are reported per (`'min'`: events per minute).
   *
   * @defaultValue `'s'`
   */
  readonly rateUnit?: TimeUnit;
  /**
   * The unit timer durations are reported in.
   *
   * @defaultValue `'ms'`
   */
  readonly durationUnit?: TimeUnit;
  /**
   * Which statistics to report for meters, histograms and timers (counters report
   * `count` if it is listed; gauges always report their value).
   *
   * @defaultValue {@link DEFAULT_STATISTICS}: all but `sum` and `windowCount`
   */
  readonly statistics?: readonly Statistic[];
  /**
   * Where histogram and timer statistics come from: `'window'`, the metric's recent
   * sliding window (about a minute, shared by every reader); `'interval'`, the values
   * recorded since this reporter's previous report (its own reader, so two reporters
   * never disturb each other; an interval with no values omits them).
   *
   * @defaultValue `'interval'` for `StatsdReporter`, `'window'` for every other reporter
   */
  readonly distribution?: 'window' | 'interval';
  /**
   * Called with every error; must not throw (what it throws is ignored).
   *
   * @defaultValue one `process.emitWarning` per error kind, then at most one per kind
   *   per minute, saying how many were suppressed.
   */
  readonly onError?: (error: ReporterError) => void;
  /**
   * Also count reports, failures, skipped reports, dropped items, bytes sent and the
   * last report's duration as metrics in the registry.
   *
   * @defaultValue false
   */
  readonly selfMetrics?: boolean | SelfMetricsOptions;
  /**
   * How long `stop()` waits for the running report, the final report and the close,
   * together, before giving up (reported as `stop-timeout`), in milliseconds.
   *
   * @defaultValue 5000
   */
  readonly stopTimeoutMs?: number;
  /**
   * Whether a natural exit of the process (`beforeExit`: the event loop ran empty) stops
   * this reporter once it was started or used (`start()`, `report()`): its final report
   * is sent and flushed, the process waiting for it at most `stopTimeoutMs`. It does not
   * run on `process.exit()` or on a signal: see `stopOnSignals()`.
   *
   * @defaultValue true
   */
  readonly stopOnExit?: boolean;
  /**
   * The wall-clock source for alignment and timestamps.
   *
   * @defaultValue the registry's clock
   */
  readonly clock?: Clock;
};

/** Who a subclass of `ScheduledReporter` is; see its constructor. */
export type ReporterIdentity = {
  /** The reporter's kind, in warnings and self-metric names (`'statsd'`). */
  readonly kind: string;
  /** Its name in error messages (`'StatsdReporter'`). */
  readonly where: string;
  /**
   * The schema of the subclass's own options (beyond `REPORTER_OPTIONS`), for
   * tapemeasure's own reporters. A reporter of yours takes its own options out of the
   * object before it hands the rest to `super()`.
   *
   * @internal
   */
  readonly schema?: Schema;
  /**
   * The default of `distribution` for this reporter.
   *
   * @defaultValue `'window'`
   */
  readonly distribution?: 'window' | 'interval';
  /** Options of `REPORTER_OPTIONS` that do not apply to this reporter: passing one is an unknown option. */
  readonly omit?: readonly (keyof ScheduledReporterOptions)[];
};

/** The longest interval `setTimeout` accepts, in milliseconds. @internal */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The check of `start(intervalMs)`. @internal */
export const intervalCheck = integer(1, MAX_TIMER_MS);

/**
 * The schema of {@link ScheduledReporterOptions}: every scheduled reporter reads these
 * keys, and passes them as `alsoKnown` when it reads its own.
 *
 * @internal
 */
export const REPORTER_OPTIONS = Object.freeze({
  ...REGISTRY_OPTION,
  filter: selectorCheck,
  rateUnit: timeUnitCheck,
  durationUnit: timeUnitCheck,
  statistics: arrayOf(statisticCheck),
  distribution: oneOf('window', 'interval'),
  onError: func,
  selfMetrics: selfMetricsCheck,
  stopTimeoutMs: integer(1, MAX_TIMER_MS),
  stopOnExit: boolean,
  clock: clockCheck,
});

/** `schema` without the keys in `keys`. @internal */
export function schemaWithout(schema: Schema, keys: readonly string[]): Schema {
  const out: Record<string, Schema[string]> = {};
  for (const key of Object.keys(schema)) if (!keys.includes(key)) out[key] = schema[key]!;
  return out;
}
