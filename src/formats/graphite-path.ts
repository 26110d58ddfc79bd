/**
 * The path rules every Graphite format shares: sanitising paths and Graphite 1.1 tags,
 * building a series path once, and the datapoint the formats carry.
 *
 * Carbon splits a line on any whitespace and a path on `;` (tags), so every path and tag
 * written here is sanitised: nothing user-controlled can add a line, a field or a tag.
 *
 * @module
 */

import type { Tags } from '../names.js';

/** One Graphite datapoint. */
export type GraphitePoint = {
  /** The full series path, already built by {@link graphitePath} (may carry `;k=v` tags). */
  readonly path: string;
  /** The value; points whose value is NaN or infinite are never written. */
  readonly value: number;
  /** Seconds since the Unix epoch; fractions are dropped (carbon truncates them anyway). */
  readonly timestampS: number;
};

/** JavaScript callers may pass other values where strings are expected: never throw on them. */
function toText(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

// Python's str.split() (what carbon splits a line with) treats these as whitespace:
// ASCII whitespace, \x1c-\x1f, \x85, \xa0 and the Unicode spaces JS's \s knows.
// Control characters are replaced as well, and `;` which starts Graphite 1.1 tags.
// eslint-disable-next-line no-control-regex -- control characters are exactly what we replace
const UNSAFE_PATH = /[\s\u0000-\u001f\u007f-\u009f;]/g;
// Graphite 1.1 tag keys may not contain `;!^=`; tag values may not contain `;` nor start with `~`.
// eslint-disable-next-line no-control-regex -- control characters are exactly what we replace
const UNSAFE_TAG_KEY = /[\s\u0000-\u001f\u007f-\u009f;!^=]/g;
// eslint-disable-next-line no-control-regex -- control characters are exactly what we replace
const UNSAFE_TAG_VALUE = /[\s\u0000-\u001f\u007f-\u009f;]/g;

/**
 * Makes a string safe as (part of) a Graphite path: whitespace, control characters and `;`
 * become `_`. Dots are kept (they are the path separator); use `encodeSegment()` to keep a
 * string's dots and everything else reversibly inside one segment.
 *
 * @example
 * ```ts
 * import { sanitizeGraphitePath } from 'tapemeasure';
 *
 * console.log(sanitizeGraphitePath('a b\nc;d')); // 'a_b_c_d'
 * ```
 */
export function sanitizeGraphitePath(path: string): string {
  return toText(path).replace(UNSAFE_PATH, '_');
}

/**
 * Makes a tag key safe for Graphite 1.1: whitespace, control characters and `;!^=` become
 * `_`; an empty key becomes `_`; the key `name` (which carbon reserves for the path)
 * becomes `name_`.
 */
export function sanitizeGraphiteTagKey(key: string): string {
  const text = toText(key);
  if (text === '') return '_';
  if (text === 'name') return 'name_';
  return text.replace(UNSAFE_TAG_KEY, '_');
}

/**
 * Makes a tag value safe for Graphite 1.1: whitespace, control characters and `;` become
 * `_`; a leading `~` (reserved by Graphite) becomes `_`; an empty value becomes `_`.
 */
export function sanitizeGraphiteTagValue(value: string): string {
  const text = toText(value);
  if (text === '') return '_';
  const safe = text.replace(UNSAFE_TAG_VALUE, '_');
  return safe.charCodeAt(0) === 0x7e ? `_${safe.slice(1)}` : safe;
}

/**
 * Builds a series path: the sanitised `name`, then the sanitised tags in Graphite 1.1 form
 * (`name;k1=v1;k2=v2`, sorted exactly as carbon stores them).
 *
 * @param name - the dotted path.
 * @param tags - optional tags.
 * @example
 * ```ts
 * import { graphitePath } from 'tapemeasure';
 *
 * console.log(graphitePath('http.requests', { route: '/users/:id', method: 'GET' }));
 * // 'http.requests;method=GET;route=/users/:id'
 * ```
 */
export function graphitePath(name: string, tags?: Tags): string {
  let path = sanitizeGraphitePath(name);
  if (tags === undefined || tags === null || typeof tags !== 'object') return path;
  const pairs: string[] = [];
  for (const key in tags) pairs.push(`;${sanitizeGraphiteTagKey(key)}=${sanitizeGraphiteTagValue(tags[key] ?? '')}`);
  if (pairs.length === 0) return path;
  // Carbon sorts the `;k=v` strings themselves (TaggedSeries.format); sorting the same way
  // makes the path we send equal to the path carbon stores.
  pairs.sort();
  for (const pair of pairs) path += pair;
  return path;
}

/**
 * Appends a suffix (`count`, `p99`, ...) to a path built by {@link graphitePath}, before its
 * tags: `graphiteSuffixed('a.b;k=v', 'p99')` is `a.b.p99;k=v`.
 */
export function graphiteSuffixed(path: string, suffix: string): string {
  if (suffix === '') return path;
  const semi = path.indexOf(';');
  return semi === -1 ? `${path}.${suffix}` : `${path.slice(0, semi)}.${suffix}${path.slice(semi)}`;
}
