/**
 * The check of a tags option (`globalTags`, `tags`): an object of tags as the registry
 * accepts them, validated once at construction by `normalizeTags`, so a reporter or a
 * client never sends a tag its metrics could not carry.
 *
 * @module
 * @internal
 */

import { MetricsError } from '../errors.js';
import { check, type Check } from '../internal/options.js';
import { normalizeTags, type Tags } from '../names.js';

const EXPECTED = 'tags ({ key: value }: keys [A-Za-z_][A-Za-z0-9_]*, non-empty string values without control characters)';

/**
 * Tags, returned normalised (frozen, keys sorted). Built on `normalizeTags` (a local
 * check: `src/names.ts` exports none yet).
 *
 * @internal
 */
export const tagsCheck: Check<Tags> = check(EXPECTED, (value, context) => {
  try {
    return normalizeTags(value, context.where);
  } catch (error) {
    if (error instanceof MetricsError) return context.fail(`${EXPECTED} (${error.message})`);
    throw error;
  }
});
