/**
 * The grouping key of a Pushgateway group, as the URL path the gateway expects:
 * `/metrics/job/<job>{/<label>/<value>}`.
 *
 * A job name or label value made only of `[A-Za-z0-9_.~-]` (and not `.` or `..`) is
 * written as it is; any other (a `/`, a space, `%`, unicode, the empty string, a dot
 * segment) is written in the `@base64` form the Pushgateway README defines: the label
 * name gets the suffix `@base64` and the value is the URL-safe base64 (RFC 4648 §5) of
 * its UTF-8 bytes, without padding, and `=` for the empty value
 * (`/metrics/job/backup/path@base64/L3Zhci90bXA`, `/metrics/job@base64/...`). Base64
 * rather than percent-encoding: the gateway's router decodes `%2F` into a path separator,
 * and proxies normalise dot segments and escapes, but none of them touches
 * `[A-Za-z0-9_=-]`.
 *
 * @module
 */

import { check, type Check } from '../internal/options.js';

/** Label names of a grouping key to their values (`{ instance: 'web-1' }`). */
export type GroupingKey = Readonly<Record<string, string>>;

const PLAIN = /^[A-Za-z0-9_.~-]+$/;
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether `value` can go into a path segment as it is. */
function plain(value: string): boolean {
  return PLAIN.test(value) && value !== '.' && value !== '..';
}

/** One segment of the path: `name/value`, or `name@base64/<base64url>` when the value needs it. */
function segment(name: string, value: string): string {
  if (plain(value)) return `${name}/${value}`;
  // The gateway needs at least one `=` for the empty value: `a//b` or a trailing `/` would
  // be swallowed by its router.
  const encoded = value === '' ? '=' : Buffer.from(value, 'utf8').toString('base64url');
  return `${name}@base64/${encoded}`;
}

/**
 * The path of a group, from `/metrics` on: `/metrics/job/<job>{/<label>/<value>}`, with
 * labels in the order given. Inputs are assumed valid (see {@link jobCheck} and
 * {@link groupingKeyCheck}).
 *
 * @example
 * ```ts
 * groupingKeyPath('backup', { path: '/var/tmp', host: 'db-1' });
 * // '/metrics/job/backup/path@base64/L3Zhci90bXA/host/db-1'
 * ```
 */
export function groupingKeyPath(job: string, groupingKey: GroupingKey = {}): string {
  let path = `/metrics/${segment('job', job)}`;
  for (const name of Object.keys(groupingKey)) path += `/${segment(name, groupingKey[name]!)}`;
  return path;
}

/**
 * Whether `name` can be a label of a grouping key: a Prometheus label name
 * (`[A-Za-z_][A-Za-z0-9_]*`), not reserved (`__*`), and not `job` (given as the job).
 */
export function isGroupingLabelName(name: string): boolean {
  return LABEL_NAME.test(name) && !name.startsWith('__') && name !== 'job';
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function wellFormed(value: string): boolean {
  // A lone surrogate has no UTF-8 form: it would reach the gateway as U+FFFD.
  return !LONE_SURROGATE.test(value);
}

/**
 * The check of `options.job`: a non-empty string of well-formed unicode (the gateway
 * rejects an empty job name).
 *
 * @internal
 */
export const jobCheck: Check<string> = check('a non-empty string', (value, context) =>
  typeof value === 'string' && value !== '' && wellFormed(value) ? value : context.fail('a non-empty string'),
);

const GROUPING_KEY_EXPECTED =
  'an object of label names ([A-Za-z_][A-Za-z0-9_]*, not "__*" or "job") to strings';

/**
 * The check of `options.groupingKey`: label names valid for the gateway (see
 * {@link isGroupingLabelName}), values any well-formed string (empty included); returned
 * as a frozen copy.
 *
 * @internal
 */
export const groupingKeyCheck: Check<GroupingKey> = check(GROUPING_KEY_EXPECTED, (value, context) => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return context.fail(GROUPING_KEY_EXPECTED);
  const out: Record<string, string> = {};
  for (const [name, labelValue] of Object.entries(value as Record<string, unknown>)) {
    if (!isGroupingLabelName(name) || typeof labelValue !== 'string' || !wellFormed(labelValue)) {
      return context.fail(GROUPING_KEY_EXPECTED);
    }
    out[name] = labelValue;
  }
  return Object.freeze(out);
});
