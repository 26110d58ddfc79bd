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
  /** An option has a wrong type or is out of range. */
  INVALID_OPTION: 'ERR_TAPEMEASURE_INVALID_OPTION',
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
  /** A transport's queue reached its bound; records are being dropped (reported once per transport). */
  QUEUE_FULL: 'ERR_TAPEMEASURE_QUEUE_FULL',
  /** A record is larger than the largest datagram or frame allowed; it was dropped. */
  RECORD_TOO_LARGE: 'ERR_TAPEMEASURE_RECORD_TOO_LARGE',
  /** Resolving a server's host name failed. */
  LOOKUP_FAILED: 'ERR_TAPEMEASURE_LOOKUP_FAILED',
  /** Connecting failed or an established connection broke. */
  CONNECTION_FAILED: 'ERR_TAPEMEASURE_CONNECTION_FAILED',
  /** Sending a datagram or writing to a connection failed. */
  SEND_FAILED: 'ERR_TAPEMEASURE_SEND_FAILED',
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
  /** @param message - explains the bad option. */
  constructor(message: string) {
    super(ErrorCodes.INVALID_OPTION, message);
    this.name = 'InvalidOptionError';
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
