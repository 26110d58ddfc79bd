/**
 * The contract every transport implements: records (preformatted lines or byte frames)
 * in, bytes out, never throwing and never growing without bound. Formats build the
 * records; transports only move them.
 *
 * @module
 */

import { ErrorCodes, InvalidOptionError, MetricsError, show } from '../errors.js';

/**
 * Counters a transport keeps about itself. A "line" here is one record given to
 * {@link Transport.send}: a preformatted line (which may hold several wire lines that
 * must travel together, such as a StatsD `0|g` / `-5|g` pair) or a byte frame.
 */
export type TransportStats = {
  /** Records handed to the operating system. */
  readonly sentLines: number;
  /** Bytes handed to the operating system, framing included. */
  readonly sentBytes: number;
  /** Writes (TCP) or datagrams (UDP) handed to the operating system. */
  readonly sentPackets: number;
  /** Records dropped: queue full, record too large, lookup failed, or still queued at close. */
  readonly droppedLines: number;
  /** Bytes of the dropped records. */
  readonly droppedBytes: number;
  /** Failures seen: DNS lookups, connects, writes and sends (each also goes to `onError`). */
  readonly errors: number;
  /** Bytes waiting to be sent (queued, or sent to the OS and not yet acknowledged by it). */
  readonly queuedBytes: number;
  /** Successful connections after the first one (TCP); always 0 for UDP. */
  readonly reconnects: number;
};

/**
 * Moves records to a server. Implementations in tapemeasure: {@link UdpTransport}
 * (packs lines into datagrams) and {@link TcpTransport} (one persistent connection).
 * Implement it to send reports elsewhere (a test double, a Unix socket).
 *
 * Every method is safe to call at any time and never throws; failures are counted in
 * {@link Transport.stats} and passed to the transport's `onError`.
 */
export interface Transport {
  /**
   * Queues one record. A string is encoded as UTF-8; the transport adds its own
   * framing (a newline in line framing). A record is never split across datagrams or
   * half-written.
   *
   * @returns `false` if the record was dropped (queue full, too large, or closed).
   */
  send(record: string | Uint8Array): boolean;
  /** Starts sending whatever is buffered now instead of waiting for the flush interval. */
  flush(): void;
  /**
   * Sends what it can within `timeoutMs`, then releases the socket. Records still
   * queued after that are dropped and counted. Never rejects; later `send()`s are dropped.
   *
   * @param timeoutMs - the most time to spend flushing, in milliseconds.
   */
  close(timeoutMs?: number): Promise<void>;
  /** A fresh copy of the transport's counters. */
  readonly stats: TransportStats;
}

/** Receives transport failures (never thrown). */
export type TransportErrorHandler = (error: TransportError) => void;

/**
 * Codes of {@link TransportError}. They are warnings about the network, never thrown.
 */
export const TransportErrorCodes = {
  /** The queue reached `maxQueueBytes`; records are being dropped (reported once per transport). */
  QUEUE_FULL: ErrorCodes.QUEUE_FULL,
  /** A record is larger than the largest datagram or frame allowed; it was dropped. */
  RECORD_TOO_LARGE: ErrorCodes.RECORD_TOO_LARGE,
  /** Resolving the host name failed. */
  LOOKUP_FAILED: ErrorCodes.LOOKUP_FAILED,
  /** Connecting failed or an established connection broke. */
  CONNECTION_FAILED: ErrorCodes.CONNECTION_FAILED,
  /** Sending a datagram or writing to the connection failed. */
  SEND_FAILED: ErrorCodes.SEND_FAILED,
} as const;

/** One of the values of {@link TransportErrorCodes}. */
export type TransportErrorCode = (typeof TransportErrorCodes)[keyof typeof TransportErrorCodes];

/**
 * A failure of a transport, passed to its `onError` (never thrown). The underlying
 * socket or DNS error, if any, is the `cause`.
 */
export class TransportError extends MetricsError {
  /** The stable code, one of {@link TransportErrorCodes}. */
  declare readonly code: TransportErrorCode;

  /**
   * @param code - the stable code.
   * @param message - what failed, and where.
   * @param options - standard error options (`cause`).
   */
  constructor(code: TransportErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.name = 'TransportError';
  }
}

/** How often the default error handler may warn about the same code. */
const WARNING_INTERVAL_MS = 60_000;

/**
 * The default `onError`: one `process.emitWarning` per error code per minute, so a dead
 * server does not flood the log.
 *
 * @internal
 */
export function defaultTransportErrorHandler(): TransportErrorHandler {
  const last = new Map<string, number>();
  return (error) => {
    const now = Date.now();
    const previous = last.get(error.code);
    if (previous !== undefined && now - previous < WARNING_INTERVAL_MS) return;
    last.set(error.code, now);
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    process.emitWarning(`${error.message}${cause}`, { code: error.code });
  };
}

/**
 * Calls a user's error handler without letting it throw into the transport.
 *
 * @internal
 */
export function report(handler: TransportErrorHandler, error: TransportError): void {
  try {
    handler(error);
  } catch {
    // A throwing handler must not break sending.
  }
}

/** A mutable {@link TransportStats}, kept by transports. @internal */
export class MutableTransportStats {
  sentLines = 0;
  sentBytes = 0;
  sentPackets = 0;
  droppedLines = 0;
  droppedBytes = 0;
  errors = 0;
  queuedBytes = 0;
  reconnects = 0;

  /** A frozen copy. */
  copy(): TransportStats {
    return Object.freeze({
      sentLines: this.sentLines,
      sentBytes: this.sentBytes,
      sentPackets: this.sentPackets,
      droppedLines: this.droppedLines,
      droppedBytes: this.droppedBytes,
      errors: this.errors,
      queuedBytes: this.queuedBytes,
      reconnects: this.reconnects,
    });
  }
}

/** The newline byte that terminates records in line framing. @internal */
export const NEWLINE = 0x0a;

/** Byte length of a record as it will be encoded. @internal */
export function recordBytes(record: string | Uint8Array): number {
  return typeof record === 'string' ? Buffer.byteLength(record, 'utf8') : record.byteLength;
}

/**
 * Reads an optional integer option, or throws a coded error naming it.
 *
 * @throws {@link InvalidOptionError} if `value` is not an integer in `[min, max]`.
 * @internal
 */
export function integerOption(what: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(`${what} must be an integer from ${min} to ${max}, received ${show(value)}`);
  }
  return value;
}

/**
 * Reads the `host` option: a non-empty string without whitespace.
 *
 * @throws {@link InvalidOptionError} otherwise.
 * @internal
 */
export function hostOption(what: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0 || /\s/.test(value)) {
    throw new InvalidOptionError(`${what} must be a host name or IP address, received ${show(value)}`);
  }
  return value;
}

/**
 * Reads an optional `onError` option.
 *
 * @throws {@link InvalidOptionError} if it is not a function.
 * @internal
 */
export function errorHandlerOption(what: string, value: unknown): TransportErrorHandler {
  if (value === undefined) return defaultTransportErrorHandler();
  if (typeof value !== 'function') {
    throw new InvalidOptionError(`${what} must be a function, received ${show(value)}`);
  }
  return value as TransportErrorHandler;
}
