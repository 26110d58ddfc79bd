/**
 * What reporters share to choose what they send: metric selectors (name prefix, glob or
 * predicate), time units for rates and durations, and the statistics a series exposes.
 *
 * @module
 */

import { InvalidOptionError, show } from '../errors.js';
import type { Registry } from '../registry/registry.js';
import type { Metric, MetricFilter } from '../registry/types.js';
import type { SnapshotTree } from '../registry/snapshot.js';
import type { MetricSnapshot } from '../metrics/snapshot.js';
import { SnapshotTreeBuilder, type JsonSeries } from '../registry/snapshot-tree.js';
import { sliceYielder } from '../internal/slicer.js';
import { anyOf, arrayOf, func, string, type Check } from '../internal/options.js';

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

/** The check of a `filter` option: a name prefix, a glob, a list of them, or a predicate. @internal */
export const selectorCheck: Check<MetricSelector> = anyOf(string, arrayOf(string), func) as Check<MetricSelector>;

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
