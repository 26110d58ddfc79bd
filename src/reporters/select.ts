/**
 * What reporters share to choose what they send: metric selectors (name prefix, glob or
 * predicate), time units for rates and durations, and the statistics a series exposes.
 *
 * @module
 */

import { InvalidOptionError, show } from '../errors.js';
import type { Registry } from '../registry/registry.js';
import type { Metric, MetricFilter } from '../registry/types.js';
import type { MetricSnapshot, SnapshotTree } from '../registry/snapshot.js';
import { SnapshotTreeBuilder, type JsonSeries } from '../formats/json.js';

/**
 * Selects metrics: a name prefix (`'http.'`), a glob (`'http.*.count'`, `'db.**'`), a
 * list of those (any may match), or a predicate called with each metric.
 *
 * In a glob, `*` matches any run of characters within one name segment, `?` one
 * character, and a whole segment `**` any number of segments (`db.**`, `**.errors`); the
 * glob must match the whole name. A string without `*` or `?` is a prefix, compared with
 * `startsWith`.
 */
export type MetricSelector = string | readonly string[] | MetricFilter;

/**
 * A unit of time: nanoseconds, microseconds, milliseconds, seconds, minutes or hours.
 * Used for durations (`durationUnit`) and as the denominator of rates (`rateUnit`).
 */
export type TimeUnit = 'ns' | 'us' | 'ms' | 's' | 'min' | 'h';

/** Milliseconds in one of each {@link TimeUnit}. */
export const TIME_UNIT_MS: Readonly<Record<TimeUnit, number>> = Object.freeze({
  ns: 1e-6,
  us: 1e-3,
  ms: 1,
  s: 1e3,
  min: 6e4,
  h: 3.6e6,
});

/**
 * A statistic a series can report. Counters have `count`; meters `count` and the rates;
 * histograms `count`, `sum`, `windowCount` and the distribution; timers all of these.
 * Gauges always report their value and are not chosen by statistic.
 */
export type Statistic =
  | 'count'
  | 'sum'
  | 'windowCount'
  | 'min'
  | 'max'
  | 'mean'
  | 'stddev'
  | 'p50'
  | 'p75'
  | 'p95'
  | 'p98'
  | 'p99'
  | 'p999'
  | 'meanRate'
  | 'm1Rate'
  | 'm5Rate'
  | 'm15Rate';

