/**
 * Coded errors. Every error tapemeasure throws is a {@link MetricsError} with a
 * stable `code` from {@link ErrorCodes}; codes are never reused or renamed.
 * Errors are thrown only at creation and configuration time: recording never throws.
 *
 * @module
 */

/**
 * The table of every error code tapemeasure uses. `docs/errors.md` explains each one.
 */
export const ErrorCodes = {
  /** A metric name is not a dotted path of `[A-Za-z0-9_-]` segments. */
  INVALID_NAME: 'ERR_TAPEMEASURE_INVALID_NAME',
  /** A tag key or tag value is not acceptable. */
  INVALID_TAG: 'ERR_TAPEMEASURE_INVALID_TAG',
  /** An option has a wrong type or is out of range, or the options are not an object. */
  INVALID_OPTION: 'ERR_TAPEMEASURE_INVALID_OPTION',
  /** An options object has a key the function or constructor does not know (a typo, most often). */
  UNKNOWN_OPTION: 'ERR_TAPEMEASURE_UNKNOWN_OPTION',
  /** A call was given an argument of the wrong kind, a programming error (`timer.time(notAFunction)`); nothing was recorded. */
  INVALID_ARGUMENT: 'ERR_TAPEMEASURE_INVALID_ARGUMENT',
  /** A name already holds a metric of another type. */
  TYPE_CONFLICT: 'ERR_TAPEMEASURE_TYPE_CONFLICT',
  /** A metric was asked for again with options different from those it was created with. */
  OPTIONS_CONFLICT: 'ERR_TAPEMEASURE_OPTIONS_CONFLICT',
  /** A name would be both a leaf and a branch of the tree (`a.b` and `a.b.c`). */
  TREE_CONFLICT: 'ERR_TAPEMEASURE_TREE_CONFLICT',
  /** A reporter was started twice, or after it was stopped. */
  REPORTER_STATE: 'ERR_TAPEMEASURE_REPORTER_STATE',
  /** A report, a transport or a gauge read failed; handed to `onError`, never thrown into the application. */
  REPORT_FAILED: 'ERR_TAPEMEASURE_REPORT_FAILED',
  /** A transport's queue reached its bound; records are being dropped by its drop policy (reported once until it drains). */
  QUEUE_FULL: 'ERR_TAPEMEASURE_QUEUE_FULL',
  /** A record is larger than the largest datagram or frame allowed; it was dropped. */
  RECORD_TOO_LARGE: 'ERR_TAPEMEASURE_RECORD_TOO_LARGE',
  /** Resolving a server's host name failed. */
  LOOKUP_FAILED: 'ERR_TAPEMEASURE_LOOKUP_FAILED',
  /** Connecting failed or an established connection broke. */
  CONNECTION_FAILED: 'ERR_TAPEMEASURE_CONNECTION_FAILED',
  /** Sending a datagram or writing to a connection or stream failed. */
  SEND_FAILED: 'ERR_TAPEMEASURE_SEND_FAILED',

  // Warnings: emitted once (or rate-limited) with `process.emitWarning`, never thrown.

  /** Warning: a name reached `maxSeriesPerName`; further tag sets share its overflow series. */
  SERIES_LIMIT: 'ERR_TAPEMEASURE_SERIES_LIMIT',
  // Registry limits (reliab): the registry-wide series cap.
  /** Warning: the registry reached `maxSeries`; further series share the overflow series of their type. */
  REGISTRY_LIMIT: 'ERR_TAPEMEASURE_REGISTRY_LIMIT',
  /** Warning: the HTTP middleware saw more distinct routes than `maxRoutes`; further routes share one series. */
  ROUTE_LIMIT: 'ERR_TAPEMEASURE_ROUTE_LIMIT',
  /** Warning: a registry listener threw; the change it was told about still happened. */
  LISTENER_FAILED: 'ERR_TAPEMEASURE_LISTENER_FAILED',
  /** Warning: a tick listener threw (a bug: the registry's own listener does not throw). */
  TICK_FAILED: 'ERR_TAPEMEASURE_TICK_FAILED',
  /** Warning: the HTTP middleware could not record a request (the request itself is never failed). */
  HTTP_RECORD_FAILED: 'ERR_TAPEMEASURE_HTTP_RECORD_FAILED',
  /** Warning: a decorator could not create its metric; the method runs unmeasured. */
  DECORATOR_FAILED: 'ERR_TAPEMEASURE_DECORATOR_FAILED',
  /** Warning: a runtime-metrics sample failed; later samples still run. */
  RUNTIME_SAMPLE_FAILED: 'ERR_TAPEMEASURE_RUNTIME_SAMPLE_FAILED',
  /** Warning: the metrics endpoint or server could not answer a request. */
  ENDPOINT_FAILED: 'ERR_TAPEMEASURE_ENDPOINT_FAILED',
  // Endpoint (bounded work per request).
  /** Warning: the metrics endpoint refused a request to bound its work: too many or too long `?filter=` values (`400`), or too many renders in progress (`503`). */
  ENDPOINT_REFUSED: 'ERR_TAPEMEASURE_ENDPOINT_REFUSED',
  /** The Pushgateway answered a push or delete with an error status (4xx or 5xx); `err.status` has it. */
  PUSH_REJECTED: 'ERR_TAPEMEASURE_PUSH_REJECTED',
  /** A push or delete got no complete answer from the Pushgateway in time (`timeoutMs`, or what was left of `totalTimeoutMs`). */
  PUSH_TIMEOUT: 'ERR_TAPEMEASURE_PUSH_TIMEOUT',
  /** Runtime metrics are already being collected into this registry under this prefix; stop the first collector. */
  RUNTIME_METRICS_RUNNING: 'ERR_TAPEMEASURE_RUNTIME_METRICS_RUNNING',
  /** An HTTP receiver answered with a status other than 2xx (429, 502, 503 and 504 are retried; others drop the request). */
  HTTP_STATUS: 'ERR_TAPEMEASURE_HTTP_STATUS',
  /** An HTTP request got no complete response within its timeout; it is retried. */
  REQUEST_TIMEOUT: 'ERR_TAPEMEASURE_REQUEST_TIMEOUT',
  /** An OTLP receiver accepted an export but rejected some of its data points (a partial success). */
  PARTIAL_SUCCESS: 'ERR_TAPEMEASURE_PARTIAL_SUCCESS',

  // Cluster (tapemeasure/cluster): aggregate() and forward().

  /** A metric was to be created in a fleet's read-only registry view (`fleet.registry`); create it in a worker instead. */
  READ_ONLY_REGISTRY: 'ERR_TAPEMEASURE_READ_ONLY_REGISTRY',
  /** `forward()` found nowhere to send to: not a cluster worker, not a worker thread, and no `connect` option. */
  NO_AGGREGATOR: 'ERR_TAPEMEASURE_NO_AGGREGATOR',
  /** Warning: a fleet dropped a message or a series from a worker (malformed, too large, unknown version, or conflicting with another worker's); counted in `tapemeasure.fleet.dropped`. */
  FLEET_MESSAGE_DROPPED: 'ERR_TAPEMEASURE_FLEET_MESSAGE_DROPPED',
  /** Warning: a forwarder could not hand a push to its aggregator (channel closed, backlog full); what it held is sent with a later push or counted as lost. */
  FORWARD_FAILED: 'ERR_TAPEMEASURE_FORWARD_FAILED',
} as const;

