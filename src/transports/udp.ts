/**
 * UDP transport: packs newline-terminated records into datagrams no larger than
 * `maxDatagramBytes`, never splitting a record.
 *
 * @module
 */

import dgram from 'node:dgram';
import { checkValue, integer, readOptions } from '../internal/options.js';
import { ByteQueue } from './byte-queue.js';
import type { Chunk } from './coalesce.js';
import { HostResolver } from './host-resolver.js';
import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_MAX_QUEUE_BYTES,
  datagramBytesCheck,
  defaultTransportErrorHandler,
  dropPolicyCheck,
  errorHandlerCheck,
  flushIntervalCheck,
  hostCheck,
  MutableTransportStats,
  portCheck,
  queueBytesCheck,
  raceTimeout,
  report,
  TransportError,
  TransportErrorCodes,
  type DropPolicy,
  type Transport,
  type TransportErrorHandler,
  type TransportStats,
} from './transport.js';

/** Options of a {@link UdpTransport}. */
export type UdpTransportOptions = {
  /**
   * The server's host name or IP address. A name is resolved once and again every
   * `dnsTtlMs`; an IP address is used as it is.
   *
   * @defaultValue '127.0.0.1'
   */
  readonly host?: string;
  /** The server's UDP port (required). */
  readonly port: number;
  /**
   * The largest datagram payload in bytes. The default fits an Ethernet MTU of 1500
   * with IPv6 and UDP headers; raise it (up to 65507) for loopback or jumbo frames.
   * A record longer than this (newline included) is dropped and counted.
   *
   * @defaultValue 1432
   */
  readonly maxDatagramBytes?: number;
  /**
   * How long a partly filled datagram may wait for more records before it is sent, in
   * milliseconds. Full datagrams go out at once.
   *
   * @defaultValue 10
   */
  readonly flushIntervalMs?: number;
  /**
   * The most bytes held while waiting for the operating system or for a DNS answer (at
   * least `maxDatagramBytes`). Beyond it records are dropped by `dropPolicy` and counted,
   * and one `QUEUE_FULL` is reported until the queue drains.
   *
   * @defaultValue 4194304 (4 MiB)
   */
  readonly maxQueueBytes?: number;
  /**
   * What a full queue drops: the record being sent (`'newest'`, `send()` returns
   * `false`) or the oldest queued ones (`'oldest'`).
   *
   * @defaultValue 'newest'
   */
  readonly dropPolicy?: DropPolicy;
  /**
   * How long a resolved address is used before the host name is looked up again, in
   * milliseconds (the old address is used while the new lookup runs).
   *
   * @defaultValue 60000
   */
  readonly dnsTtlMs?: number;
  /**
   * Receives failures, which are never thrown.
   *
   * @defaultValue a `TapemeasureWarning` per error code, at most one per minute
   */
  readonly onError?: TransportErrorHandler;
};

/** Default {@link UdpTransportOptions.maxDatagramBytes}. */
export const DEFAULT_MAX_DATAGRAM_BYTES = 1432;

const UDP_OPTIONS = Object.freeze({
  host: hostCheck,
  port: portCheck,
  maxDatagramBytes: datagramBytesCheck,
  flushIntervalMs: flushIntervalCheck,
  maxQueueBytes: queueBytesCheck,
  dropPolicy: dropPolicyCheck,
  dnsTtlMs: integer(0, 2 ** 31),
  onError: errorHandlerCheck,
});

/**
 * Sends records over UDP, packed into datagrams. Lines are joined with `\n` (each one
 * terminated by it), so a StatsD daemon or carbon reads several per datagram. The
 * socket is created on first use, `unref()`ed and always has an `'error'` listener;
 * a server that is down loses datagrams silently, as UDP does. Records wait in a
 * bounded byte queue while a datagram fills, while the host name is resolved and
 * while the operating system has not yet sent them.
 *
 * @example
 * ```ts
 * import { UdpTransport } from 'tapemeasure';
 *
 * const udp = new UdpTransport({ host: '127.0.0.1', port: 8125 });
 * udp.send('jobs.done:1|c');
 * await udp.close();
 * ```
 */
export class UdpTransport implements Transport {
  readonly #host: string;
  readonly #port: number;
  readonly #onError: TransportErrorHandler;
  readonly #stats = new MutableTransportStats();
  readonly #queue: ByteQueue;
  readonly #resolver: HostResolver;
  #socket: dgram.Socket | null = null;
  #socketFamily = 0;
  #closed = false;

