/**
 * The errors of the pull endpoint: what `onError` of `metricsHandler`, `serveMetrics`
 * and `renderMetrics` receives, and the default that turns them into rate-limited
 * warnings.
 *
 * @module
 */

import { ErrorCodes, MetricsError, show } from '../errors.js';
import { WarningLimiter } from '../internal/warnings.js';

/**
 * What failed at the endpoint:
 * - `response`: a request could not be answered (it got `500`, or the client left);
 * - `filter`: the `filter` predicate threw for a metric (the metric was left out);
 * - `collision`: two metric names map to the same Prometheus name (the later one was left out);
 * - `server`: the server of `serveMetrics` failed after it started listening (such as `EMFILE`);
 * - `limit`: a request was refused with `400`: more `?filter=` values, or longer ones, than
 *   `maxRequestFilters` and `maxRequestFilterLength` allow (code `ERR_TAPEMEASURE_ENDPOINT_REFUSED`);
 * - `busy`: a request was refused with `503` and `Retry-After`: `maxRendersInProgress`
 *   different renders were running (code `ERR_TAPEMEASURE_ENDPOINT_REFUSED`).
 */
export type EndpointErrorKind = 'response' | 'filter' | 'collision' | 'server' | 'limit' | 'busy';

/** The kinds of {@link EndpointErrorKind} that are refusals, with their own code. */
const REFUSALS: ReadonlySet<EndpointErrorKind> = new Set(['limit', 'busy']);

/**
 * An error of the pull endpoint, handed to `onError` (never thrown into the application).
 * Code `ERR_TAPEMEASURE_ENDPOINT_FAILED`, or `ERR_TAPEMEASURE_ENDPOINT_REFUSED` for a
 * request refused to bound the endpoint's work (kinds `limit` and `busy`); the original
 * error, if any, is the `cause`.
 */
export class EndpointError extends MetricsError {
  /** What failed. */
  readonly kind: EndpointErrorKind;

  /**
   * @param kind - what failed.
   * @param message - what happened.
   * @param cause - the original error, if any.
   */
  constructor(kind: EndpointErrorKind, message: string, cause?: unknown) {
    super(REFUSALS.has(kind) ? ErrorCodes.ENDPOINT_REFUSED : ErrorCodes.ENDPOINT_FAILED, message, cause === undefined ? undefined : { cause });
    this.name = 'EndpointError';
    this.kind = kind;
  }
}

/**
 * Reports one endpoint failure: wraps it in an {@link EndpointError} and hands it on.
 *
 * @internal
 */
export type EndpointErrorReporter = (kind: EndpointErrorKind, error: unknown, what: string) => void;

/**
 * The reporter of endpoint failures: to `onError` when given (what it throws is ignored),
 * else as warnings through `limiter`, at most one per kind per minute.
 *
 * @param onError - the user's `onError`, if any.
 * @param limiter - the warnings limiter of the default.
 * @internal
 */
export function endpointErrors(
  onError: ((error: EndpointError) => void) | undefined,
  limiter: WarningLimiter = new WarningLimiter(),
): EndpointErrorReporter {
  return (kind, error, what) => {
    const detail = error === undefined ? '' : `: ${error instanceof Error ? error.message : show(error)}`;
    const wrapped = new EndpointError(kind, `metrics endpoint: ${what}${detail}`, error);
    if (onError === undefined) {
      limiter.warn(wrapped, kind);
      return;
    }
    try {
      onError(wrapped);
    } catch {
      // onError must not throw; the application must not see it either way.
    }
  };
}
