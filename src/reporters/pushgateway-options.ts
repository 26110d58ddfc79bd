/**
 * The options every Pushgateway call shares (where the group is, how to retry) and those
 * of a push body, as schemas of the one options reader, and what they resolve to.
 *
 * @module
 * @internal
 */

import { validateHeaderName, validateHeaderValue } from 'node:http';
import { boolean, check, checkValue, integer, oneOf, type Check, type Read } from '../internal/options.js';
import { groupingKeyCheck, groupingKeyPath, jobCheck, type GroupingKey } from './pushgateway-grouping-key.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './pushgateway-retry.js';

/** Where a group is and how to reach it: the options of {@link deleteMetrics}, shared by every call. */
export type PushgatewayTargetOptions = {
  /**
   * The Pushgateway's base URL, `http://` or `https://`, with its route prefix if it has
   * one (`http://127.0.0.1:9091`, `https://gw.example/pushgateway`); user and password
   * in the URL are sent as basic authentication. Required.
   */
  readonly url: string | URL;
  /** The job label of the group (non-empty). Required. */
  readonly job: string;
  /**
   * More labels of the group's key (`{ instance: 'web-1' }`): label names
   * `[A-Za-z_][A-Za-z0-9_]*` (not `__*`, not `job`), values any string, empty included.
   * Every series pushed gets these labels (the gateway overwrites same-named tags).
   *
   * @defaultValue none: the group is the job alone
   */
  readonly groupingKey?: GroupingKey;
  /**
   * Headers sent with every request (`{ authorization: 'Bearer ...' }`); not
   * `Content-Type`, `Content-Length` or `Content-Encoding`, which the push sets.
   *
   * @defaultValue none
   */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The longest one request may take, from connecting to the end of the answer, in
   * milliseconds.
   *
   * @defaultValue 5000
   */
  readonly timeoutMs?: number;
  /**
   * How many times a failed request is retried (network errors, timeouts, 408, 429 and
   * 5xx answers; never another 4xx, which would fail again), from 0 to 100.
   *
   * @defaultValue 3
   */
  readonly retries?: number;
  /**
   * The wait before the first retry, in milliseconds; each further wait doubles, up to
   * `maxBackoffMs`, and is jittered into the upper half of its value.
   *
   * @defaultValue 200
   */
  readonly initialBackoffMs?: number;
  /**
   * The longest wait between two requests, in milliseconds (before jitter).
   *
   * @defaultValue 5000
   */
  readonly maxBackoffMs?: number;
  /**
   * The longest the whole call may take, every request and wait included, in
   * milliseconds: no retry starts that could not finish by then.
   *
   * @defaultValue 15000
   */
  readonly totalTimeoutMs?: number;
};

/** How a push writes and sends its body. */
export type PushBodyOptions = {
  /**
   * `'put'` replaces the whole group with what is pushed (metrics gone from the registry
   * disappear from the group); `'post'` replaces only the metric names pushed and keeps
   * the group's others.
   *
   * @defaultValue `'put'`
   */
  readonly method?: 'put' | 'post';
  /**
   * Prepended to every metric name with `_` (`'batch'` -> `batch_jobs_done_total`);
   * must match `[A-Za-z_:][A-Za-z0-9_:]*`.
   *
   * @defaultValue none
   */
  readonly prefix?: string;
  /**
   * Gzip the body (`Content-Encoding: gzip`); the Pushgateway accepts it from version
   * 1.5.0 on.
   *
   * @defaultValue false
   */
  readonly compress?: boolean;
};

/** The longest delay `setTimeout` accepts. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const URL_EXPECTED = 'an http:// or https:// URL without query or fragment';

/** The check of `url`: a string or `URL`, http(s), no query or fragment; returned as a new `URL`. @internal */
export const gatewayUrlCheck: Check<URL> = check(URL_EXPECTED, (value, context) => {
  if (typeof value !== 'string' && !(value instanceof URL)) return context.fail(URL_EXPECTED);
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    return context.fail(URL_EXPECTED);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') {
    return context.fail(URL_EXPECTED);
  }
  return url;
});

