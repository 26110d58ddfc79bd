/**
 * What a push to a Prometheus Pushgateway ends with: a {@link PushResult}, and, when it
 * failed, the coded {@link PushError} that says why.
 *
 * @module
 */

import { ErrorCodes, MetricsError } from '../errors.js';

/** The codes a {@link PushError} can carry, one per condition. */
export type PushErrorCode =
  | typeof ErrorCodes.CONNECTION_FAILED
  | typeof ErrorCodes.LOOKUP_FAILED
  | typeof ErrorCodes.PUSH_REJECTED
  | typeof ErrorCodes.PUSH_TIMEOUT;

/** A push, or a delete, of a group. */
export type PushMethod = 'put' | 'post' | 'delete';

/**
 * Why a push or delete to the Pushgateway failed, after its retries:
 * - `ERR_TAPEMEASURE_CONNECTION_FAILED`: connecting failed (nothing listening, refused,
 *   reset, TLS) or the connection broke before the answer was complete;
 * - `ERR_TAPEMEASURE_LOOKUP_FAILED`: the gateway's host name did not resolve;
 * - `ERR_TAPEMEASURE_PUSH_REJECTED`: the gateway answered with an error status
 *   (`status`; `responseText` holds the start of its answer, such as
 *   `pushed metrics are invalid or inconsistent with existing metrics: ...`);
 * - `ERR_TAPEMEASURE_PUSH_TIMEOUT`: no complete answer within `timeoutMs` (or within what
 *   was left of `totalTimeoutMs`, or before `stop()` gave up).
 *
 * Never thrown into the application: {@link pushMetrics} and {@link deleteMetrics}
 * resolve with it in their result, the {@link PushgatewayReporter} hands it to `onError`
 * (as the `cause` of a `ReporterError`).
 */
export class PushError extends MetricsError {
  declare readonly code: PushErrorCode;
  /** What was sent: `'put'`, `'post'` or `'delete'`. */
  readonly method: PushMethod;
  /** The group's URL, without credentials. */
  readonly url: string;
  /** The HTTP status of the last answer, if one came. */
  readonly status: number | null;
  /** The first 1 KiB of the gateway's last answer, if one came (`''` otherwise). */
  readonly responseText: string;
  /** How many requests were made, retries included. */
  readonly attempts: number;

  /**
   * @param code - the condition.
   * @param message - what happened.
   * @param details - the request, the answer and the original error (`cause`).
   */
  constructor(
    code: PushErrorCode,
    message: string,
    details: {
      readonly method: PushMethod;
      readonly url: string;
      readonly status?: number | null;
      readonly responseText?: string;
      readonly attempts?: number;
      readonly cause?: unknown;
    },
  ) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'PushError';
    this.method = details.method;
    this.url = details.url;
    this.status = details.status ?? null;
    this.responseText = details.responseText ?? '';
    this.attempts = details.attempts ?? 1;
  }

  /** The same error, counting `attempts` requests. @internal */
  withAttempts(attempts: number): PushError {
    if (attempts === this.attempts) return this;
    return new PushError(this.code, this.message, {
      method: this.method,
      url: this.url,
      status: this.status,
      responseText: this.responseText,
      attempts,
      cause: this.cause,
    });
  }
}

/** What every {@link PushResult} tells, whether the call succeeded or not. */
export type PushSummary = {
  /** The HTTP status of the last answer, if one came. */
  readonly status: number | null;
  /** How many requests were made: 1, plus the retries. */
  readonly attempts: number;
  /** From the call to the end, retries and waits included, in milliseconds. */
  readonly durationMs: number;
  /** The size of the body sent, in bytes (compressed, with `compress`); 0 for a delete. */
  readonly bytes: number;
  /** How many series the body held; 0 for a delete. */
  readonly series: number;
  /**
   * Series left out of the body: their Prometheus names collide with those of a metric
   * written before them (`a.b_c` and `a_b.c` are both `a_b_c`), or the filter threw.
   */
  readonly dropped: number;
};

/**
 * What {@link pushMetrics} and {@link deleteMetrics} resolve with. They never reject:
 * test `ok` (the gateway accepted the call with a 2xx status); when it is `false`,
 * `error` says why.
 *
 * @example
 * ```ts
 * const result = await pushMetrics({ url: 'http://127.0.0.1:9091', job: 'backup' });
 * if (!result.ok) console.error(result.error.code, result.attempts);
 * ```
 */
export type PushResult =
  | (PushSummary & {
      /** The gateway accepted the call with a 2xx status. */
      readonly ok: true;
      /** No error. */
      readonly error: null;
    })
  | (PushSummary & {
      /** The call failed, after its retries. */
      readonly ok: false;
      /** Why: a coded error. */
      readonly error: PushError;
    });