/** One of the values of {@link ErrorCodes}. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/**
 * The base class of every error tapemeasure throws. Test on `err.code`, not on the message.
 */
export class MetricsError extends Error {
  /** The stable code of this error, one of {@link ErrorCodes}. */
  readonly code: ErrorCode;

  /**
   * @param code - the stable code.
   * @param message - what was wrong, what was expected and what was received.
   * @param options - standard error options (`cause`).
   */
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MetricsError';
    this.code = code;
  }
}

/** A metric name is invalid. Code `ERR_TAPEMEASURE_INVALID_NAME`. */
export class InvalidNameError extends MetricsError {
  /** @param message - explains the bad name. */
  constructor(message: string) {
    super(ErrorCodes.INVALID_NAME, message);
    this.name = 'InvalidNameError';
  }
}

/** A tag key or value is invalid. Code `ERR_TAPEMEASURE_INVALID_TAG`. */
export class InvalidTagError extends MetricsError {
  /** @param message - explains the bad tag. */
  constructor(message: string) {
    super(ErrorCodes.INVALID_TAG, message);
    this.name = 'InvalidTagError';
  }
}

/** An option is invalid. Code `ERR_TAPEMEASURE_INVALID_OPTION`. */
export class InvalidOptionError extends MetricsError {
  /** Which option was bad: its key (`port`), with indices into arrays (`tags[1]`), or the argument's name; when one was. */
  readonly option: string | undefined;