  /**
   * @param options - where to send and how to pack.
   * @throws {@link InvalidOptionError} or {@link UnknownOptionError} for a bad option.
   */
  constructor(options: UdpTransportOptions) {
    const where = 'UdpTransport';
    const o = readOptions(where, options, UDP_OPTIONS);
    this.#host = o.host ?? '127.0.0.1';
    this.#port = checkValue(where, "option 'port'", o.port, portCheck);
    const maxDatagramBytes = o.maxDatagramBytes ?? DEFAULT_MAX_DATAGRAM_BYTES;
    const maxQueueBytes = checkValue(
      where,
      "option 'maxQueueBytes'",
      o.maxQueueBytes ?? Math.max(DEFAULT_MAX_QUEUE_BYTES, maxDatagramBytes),
      integer(maxDatagramBytes, 2 ** 31),
    );
    this.#onError = o.onError ?? defaultTransportErrorHandler();
    this.#queue = new ByteQueue({
      maxBytes: maxQueueBytes,
      maxChunkBytes: maxDatagramBytes,
      dropPolicy: o.dropPolicy ?? 'newest',
      framing: 'lines',
      oversize: 'drop',
      flushIntervalMs: o.flushIntervalMs ?? 10,
      onReady: this.#pump,
      onError: this.#onError,
      stats: this.#stats,
      name: `UDP ${this.#host}:${this.#port}`,
    });
    this.#resolver = new HostResolver(this.#host, o.dnsTtlMs ?? 60_000, this.#pump, (error) => {
      this.#stats.errors++;
      report(
        this.#onError,
        new TransportError(TransportErrorCodes.LOOKUP_FAILED, `cannot resolve the UDP host ${this.#host}`, { cause: error }),
      );
    });
  }

  /** @inheritDoc */
  get stats(): TransportStats {
    return this.#stats.copy();
  }

  /** Resolves the host name now (if it is one) instead of on the first datagram. */
  start(): void {
    if (!this.#closed) this.#resolver.refresh();
  }

  /** @inheritDoc */
  send(record: string | Uint8Array): boolean {
    return this.#queue.push(record);
  }

  /** @inheritDoc */
  flush(): void {
    this.#queue.flush();
  }

  /** Sends every ready datagram (once an address is known). */
  readonly #pump = (): void => {
    const resolver = this.#resolver;
    resolver.refresh();
    if (resolver.address === null) return; // records wait in the queue for the answer
    const queue = this.#queue;
    for (let chunk = queue.take(); chunk !== null; chunk = queue.take()) this.#sendDatagram(chunk);
  };

  #ensureSocket(): dgram.Socket {
    const family = this.#resolver.family;
    let socket = this.#socket;
    if (socket !== null && this.#socketFamily === family) return socket;
    socket?.close();
    socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    socket.on('error', (error) => {
      this.#stats.errors++;
      report(
        this.#onError,
        new TransportError(TransportErrorCodes.SEND_FAILED, `UDP socket error towards ${this.#host}:${this.#port}`, { cause: error }),
      );
    });
    socket.unref();
    this.#socket = socket;
    this.#socketFamily = family;
    return socket;
  }

  #sendDatagram(chunk: Chunk): void {
    const socket = this.#ensureSocket();
    socket.send(chunk.bytes, this.#port, this.#resolver.address!, (error) => {
      if (error === null || error === undefined) {
        this.#queue.settle(chunk, true);
        return;
      }
      this.#queue.settle(chunk, false);
      this.#stats.errors++;
      if (!this.#closed) report(
        this.#onError,
        new TransportError(
          TransportErrorCodes.SEND_FAILED,
          `sending a ${chunk.bytes.length}-byte datagram to ${this.#host}:${this.#port} failed`,
          { cause: error },
        ),
      );
    });
  }

  /** @inheritDoc */
  async close(timeoutMs = DEFAULT_CLOSE_TIMEOUT_MS): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const queue = this.#queue;
    queue.flush();
    queue.close();
    await raceTimeout(queue.whenEmpty(), timeoutMs);
    queue.dropQueued(); // still waiting for a DNS answer at the deadline
    const socket = this.#socket;
    this.#socket = null;
    if (socket !== null) {
      await new Promise<void>((resolve) => {
        try {
          socket.close(resolve);
        } catch {
          resolve();
        }
      });
    }
  }

  /** `await using udp = new UdpTransport(...)` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
