/**
 * The options of the dashboard: what {@link dashboardHandler} and `serveMetrics({
 * dashboard })` accept, their schema for the one options reader, and their defaults.
 *
 * @module
 */

import { clockCheck, type Clock } from '../../clock.js';
import type { MetricsError } from '../../errors.js';
import {
  anyOf,
  boolean,
  checkValue,
  func,
  integer,
  is,
  readOptions,
  shape,
  type Check,
} from '../../internal/options.js';
import { REGISTRY_OPTION, registryOf } from '../../registry/registry-option.js';
import type { MetricFilter, MetricRegistry } from '../../registry/types.js';
import { compileSelector, selectorCheck, type MetricSelector } from '../../reporters/select.js';

/** Options of {@link dashboardHandler} (and, but for `registry`, of `serveMetrics({ dashboard })`). */
export type DashboardOptions = {
  /**
   * The registry the dashboard shows: a registry, a scope of one, or any registry view
   * (the fleet view of several processes included).
   *
   * @defaultValue the default registry
   */
  readonly registry?: MetricRegistry;
  /**
   * Which metrics the dashboard shows at all (a name prefix, glob, list or predicate);
   * the page's filter box narrows further within these.
   *
   * @defaultValue every metric
   */
  readonly filter?: MetricSelector;
  /**
   * How often the history is sampled and the page refreshes, in milliseconds.
   *
   * @defaultValue 1000
   */
  readonly intervalMs?: number;
  /**
   * How much recent history the server keeps (and a page opened now shows), in
   * milliseconds; at most 3,600 samples (`historyMs / intervalMs`).
   *
   * @defaultValue 600000 (10 minutes)
   */
  readonly historyMs?: number;
  /**
   * The most series the history records. Series beyond it (in registry order) are
   * counted and named on the page as not recorded. Memory: about
   * `fields × historyMs / intervalMs × 4` bytes per series (`fields`: 3 for a timer, 2 for
   * a histogram, 1 otherwise), 7.2 KB for a timer at the defaults.
   *
   * @defaultValue 1000
   */
  readonly maxSeries?: number;
  /**
   * The quiet period: when no page has asked for the feed for this long, sampling stops
   * and the history is freed (the next request starts it again), in milliseconds.
   *
   * @defaultValue 120000
   */
  readonly idleTimeoutMs?: number;
  /**
   * The page's title (and heading), such as the name of the service.
   *
   * @defaultValue `'tapemeasure'`
   */
  readonly title?: string;
  /**
   * The time source of the samples (wall time for the charts' time axis, monotonic time
   * for rates and the quiet period).
   *
   * @defaultValue the registry's clock
   */
  readonly clock?: Clock;
  /**
   * Told about what failed while answering (a filter that threw, an asset that could not
   * be read); must not throw.
   *
   * @defaultValue at most one `process.emitWarning` per minute and kind
   */
  readonly onError?: (error: MetricsError) => void;
};

/** The most samples the history keeps per series, whatever `historyMs / intervalMs` asks. */
export const MAX_HISTORY_SAMPLES = 3_600;

const titleCheck: Check<string> = is(
  'a string of 1 to 100 characters',
  (v): v is string => typeof v === 'string' && v.length >= 1 && v.length <= 100,
);

/**
 * The schema of the dashboard's own options (everything but `registry`).
 *
 * @internal
 */
export const DASHBOARD_OWN_SCHEMA = Object.freeze({
  filter: selectorCheck,
  intervalMs: integer(100, 60_000),
  historyMs: integer(1_000, 86_400_000),
  maxSeries: integer(1, 100_000),
  idleTimeoutMs: integer(1_000, 86_400_000),
  title: titleCheck,
  clock: clockCheck,
  onError: func as Check<(error: MetricsError) => void>,
});

/** The schema of {@link DashboardOptions}. @internal */
export const DASHBOARD_SCHEMA = Object.freeze({ ...REGISTRY_OPTION, ...DASHBOARD_OWN_SCHEMA });

/**
 * The schema fragment `{ dashboard }` of `serveMetrics`: `true` (the default), `false`
 * (no dashboard), or the dashboard's options but `registry` (the server's own is used).
 *
 * @internal
 */
export const DASHBOARD_SERVER_OPTION = Object.freeze({
  dashboard: anyOf(boolean, shape(DASHBOARD_OWN_SCHEMA, 'the dashboard options')) as Check<
    boolean | Omit<DashboardOptions, 'registry'>
  >,
});

/**
 * The options of the dashboard, read and defaulted.
 *
 * @internal
 */
export type DashboardConfig = {
  readonly registry: MetricRegistry;
  readonly filter: MetricFilter | undefined;
  readonly intervalMs: number;
  /** Slots of the ring: samples kept plus one being written. */
  readonly capacity: number;
  readonly historyMs: number;
  readonly maxSeries: number;
  readonly idleTimeoutMs: number;
  readonly title: string;
  readonly clock: Clock;
  readonly onError: ((error: MetricsError) => void) | undefined;
};

/**
 * Reads the dashboard's options with the one options reader.
 *
 * @throws {@link InvalidOptionError} or {@link UnknownOptionError}.
 * @internal
 */
export function readDashboardOptions(where: string, options: unknown): DashboardConfig {
  const read = readOptions(where, options, DASHBOARD_SCHEMA);
  const registry = registryOf(read);
  const intervalMs = read.intervalMs ?? 1_000;
  const historyMs =
    read.historyMs === undefined
      ? Math.min(600_000, intervalMs * MAX_HISTORY_SAMPLES)
      : checkValue(where, "option 'historyMs'", read.historyMs, integer(intervalMs, intervalMs * MAX_HISTORY_SAMPLES));
  return {
    registry,
    filter: compileSelector(read.filter, where),
    intervalMs,
    historyMs,
    capacity: Math.ceil(historyMs / intervalMs) + 1,
    maxSeries: read.maxSeries ?? 1_000,
    idleTimeoutMs: read.idleTimeoutMs ?? 120_000,
    title: read.title ?? 'tapemeasure',
    clock: read.clock ?? registry.clock,
    onError: read.onError,
  };
}