/** Every {@link Statistic}, in the order reporters write them. */
export const ALL_STATISTICS: readonly Statistic[] = Object.freeze([
  'count',
  'sum',
  'windowCount',
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
  'meanRate',
  'm1Rate',
  'm5Rate',
  'm15Rate',
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

/** The statistics that are durations in a timer (converted by `durationUnit`). */
export const DURATION_STATISTICS: ReadonlySet<Statistic> = new Set<Statistic>([
  'sum',
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
]);

/** The statistics that are rates (converted by `rateUnit`). */
export const RATE_STATISTICS: ReadonlySet<Statistic> = new Set<Statistic>(['meanRate', 'm1Rate', 'm5Rate', 'm15Rate']);

const GLOB_CHARS = /[*?]/;

/** Matches one name segment against a segment pattern with `*` (any run) and `?` (one character). */
function matchSegment(pattern: string, segment: string): boolean {
  // The classic two-pointer wildcard match: linear in practice, never exponential.
  let p = 0;
  let s = 0;
  let star = -1;
  let mark = 0;
  while (s < segment.length) {
    const c = pattern[p];
    if (c === '*') {
      star = p++;
      mark = s;
    } else if (c !== undefined && (c === '?' || c === segment[s])) {
      p++;
      s++;
    } else if (star !== -1) {
      p = star + 1;
      s = ++mark;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/**
 * Compiles a glob into a predicate on dotted names. Segments are matched one to one;
 * within a segment `*` matches any run of characters and `?` one character; a segment
 * `**` matches any number of whole segments. Linear in practice, and never exponential
 * (globs can come from a URL).
 *
 * @internal
 */
export function globMatcher(glob: string): (name: string) => boolean {
  const patterns = glob.split('.');
  return (name) => {
    const segments = name.split('.');
    let p = 0;
    let n = 0;
    let star = -1;
    let mark = 0;
    while (n < segments.length) {
      const pattern = patterns[p];
      if (pattern === '**') {
        star = p++;
        mark = n;
      } else if (pattern !== undefined && matchSegment(pattern, segments[n]!)) {
        p++;
        n++;
      } else if (star !== -1) {
        p = star + 1;
        n = ++mark;
      } else {
        return false;
      }
    }
    while (patterns[p] === '**') p++;
    return p === patterns.length;
  };
}

/**
 * Compiles a {@link MetricSelector} into a predicate on names, or `undefined` when
 * everything is selected.
 *
 * @throws {@link InvalidOptionError} if the selector is not a string, array of strings or function.
 * @internal
 */
export function compileSelector(selector: MetricSelector | undefined, what: string): MetricFilter | undefined {
  if (selector === undefined) return undefined;
  if (typeof selector === 'function') return selector;
  const patterns: readonly unknown[] = typeof selector === 'string' ? [selector] : selector;
  if (!Array.isArray(patterns) || patterns.some((p) => typeof p !== 'string')) {
    throw new InvalidOptionError(
      `${what}: filter must be a name prefix, a glob, an array of them or a function, received ${show(selector)}`,
    );
  }
  const strings = patterns as readonly string[];
  if (strings.length === 0) return () => false;
  const prefixes: string[] = [];
  const globs: ((name: string) => boolean)[] = [];
  for (const p of strings) {
    if (GLOB_CHARS.test(p)) globs.push(globMatcher(p));
    else prefixes.push(p);
  }
  if (prefixes.includes('')) return undefined;
  return (metric: Metric) => {
    const n = metric.name;
    for (const p of prefixes) if (n.startsWith(p)) return true;
    for (const g of globs) if (g(n)) return true;
    return false;
  };
}

/**
 * Checks a time unit option.
 *
 * @throws {@link InvalidOptionError} if `unit` is not a {@link TimeUnit}.
 * @internal
 */
export function checkTimeUnit(unit: unknown, what: string): TimeUnit {
  if (typeof unit !== 'string' || !Object.hasOwn(TIME_UNIT_MS, unit)) {
    throw new InvalidOptionError(
      `${what} must be one of ${Object.keys(TIME_UNIT_MS).join(', ')}, received ${show(unit)}`,
    );
  }
  return unit as TimeUnit;
}

/**
 * Checks a list of statistics and returns it as a set.
 *
 * @throws {@link InvalidOptionError} for an unknown statistic or a non-array.
 * @internal
 */
export function checkStatistics(statistics: unknown, what: string): ReadonlySet<Statistic> {
  if (!Array.isArray(statistics)) {
    throw new InvalidOptionError(`${what} must be an array of statistics, received ${show(statistics)}`);
  }
  for (const s of statistics) {
    if (typeof s !== 'string' || !(ALL_STATISTICS as readonly string[]).includes(s)) {
      throw new InvalidOptionError(
        `${what}: unknown statistic ${show(s)}; expected some of ${ALL_STATISTICS.join(', ')}`,
      );
    }
  }
  return new Set(statistics as Statistic[]);
}

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

/**
 * How long reading or formatting may hold the event loop before it yields (with
 * `setImmediate`), so that reporting a large registry never stalls the application.
 *
 * @internal
 */
export const SLICE_MS = 8;

/**
 * Returns a function to call between units of work: it resolves at once while the
 * current slice lasts less than `sliceMs`, and after one `setImmediate` otherwise.
 *
 * @internal
 */
export function sliceYielder(sliceMs = SLICE_MS): () => Promise<void> | undefined {
  let since = performance.now();
  return () => {
    if (performance.now() - since < sliceMs) return undefined;
    return new Promise<void>((resolve) => {
      setImmediate(() => {
        since = performance.now();
        resolve();
      });
    });
  };
}

/** One series as read by {@link readSeries}. */
export type ReadSeries = {
  /** The metric. */
  readonly metric: Metric;
  /** Its dotted name. */
  readonly name: string;
  /** Its tags. */
  readonly tags: Metric['tags'];
  /** What was read. */
  readonly snapshot: MetricSnapshot;
};

/**
 * Reads the selected series: every callback gauge is awaited (each within its own
 * timeout), in parallel; then everything else is snapshotted in registry order, yielding
 * to the event loop every {@link SLICE_MS}.
 *
 * @param registry - the registry.
 * @param filter - which metrics; all when undefined.
 * @param onFilterError - told when the filter throws (the metric is left out).
 * @internal
 */
export async function readSeries(
  registry: Registry,
  filter: MetricFilter | undefined,
  onFilterError: (metric: Metric, error: unknown) => void,
): Promise<ReadSeries[]> {
  const selected: Metric[] = [];
  for (const metric of registry.metrics()) {
    if (filter === undefined) {
      selected.push(metric);
      continue;
    }
    try {
      if (filter(metric)) selected.push(metric);
    } catch (error) {
      onFilterError(metric, error);
    }
  }
  const gauges = new Map<Metric, MetricSnapshot>();
  const pending: Promise<void>[] = [];
  for (const metric of selected) {
    if (metric.type === 'gauge' && !metric.settable) pending.push(metric.collect().then((s) => void gauges.set(metric, s)));
  }
  if (pending.length > 0) await Promise.all(pending);
  const pause = sliceYielder();
  const out: ReadSeries[] = [];
  for (const metric of selected) {
    out.push({ metric, name: metric.name, tags: metric.tags, snapshot: gauges.get(metric) ?? metric.snapshot() });
    const wait = pause();
    if (wait !== undefined) await wait;
  }
  return out;
}

/**
 * Builds the snapshot tree of `series`, pausing every {@link SLICE_MS}.
 *
 * @internal
 */
export async function buildSnapshotTreeInSlices(series: readonly JsonSeries[]): Promise<SnapshotTree> {
  const builder = new SnapshotTreeBuilder();
  const pause = sliceYielder();
  for (const s of series) {
    builder.add(s);
    const wait = pause();
    if (wait !== undefined) await wait;
  }
  return builder.tree;
}
