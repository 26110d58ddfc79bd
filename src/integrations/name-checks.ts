/**
 * Option checks for metric names and tags, shared by the integrations (`prefix`, `tags`).
 *
 * @module
 * @internal
 */

import { check, type Check } from '../internal/options.js';
import { normalizeTags, validateName, type Tags } from '../names.js';

/**
 * The check of a name option (a `prefix`): a valid dotted metric name of at most
 * `maxLength` characters.
 *
 * @internal
 */
export function metricNameCheck(maxLength: number): Check<string> {
  const expected = `a metric name (dot-separated segments of letters, digits, "_" and "-") of at most ${maxLength} characters`;
  return check(expected, (value, context) => {
    if (typeof value !== 'string' || value.length > maxLength) return context.fail(expected);
    try {
      validateName(value);
    } catch {
      return context.fail(expected);
    }
    return value;
  });
}

/**
 * The check of a `tags` option: an object of tag values, returned normalised (validated,
 * keys sorted, frozen).
 *
 * @internal
 */
export const tagsCheck: Check<Tags> = check(
  'an object of tags (keys [A-Za-z_][A-Za-z0-9_]*, values non-empty strings of at most 256 characters)',
  (value, context) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return context.fail(tagsCheck.expected);
    try {
      return normalizeTags(value, 'tags');
    } catch {
      return context.fail(tagsCheck.expected);
    }
  },
);