const RESERVED_HEADERS = new Set(['content-type', 'content-length', 'content-encoding', 'transfer-encoding', 'host']);
const HEADERS_EXPECTED = 'an object of HTTP header names to string values (not Content-Type, Content-Length, Content-Encoding, Transfer-Encoding or Host)';

/** The check of `headers`: valid names and values, none the push sets itself; a frozen copy. @internal */
export const headersCheck: Check<Readonly<Record<string, string>>> = check(HEADERS_EXPECTED, (value, context) => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return context.fail(HEADERS_EXPECTED);
  const out: Record<string, string> = {};
  for (const [name, headerValue] of Object.entries(value as Record<string, unknown>)) {
    if (typeof headerValue !== 'string' || RESERVED_HEADERS.has(name.toLowerCase())) return context.fail(HEADERS_EXPECTED);
    try {
      validateHeaderName(name);
      validateHeaderValue(name, headerValue);
    } catch {
      return context.fail(HEADERS_EXPECTED);
    }
    out[name] = headerValue;
  }
  return Object.freeze(out);
});

const PREFIX = /^[A-Za-z_:][A-Za-z0-9_:]*$/;
const PREFIX_EXPECTED = 'a Prometheus name prefix ([A-Za-z_:][A-Za-z0-9_:]*)';

/** The check of `prefix` (the Prometheus format's rule; `''` is no prefix). @internal */
export const prefixCheck: Check<string> = check(PREFIX_EXPECTED, (value, context) =>
  typeof value === 'string' && (value === '' || PREFIX.test(value)) ? value : context.fail(PREFIX_EXPECTED),
);

/** The schema of {@link PushgatewayTargetOptions}. @internal */
export const TARGET_OPTIONS = Object.freeze({
  url: gatewayUrlCheck,
  job: jobCheck,
  groupingKey: groupingKeyCheck,
  headers: headersCheck,
  timeoutMs: integer(1, MAX_TIMER_MS),
  retries: integer(0, 100),
  initialBackoffMs: integer(1, MAX_TIMER_MS),
  maxBackoffMs: integer(1, MAX_TIMER_MS),
  totalTimeoutMs: integer(1, MAX_TIMER_MS),
});

/** The schema of {@link PushBodyOptions}. @internal */
export const BODY_OPTIONS = Object.freeze({
  method: oneOf('put', 'post'),
  prefix: prefixCheck,
  compress: boolean,
});

/** A group resolved from {@link PushgatewayTargetOptions}. @internal */
export type PushTarget = {
  /** The group's URL: the base URL's path, then `/metrics/job/...`. */
  readonly url: URL;
  /** The user's headers. */
  readonly headers: Readonly<Record<string, string>>;
  /** Retries and timeouts. */
  readonly policy: RetryPolicy;
};

/**
 * Resolves the target options read by the options reader; `url` and `job` are required.
 *
 * @throws {@link InvalidOptionError} when `url` or `job` is missing.
 * @internal
 */
export function resolveTarget(where: string, read: Read<typeof TARGET_OPTIONS>): PushTarget {
  const base = checkValue(where, "option 'url'", read.url, gatewayUrlCheck);
  const job = checkValue(where, "option 'job'", read.job, jobCheck);
  const url = new URL(base.href);
  url.pathname = `${base.pathname.replace(/\/+$/, '')}${groupingKeyPath(job, read.groupingKey ?? {})}`;
  return {
    url,
    headers: read.headers ?? {},
    policy: {
      retries: read.retries ?? DEFAULT_RETRY_POLICY.retries,
      initialBackoffMs: read.initialBackoffMs ?? DEFAULT_RETRY_POLICY.initialBackoffMs,
      maxBackoffMs: read.maxBackoffMs ?? DEFAULT_RETRY_POLICY.maxBackoffMs,
      timeoutMs: read.timeoutMs ?? DEFAULT_RETRY_POLICY.timeoutMs,
      totalTimeoutMs: read.totalTimeoutMs ?? DEFAULT_RETRY_POLICY.totalTimeoutMs,
    },
  };
}
