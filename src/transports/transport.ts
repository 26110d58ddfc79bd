/**
 * The contract every transport implements: records (preformatted lines or byte frames)
 * in, bytes out, never throwing and never growing without bound. Formats build the
 * records; transports only move them.
 *
 * @module
 */

import { ErrorCodes, MetricsError } from '../errors.js';
import { func, integer, is, oneOf, type Check } from '../internal/options.js';
import { WarningLimiter } from '../internal/warnings.js';

/**
 * Counters a transport keeps about itself. A "line" here is one record given to
 * {@link Transport.send}: a preformatted line (which may hold several wire lines that
 * must travel together, such as a StatsD `0|g` / `-5|g` pair) or a byte frame (a
 * Graphite pickle frame, which holds many points).
 */
export type TransportStats = {
  /** Records handed on: to the operating system, a stream, or memory. */
  readonly sentLines: number;
  /** Bytes handed on, framing included. */
  readonly sentBytes: number;
  /** Writes (TCP, stream), datagrams (UDP) or records (memory) handed on. */
  readonly sentPackets: number;
  /** Records dropped: queue full, record too large, lookup or send failed, or still queued at close. */
  readonly droppedLines: number;
  /** Bytes of the dropped records, framing included. */
  readonly droppedBytes: number;
  /** Failures seen: DNS lookups, connects, writes and sends (each also goes to `onError`). */
  readonly errors: number;
  /** Bytes held: queued, or handed to the operating system and not yet acknowledged by it. */
  readonly queuedBytes: number;
  /** Successful connections after the first one (TCP); always 0 otherwise. */
  readonly reconnects: number;
};

/**
 * Moves records to a server, a stream or memory. Implementations in tapemeasure:
 * {@link UdpTransport} (packs lines into datagrams), {@link TcpTransport} (one
 * persistent connection), {@link StreamTransport} (any `Writable`) and
 * {@link MemoryTransport} (keeps what was sent, for tests). Implement it to send
 * reports elsewhere.
 *
 * Every method is safe to call at any time and never throws; failures are counted in
 * {@link Transport.stats} and passed to the transport's `onError`.
 *
 * Lifecycle: a transport is owned by a client or a reporter, which calls `close()`
 * when it is stopped (a transport passed in the `transport` option stays yours to
 * close). `close()` is the transport's primitive, as Dropwizard's `GraphiteSender` is
 * `Closeable` while its `ScheduledReporter` has `stop()`; the concrete transports also
 * close on `await using` (`Symbol.asyncDispose`).
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
  /** Starts sending whatever is queued now instead of waiting for the flush interval. */
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
  /** Optional: connect (or resolve the host) now rather than on the first record. */
  start?(): void;
}

/** Receives transport failures (never thrown). */
export type TransportErrorHandler = (error: TransportError) => void;

/**
 * Codes of {@link TransportError}. They are warnings about the network, never thrown.
 */
export const TransportErrorCodes = {
  /** The queue reached `maxQueueBytes`; records are being dropped (reported once until it drains). */
  QUEUE_FULL: ErrorCodes.QUEUE_FULL,
  /** A record is larger than the largest datagram or queue allowed; it was dropped. */
  RECORD_TOO_LARGE: ErrorCodes.RECORD_TOO_LARGE,
  /** Resolving the host name failed. */
  LOOKUP_FAILED: ErrorCodes.LOOKUP_FAILED,
  /** Connecting failed or an established connection broke. */
  CONNECTION_FAILED: ErrorCodes.CONNECTION_FAILED,
  /** Sending a datagram or writing to the connection or stream failed. */
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

/**
 * The default `onError` of a transport: a `TapemeasureWarning` through the one warnings
 * limiter, the first of each code at once, then at most one per code per minute.
 *
 * @internal
 */
export function defaultTransportErrorHandler(): TransportErrorHandler {
  const limiter = new WarningLimiter();
  return (error) => {
    limiter.warn(error);
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

  /** Counts records sent in one packet (a datagram, a write). */
  sent(lines: number, bytes: number): void {
    this.sentLines += lines;
    this.sentBytes += bytes;
    this.sentPackets++;
  }

  /** Counts dropped records. */
  dropped(lines: number, bytes: number): void {
    this.droppedLines += lines;
    this.droppedBytes += bytes;
  }

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

// ---------------------------------------------------------------------------
// Checks of the options every transport shares (read by the one options reader).

/** A host name or IP address: a non-empty string without whitespace. @internal */
export const hostCheck: Check<string> = is(
  'a host name or IP address',
  (v): v is string => typeof v === 'string' && v.length > 0 && !/\s/.test(v),
);

/** A TCP or UDP port. @internal */
export const portCheck: Check<number> = integer(1, 65535);

/** A flush interval in milliseconds. @internal */
export const flushIntervalCheck: Check<number> = integer(0, 60_000);

/** A bound of a queue in bytes. @internal */
export const queueBytesCheck: Check<number> = integer(1, 2 ** 31);

/** The largest write of a stream transport, in bytes. @internal */
export const writeBytesCheck: Check<number> = integer(1, 2 ** 30);

/** The largest UDP payload (IPv4), in bytes. */
const MAX_UDP_PAYLOAD = 65_507;

/** The largest datagram of a UDP transport, in bytes. @internal */
export const datagramBytesCheck: Check<number> = integer(2, MAX_UDP_PAYLOAD);

/** How long a close or a stop may last, in milliseconds (what `setTimeout` accepts). @internal */
export const closeTimeoutCheck: Check<number> = integer(0, 2 ** 31 - 1);

/** An `onError` of a transport. @internal */
export const errorHandlerCheck: Check<TransportErrorHandler> = func as Check<TransportErrorHandler>;

/**
 * What a full queue drops: `'newest'` refuses the record being sent (`send()` returns
 * `false`, so a caller can carry its value into a later record); `'oldest'` drops the
 * oldest queued records to make room, so what finally goes out is the most recent.
 */
export type DropPolicy = 'oldest' | 'newest';

/** The check of a {@link DropPolicy}. @internal */
export const dropPolicyCheck: Check<DropPolicy> = oneOf('oldest', 'newest');

/**
 * How records are delimited on a stream: `'lines'` adds a `\n` after each record
 * (StatsD, Graphite plaintext); `'raw'` writes records as they are (self-delimiting
 * frames such as Graphite pickle).
 */
export type Framing = 'lines' | 'raw';

/** The check of a {@link Framing}. @internal */
export const framingCheck: Check<Framing> = oneOf('lines', 'raw');

/**
 * A {@link Transport}, recognised by its shape (`send`, `flush` and `close` functions and
 * a `stats` property), so a transport from another copy of the package, or your own, is
 * accepted.
 *
 * @internal
 */
export const transportCheck: Check<Transport> = is(
  'a Transport (an object with send(), flush(), close() and stats)',
  (v): v is Transport => {
    if (v === null || typeof v !== 'object') return false;
    const t = v as Partial<Record<keyof Transport, unknown>>;
    return typeof t.send === 'function' && typeof t.flush === 'function' && typeof t.close === 'function' && 'stats' in t;
  },
);

/** The default `maxQueueBytes` of the UDP, TCP and stream transports: 4 MiB. @internal */
export const DEFAULT_MAX_QUEUE_BYTES = 4 << 20;

/** Milliseconds a close may last by default. @internal */
export const DEFAULT_CLOSE_TIMEOUT_MS = 2_000;

/**
 * Resolves after `ms` (never rejects). Deliberately not `unref()`ed: it bounds a final
 * flush, which must be able to finish before the process exits.
 *
 * @internal
 */
export function raceTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms));
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
  });
}
