/**
 * The options of a TCP transport, and their schema.
 *
 * @module
 */

import { integer } from '../internal/options.js';
import {
  dropPolicyCheck,
  errorHandlerCheck,
  flushIntervalCheck,
  framingCheck,
  hostCheck,
  portCheck,
  queueBytesCheck,
  type DropPolicy,
  type Framing,
  type TransportErrorHandler,
  writeBytesCheck,
} from './transport.js';

/** Options of a {@link TcpTransport}. */
export type TcpTransportOptions = {
  /**
   * The server's host name or IP address, resolved again on every (re)connect.
   *
   * @defaultValue '127.0.0.1'
   */
  readonly host?: string;
  /** The server's TCP port (required). */
  readonly port: number;
  /**
   * How records are delimited.
   *
   * @defaultValue 'lines'
   */
  readonly framing?: Framing;
  /**
   * The most bytes kept while the server is unreachable or slow (the write in flight
   * included). Beyond it records are dropped by `dropPolicy` and counted, and one
   * `QUEUE_FULL` is reported until the queue drains.
   *
   * @defaultValue 4194304 (4 MiB)
   */
  readonly maxQueueBytes?: number;
  /**
   * What a full queue drops: the record being sent (`'newest'`, `send()` returns
   * `false`) or the oldest queued ones (`'oldest'`, so the freshest data survives an
   * outage, as Graphite wants).
   *
   * @defaultValue 'newest'
   */
  readonly dropPolicy?: DropPolicy;
  /**
   * The largest single write in bytes: queued records are coalesced up to this size.
   * A larger record is written alone.
   *
   * @defaultValue 65536
   */
  readonly maxWriteBytes?: number;
  /**
   * How long records may wait to be coalesced into one write, in milliseconds.
   *
   * @defaultValue 10
   */
  readonly flushIntervalMs?: number;
  /**
   * How long one connection attempt may take, in milliseconds.
   *
   * @defaultValue 5000
   */
  readonly connectTimeoutMs?: number;
  /**
   * The first reconnect delay, in milliseconds; it doubles after each failure up to
   * `maxBackoffMs`, and each delay is jittered down by up to half.
   *
   * @defaultValue 100
   */
  readonly minBackoffMs?: number;
  /**
   * The longest reconnect delay, in milliseconds (at least `minBackoffMs`).
   *
   * @defaultValue 30000
   */
  readonly maxBackoffMs?: number;
  /**
   * Receives failures, which are never thrown.
   *
   * @defaultValue a `TapemeasureWarning` per error code, at most one per minute
   */
  readonly onError?: TransportErrorHandler;
};

/**
 * The schema of {@link TcpTransportOptions}.
 *
 * @internal
 */
export const TCP_OPTIONS = Object.freeze({
  host: hostCheck,
  port: portCheck,
  framing: framingCheck,
  maxQueueBytes: queueBytesCheck,
  dropPolicy: dropPolicyCheck,
  maxWriteBytes: writeBytesCheck,
  flushIntervalMs: flushIntervalCheck,
  connectTimeoutMs: integer(1, 600_000),
  minBackoffMs: integer(1, 600_000),
  maxBackoffMs: integer(1, 3_600_000),
  onError: errorHandlerCheck,
});
