/**
 * The page's filter box: words separated by spaces, every one of which a series must
 * match.
 *
 * - `key=value` (or `key:value`) matches a tag: the value exactly, or as a wildcard
 *   pattern when it holds `*` (any run of characters) or `?` (one character):
 *   `route=/users/*`, `status=5xx`.
 * - a word with `*` or `?` is a name glob, as `?filter=` of `GET /metrics` takes it
 *   (`http.*.requests`, `db.**`): it must match the whole name;
 * - any other word is looked for anywhere in the name (`heap` finds
 *   `runtime.memory.heap_used_bytes`).
 *
 * Bounded: at most {@link MAX_FILTER_LENGTH} characters and {@link MAX_FILTER_WORDS}
 * words; the matchers are linear, never exponential.
 *
 * @module
 * @internal
 */

import type { Tags } from '../../names.js';
import { globMatcher } from '../../reporters/select.js';

/** The longest filter text read; the rest is ignored. */
export const MAX_FILTER_LENGTH = 256;

/** The most words of a filter; the rest are ignored. */
export const MAX_FILTER_WORDS = 16;

/** A compiled filter: whether a series (name and tags) matches. */
export type SeriesPredicate = (name: string, tags: Tags) => boolean;

const GLOB = /[*?]/;
const TAG_WORD = /^([A-Za-z_][A-Za-z0-9_]*)[=:](.+)$/;
/** A character no tag value holds (tag values have no control characters): stands in for '.' below. */
const DOT_STAND_IN = '\u0001';

/**
 * A wildcard matcher on a whole string, where `*` matches any run and `?` one character.
 * The select module's glob matches within dotted segments; with every '.' replaced by a
 * character tag values never hold, the whole value is one segment, and that linear
 * matcher is reused as it is.
 */
function wildcard(pattern: string): (value: string) => boolean {
  const match = globMatcher(pattern.replaceAll('.', DOT_STAND_IN).replace(/\*+/g, '*'));
  return (value) => match(value.replaceAll('.', DOT_STAND_IN));
}

/** Compiles the filter text, or returns `undefined` when it selects everything (empty). */
export function compileQueryFilter(text: string): SeriesPredicate | undefined {
  const words = text.slice(0, MAX_FILTER_LENGTH).split(/\s+/).filter((w) => w !== '').slice(0, MAX_FILTER_WORDS);
  if (words.length === 0) return undefined;
  const tests: SeriesPredicate[] = [];
  for (const word of words) {
    const tag = TAG_WORD.exec(word);
    if (tag !== null) {
      const key = tag[1]!;
      const value = tag[2]!;
      if (GLOB.test(value)) {
        const match = wildcard(value);
        tests.push((_name, tags) => {
          const v = tags[key];
          return v !== undefined && match(v);
        });
      } else {
        tests.push((_name, tags) => tags[key] === value);
      }
    } else if (GLOB.test(word)) {
      tests.push(globMatcher(word));
    } else {
      tests.push((name) => name.includes(word));
    }
  }
  return (name, tags) => {
    for (const t of tests) if (!t(name, tags)) return false;
    return true;
  };
}