  /**
   * @param message - explains the bad option: what was expected and what was received.
   * @param option - which option: its key or path.
   */
  constructor(message: string, option?: string) {
    super(ErrorCodes.INVALID_OPTION, message);
    this.name = 'InvalidOptionError';
    this.option = option;
  }
}

/**
 * An options object has a key that is not an option of the function or constructor it
 * was passed to. Code `ERR_TAPEMEASURE_UNKNOWN_OPTION`.
 */
export class UnknownOptionError extends MetricsError {
  /** The unknown key. */
  readonly option: string;
  /** The nearest valid key, if one is close enough to be a likely typo. */
  readonly suggestion: string | undefined;

  /**
   * @param option - the unknown key.
   * @param suggestion - the nearest valid key, if any.
   * @param message - names the key, where it was passed and the suggestion.
   */
  constructor(option: string, suggestion: string | undefined, message: string) {
    super(ErrorCodes.UNKNOWN_OPTION, message);
    this.name = 'UnknownOptionError';
    this.option = option;
    this.suggestion = suggestion;
  }
}

/**
 * A call was given an argument of the wrong kind: a programming error, such as
 * `timer.time(promise)` instead of `timer.time(() => promise)`. Nothing was recorded.
 * Code `ERR_TAPEMEASURE_INVALID_ARGUMENT`.
 */
export class InvalidArgumentError extends MetricsError {
  /** @param message - what was expected and what was received. */
  constructor(message: string) {
    super(ErrorCodes.INVALID_ARGUMENT, message);
    this.name = 'InvalidArgumentError';
  }
}

/**
 * A registration conflicts with what the registry already holds: another type under
 * the name, other options for the same metric, or a leaf/branch collision in the tree.
 * Code `ERR_TAPEMEASURE_TYPE_CONFLICT`, `ERR_TAPEMEASURE_OPTIONS_CONFLICT` or
 * `ERR_TAPEMEASURE_TREE_CONFLICT`.
 */
export class MetricConflictError extends MetricsError {
  /**
   * @param code - which conflict.
   * @param message - explains it.
   */
  constructor(
    code: typeof ErrorCodes.TYPE_CONFLICT | typeof ErrorCodes.OPTIONS_CONFLICT | typeof ErrorCodes.TREE_CONFLICT,
    message: string,
  ) {
    super(code, message);
    this.name = 'MetricConflictError';
  }
}

/** Renders a user-supplied value for an error message, quoted and truncated. */
export function show(value: unknown): string {
  let s: string;
  if (typeof value === 'string') s = JSON.stringify(value);
  else if (typeof value === 'function') s = `[function ${value.name || 'anonymous'}]`;
  else if (typeof value === 'bigint') s = `${value}n`;
  else if (typeof value === 'number' || typeof value === 'boolean' || value === undefined) s = String(value);
  else if (typeof value === 'symbol') s = value.toString();
  else {
    try {
      s = JSON.stringify(value) ?? Object.prototype.toString.call(value);
    } catch {
      s = Object.prototype.toString.call(value);
    }
  }
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}
