/**
 * Creates the UDP or TCP transport for a host, port and protocol: what the StatsD and
 * Graphite reporters share.
 *
 * @module
 */

import { InvalidOptionError, show } from '../errors.js';
import { TcpTransport } from './tcp.js';
import type { Transport, TransportErrorHandler } from './transport.js';
import { UdpTransport } from './udp.js';

/** Options of {@link createLineTransport}. */
export type LineTransportOptions = {
  /** `'udp'` or `'tcp'`. */
  readonly protocol: 'udp' | 'tcp';
  /** The server's host name or IP address. */
  readonly host: string;
  /** The server's port. */
  readonly port: number;
  /** UDP only: see {@link UdpTransportOptions.maxDatagramBytes}. */
  readonly maxDatagramBytes?: number;
  /** See {@link UdpTransportOptions.maxQueueBytes} and {@link TcpTransportOptions.maxQueueBytes}. */
  readonly maxQueueBytes?: number;
  /** How long records may wait to be batched, in milliseconds. */
  readonly flushIntervalMs?: number;
  /** Receives transport failures. */
  readonly onError?: TransportErrorHandler;
};

/**
 * Creates a {@link UdpTransport} or a line-framed {@link TcpTransport}.
 *
 * @throws {@link InvalidOptionError} for a bad option.
 */
export function createLineTransport(options: LineTransportOptions): Transport {
  const common = {
    host: options.host,
    port: options.port,
    ...(options.maxQueueBytes === undefined ? {} : { maxQueueBytes: options.maxQueueBytes }),
    ...(options.flushIntervalMs === undefined ? {} : { flushIntervalMs: options.flushIntervalMs }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  };
  if (options.protocol === 'udp') {
    return new UdpTransport({
      ...common,
      ...(options.maxDatagramBytes === undefined ? {} : { maxDatagramBytes: options.maxDatagramBytes }),
    });
  }
  if (options.protocol === 'tcp') return new TcpTransport({ ...common, framing: 'lines' });
  throw new InvalidOptionError(`protocol must be 'udp' or 'tcp', received ${show(options.protocol)}`);
}
