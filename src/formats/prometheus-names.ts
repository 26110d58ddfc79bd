/**
 * How the Prometheus text formats (0.0.4 and OpenMetrics 1.0) write names, labels and
 * numbers: the mapping of a dotted name to a Prometheus name, of a tag key to a label
 * name, and the escaping of label values and HELP text. Pure.
 *
 * @module
 * @internal
 */

import { check, type Check } from '../internal/options.js';
import type { Tags } from '../names.js';

const PREFIX = /^[A-Za-z_:][A-Za-z0-9_:]*$/;
/** What HELP text must escape, in OpenMetrics and in text 0.0.4. */
const HELP_OM = /[\\"\n]/;
const HELP_TEXT = /[\\\n]/;
const UNSAFE_NAME = /[^A-Za-z0-9_:]/g;
const LEADING_DIGIT = /^[0-9]/;

/**
 * The check of a Prometheus name `prefix` option: `''` (none) or a valid Prometheus name.
 *
 * @internal
 */
export const prometheusPrefixCheck: Check<string> = check(
  'a Prometheus name prefix matching [A-Za-z_:][A-Za-z0-9_:]*',
  (value, context) =>
    typeof value === 'string' && (value === '' || PREFIX.test(value))
      ? value
      : context.fail('a Prometheus name prefix matching [A-Za-z_:][A-Za-z0-9_:]*'),
);

/**
 * Escapes a label value: backslash, double quote and line feed (the same in both formats).
 *
 * @internal
 */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`)) : value;
}

/**
 * Escapes HELP text: backslash and line feed in 0.0.4; also double quote in OpenMetrics.
 *
 * @internal
 */
export function escapeHelp(text: string, openMetrics: boolean): string {
  // Tested first: a HELP made of a metric name has nothing to escape, and a replace with
  // a callback costs far more than a test (a render of 10,000 timers writes 10,000 HELPs).
  if (!(openMetrics ? HELP_OM : HELP_TEXT).test(text)) return text;
  return text.replace(openMetrics ? /[\\"\n]/g : /[\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/**
 * A metric name as a Prometheus name: any character outside `[A-Za-z0-9_:]` becomes
 * `_`, and a leading digit gets a `_` in front.
 *
 * @internal
 */
export function prometheusName(name: string): string {
  const mapped = name.replace(UNSAFE_NAME, '_');
  return LEADING_DIGIT.test(mapped) ? `_${mapped}` : mapped;
}

/**
 * A tag key as a label name: kept, unless Prometheus reserves it (`quantile` and `le`
 * have meanings in summaries and histograms, `__` prefixes are internal), then
 * `tag_<key>`. A key that itself starts with `tag_` gets the prefix too (`tag_le` is
 * `tag_tag_le`), so the renamed `le` can never meet a tag really named `tag_le`: strip
 * one `tag_` to read the key back.
 *
 * @internal
 */
export function labelName(key: string): string {
  const safe = key.replace(/[^A-Za-z0-9_]/g, '_');
  return safe === 'quantile' || safe === 'le' || safe.startsWith('__') || safe.startsWith('tag_') || /^[0-9]/.test(safe)
    ? `tag_${safe}`
    : safe;
}

/** Formats a number as both formats accept it (`NaN`, `+Inf`, `-Inf`, JS notation otherwise). @internal */
export function num(value: number): string {
  if (Number.isFinite(value)) return String(value);
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

/** The inside of a label set (`a="1",b="2"`), without braces; `''` for no tags. @internal */
export function labelPairs(tags: Tags): string {
  let out = '';
  for (const key in tags) {
    out += `${out === '' ? '' : ','}${labelName(key)}="${escapeLabelValue(tags[key]!)}"`;
  }
  return out;
}

/** `{pairs}`, or `''` for no pairs. @internal */
export function braces(pairs: string): string {
  return pairs === '' ? '' : `{${pairs}}`;
}
