/**
 * The retry policy of the HTTP transport and its coded error: which failures are
 * retried, how long to wait (exponential backoff with jitter, or the server's
 * `Retry-After`), and the {@link HttpTransportError} every failure is reported as.
 *
 * @module
 */

import { ErrorCodes, MetricsError } from '../errors.js';
import { check, integer, shape, type Check } from '../internal/options.js';

/** How the HTTP transport retries. */
export type HttpRetryOptions = {
  /**
   * The most attempts per request, the first included (1: never retry).
   *
   * @defaultValue 5
   */
  readonly maxAttempts?: number;
  /**
   * The wait before the first retry, in milliseconds; it doubles with each retry.
   *
   * @defaultValue 1000
   */
  readonly initialBackoffMs?: number;
  /**
   * The longest wait between two attempts (before jitter), in milliseconds.
   *
   * @defaultValue 5000
   */
  readonly maxBackoffMs?: number;
};

/** The defaults of {@link HttpRetryOptions} (those of the OpenTelemetry exporters). */
export const DEFAULT_RETRY = Object.freeze({ maxAttempts: 5, initialBackoffMs: 1_000, maxBackoffMs: 5_000 });

/** The longest `Retry-After` honoured, in milliseconds; a longer one waits this long. */
export const MAX_RETRY_AFTER_MS = 300_000;

/** HTTP statuses worth retrying (OTLP/HTTP: https://opentelemetry.io/docs/specs/otlp/#retryable-response-codes). */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

const MAX_WAIT_MS = 2 ** 31 - 1;

/**
 * The check of the `retry` option.
 *
 * @internal
 */
export const retryCheck: Check<Required<HttpRetryOptions>> = (() => {
  const read = shape(
    {
      maxAttempts: integer(1, 100),
      initialBackoffMs: integer(0, MAX_WAIT_MS),
      maxBackoffMs: integer(0, MAX_WAIT_MS),
    },
    'an object { maxAttempts?, initialBackoffMs?, maxBackoffMs? }',
  );
  return check(read.expected, (value, context) => {
    const r = read(value, context);
    return {
      maxAttempts: r.maxAttempts ?? DEFAULT_RETRY.maxAttempts,
      initialBackoffMs: r.initialBackoffMs ?? DEFAULT_RETRY.initialBackoffMs,
      maxBackoffMs: r.maxBackoffMs ?? DEFAULT_RETRY.maxBackoffMs,
    };
  });
})();

/**
 * A `Retry-After` header in milliseconds: delay-seconds or an HTTP date, at most
 * {@link MAX_RETRY_AFTER_MS}; `null` when absent or unreadable.
 *
 * @internal
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | null {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (v === undefined || v === '') return null;
  if (/^\d+$/.test(v)) return Math.min(Number(v) * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(v);
  if (Number.isNaN(date)) return null;
  return Math.min(Math.max(0, date - nowMs), MAX_RETRY_AFTER_MS);
}

/** The codes of {@link HttpTransportError}. */
export const HttpTransportErrorCodes = Object.freeze({
  /** The queue reached `maxQueueBytes`: the oldest requests are being dropped (reported once per outage). */
  QUEUE_FULL: ErrorCodes.QUEUE_FULL,
  /** A request body alone is larger than `maxQueueBytes`; it was dropped. */
  RECORD_TOO_LARGE: ErrorCodes.RECORD_TOO_LARGE,
  /** Resolving the host name failed (retried). */
  LOOKUP_FAILED: ErrorCodes.LOOKUP_FAILED,
  /** Connecting failed, or the connection broke before a response (retried). */
  CONNECTION_FAILED: ErrorCodes.CONNECTION_FAILED,
  /** The request could not be made at all (compression failed, the URL was refused); dropped. */
  SEND_FAILED: ErrorCodes.SEND_FAILED,
  /** The receiver answered with a status other than 2xx (429, 502, 503, 504 retried). */
  HTTP_STATUS: ErrorCodes.HTTP_STATUS,
  /** No complete response within `timeoutMs` (retried). */
  REQUEST_TIMEOUT: ErrorCodes.REQUEST_TIMEOUT,
} as const);

/** One of the values of {@link HttpTransportErrorCodes}. */
export type HttpTransportErrorCode = (typeof HttpTransportErrorCodes)[keyof typeof HttpTransportErrorCodes];

/** What an {@link HttpTransportError} says about the attempt that failed. */
export type HttpFailureDetails = {
  /** The HTTP status, when the receiver answered. */
  readonly status?: number;
  /** Which attempt of the request failed (1 for the first); 0 when none was made. */
  readonly attempt?: number;
  /** Whether the request will be tried again. */
  readonly willRetry?: boolean;
  /** The wait before the next attempt, in milliseconds, when there is one. */
  readonly retryInMs?: number;
  /** The original error. */
  readonly cause?: unknown;
};

/**
 * A failure of the HTTP transport, passed to its `onError` (never thrown). Says
 * whether the request will be retried.
 */
export class HttpTransportError extends MetricsError {
  /** The stable code, one of {@link HttpTransportErrorCodes}. */
  declare readonly code: HttpTransportErrorCode;
  /** The HTTP status, or `null` when there was no response. */
  readonly status: number | null;
  /** Which attempt failed (1 for the first; 0 when no attempt was made). */
  readonly attempt: number;
  /** Whether the request will be tried again; if not, it was dropped (and counted). */
  readonly willRetry: boolean;
  /** The wait before the next attempt in milliseconds, or `null`. */
  readonly retryInMs: number | null;

  /**
   * @param code - the stable code.
   * @param message - what failed, and where.
   * @param details - the status, the attempt, and whether it will be retried.
   */
  constructor(code: HttpTransportErrorCode, message: string, details: HttpFailureDetails = {}) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'HttpTransportError';
    this.status = details.status ?? null;
    this.attempt = details.attempt ?? 0;
    this.willRetry = details.willRetry ?? false;
    this.retryInMs = details.retryInMs ?? null;
  }
}
