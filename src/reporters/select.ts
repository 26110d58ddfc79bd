/**
 * Metric selectors: how reporters and the pull endpoint choose metrics, by name prefix,
 * glob, list of those, or predicate (the `filter` option, the endpoint's `?filter=`).
 *
 * @module
 */

import { anyOf, arrayOf, checkValue, func, string, type Check } from '../internal/options.js';
import type { Metric, MetricFilter } from '../registry/types.js';

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
 * Compiles a {@link MetricSelector} into a predicate on metrics, or `undefined` when
 * everything is selected.
 *
 * @param selector - the selector.
 * @param where - who reads it, for the message of a bad selector.
 * @throws {@link InvalidOptionError} if the selector is not a string, array of strings or function.
 * @internal
 */
export function compileSelector(selector: MetricSelector | undefined, where: string): MetricFilter | undefined {
  if (selector === undefined) return undefined;
  checkValue(where, "option 'filter'", selector, selectorCheck);
  if (typeof selector === 'function') return selector;
  const strings: readonly string[] = typeof selector === 'string' ? [selector] : selector;
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
