/**
 * UDP transport: packs newline-terminated records into datagrams no larger than
 * `maxDatagramBytes`, never splitting a record.
 *
 * @module
 */

import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import { InvalidOptionError, show } from '../errors.js';
import {
  errorHandlerOption,
  hostOption,
  integerOption,
  MutableTransportStats,
  NEWLINE,
  recordBytes,
  report,
  TransportError,
  TransportErrorCodes,
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
  /** The server's UDP port. */
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
   * The most bytes that may wait for the operating system or for a DNS answer. Beyond
   * it, datagrams are dropped and counted, and one warning is reported.
   *
   * @defaultValue 4194304 (4 MiB)
   */
  readonly maxQueueBytes?: number;
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
   * @defaultValue one `process.emitWarning` per error code per minute
   */
  readonly onError?: TransportErrorHandler;
};

/** Default {@link UdpTransportOptions.maxDatagramBytes}. */
export const DEFAULT_MAX_DATAGRAM_BYTES = 1432;

/** After a failed lookup, datagrams are dropped for this long before trying again. */
const LOOKUP_RETRY_MS = 1_000;

type Waiting = { readonly datagram: Buffer; readonly lines: number };

/**
 * Sends records over UDP, packed into datagrams. Lines are joined with `\n` (each one
 * terminated by it), so a StatsD daemon or carbon reads several per datagram. The
 * socket is created on first use, `unref()`ed and always has an `'error'` listener;
 * a server that is down loses datagrams silently, as UDP does.
 *
 * @example
 * ```ts
 * const udp = new UdpTransport({ host: '127.0.0.1', port: 8125 });
 * udp.send('jobs.done:1|c');
 * await udp.close();
 * ```
 */
export class UdpTransport implements Transport {
  readonly #host: string;
  readonly #port: number;
  readonly #maxDatagramBytes: number;
  readonly #flushIntervalMs: number;
  readonly #maxQueueBytes: number;
  readonly #dnsTtlMs: number;
  readonly #onError: TransportErrorHandler;
  readonly #stats = new MutableTransportStats();
  #socket: dgram.Socket | null = null;
  #socketFamily = 0;
  #buffer: Buffer | null = null;
  #length = 0;
  #lines = 0;
  #timer: NodeJS.Timeout | null = null;
  #address: string | null = null;
  #family = 0;
  #resolvedAtMs = 0;
  #lookupPending = false;
  #lookupFailedAtMs = -Infinity;
  #waiting: Waiting[] = [];
  #queueFullReported = false;
  #closed = false;
  #drained: (() => void) | null = null;

  /**
   * @param options - where to send and how to pack.
   * @throws {@link InvalidOptionError} for a bad option.
   */
  constructor(options: UdpTransportOptions) {
    if (options === null || typeof options !== 'object') {
      throw new InvalidOptionError(`UdpTransport options must be an object, received ${show(options)}`);
    }
    this.#host = hostOption('UdpTransport host', options.host, '127.0.0.1');
    this.#port = integerOption('UdpTransport port', options.port, Number.NaN, 1, 65535);
    if (Number.isNaN(this.#port)) throw new InvalidOptionError('UdpTransport needs a port');
    this.#maxDatagramBytes = integerOption(
      'UdpTransport maxDatagramBytes',
      options.maxDatagramBytes,
      DEFAULT_MAX_DATAGRAM_BYTES,
      2,
      65507,
    );
    this.#flushIntervalMs = integerOption('UdpTransport flushIntervalMs', options.flushIntervalMs, 10, 0, 60_000);
    this.#maxQueueBytes = integerOption(
      'UdpTransport maxQueueBytes',
      options.maxQueueBytes,
      4 << 20,
      this.#maxDatagramBytes,
      2 ** 31,
    );
    this.#dnsTtlMs = integerOption('UdpTransport dnsTtlMs', options.dnsTtlMs, 60_000, 0, 2 ** 31);
    this.#onError = errorHandlerOption('UdpTransport onError', options.onError);
    const ipFamily = net.isIP(this.#host);
    if (ipFamily !== 0) {
      this.#address = this.#host;
      this.#family = ipFamily;
      this.#resolvedAtMs = Infinity;
    }
  }

  /** @inheritDoc */
  get stats(): TransportStats {
    return this.#stats.copy();
  }

  /** @inheritDoc */
  send(record: string | Uint8Array): boolean {
    const bytes = recordBytes(record);
    if (this.#closed) {
      this.#drop(1, bytes + 1);
      return false;
    }
    const need = bytes + 1;
    if (need > this.#maxDatagramBytes) {
      this.#drop(1, need);
      report(
        this.#onError,
        new TransportError(
          TransportErrorCodes.RECORD_TOO_LARGE,
          `a ${need}-byte record does not fit in a ${this.#maxDatagramBytes}-byte datagram; dropped`,
        ),
      );
      return false;
    }
    if (this.#length + need > this.#maxDatagramBytes) this.#emit();
    let buffer = this.#buffer;
    if (buffer === null) {
      buffer = Buffer.allocUnsafe(this.#maxDatagramBytes);
      this.#buffer = buffer;
    }
    if (typeof record === 'string') buffer.write(record, this.#length, 'utf8');
    else buffer.set(record, this.#length);
    this.#length += bytes;
    buffer[this.#length++] = NEWLINE;
    this.#lines++;
    if (this.#timer === null) {
      this.#timer = setTimeout(this.#onTimer, this.#flushIntervalMs);
      this.#timer.unref();
    }
    return true;
  }

  /** @inheritDoc */
  flush(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#length > 0) this.#emit();
  }

  readonly #onTimer = (): void => {
    this.#timer = null;
    if (this.#length > 0) this.#emit();
  };

  /** Hands the current datagram on: to the socket, or to the lookup queue. */
  #emit(): void {
    const buffer = this.#buffer;
    if (buffer === null || this.#length === 0) return;
    const datagram = buffer.subarray(0, this.#length);
    const lines = this.#lines;
    this.#buffer = null;
    this.#length = 0;
    this.#lines = 0;
    const stats = this.#stats;
    if (stats.queuedBytes + datagram.length > this.#maxQueueBytes) {
      this.#drop(lines, datagram.length);
      if (!this.#queueFullReported) {
        this.#queueFullReported = true;
        report(
          this.#onError,
          new TransportError(
            TransportErrorCodes.QUEUE_FULL,
            `UDP send queue to ${this.#host}:${this.#port} is over ${this.#maxQueueBytes} bytes; ` +
              'dropping datagrams (counted in stats.droppedLines; reported once)',
          ),
        );
      }
      return;
    }
    stats.queuedBytes += datagram.length;
    const nowMs = Date.now();
    if (this.#address !== null && nowMs - this.#resolvedAtMs >= this.#dnsTtlMs) this.#lookup(nowMs);
    if (this.#address !== null) {
      this.#sendDatagram(datagram, lines);
    } else {
      this.#waiting.push({ datagram, lines });
      this.#lookup(nowMs);
    }
  }

  #lookup(nowMs: number): void {
    if (this.#lookupPending) return;
    if (nowMs - this.#lookupFailedAtMs < LOOKUP_RETRY_MS) {
      if (this.#address === null) this.#dropWaiting();
      return;
    }
    this.#lookupPending = true;
    dns.lookup(this.#host, (error, address, family) => {
      this.#lookupPending = false;
      if (error !== null) {
        this.#lookupFailedAtMs = Date.now();
        this.#stats.errors++;
        report(
          this.#onError,
          new TransportError(TransportErrorCodes.LOOKUP_FAILED, `cannot resolve StatsD/UDP host ${this.#host}`, {
            cause: error,
          }),
        );
        if (this.#address === null) this.#dropWaiting();
        else this.#resolvedAtMs = Date.now(); // keep the old address for another TTL
        return;
      }
      this.#address = address;
      this.#family = family;
      this.#resolvedAtMs = Date.now();
      const waiting = this.#waiting;
      this.#waiting = [];
      for (const w of waiting) this.#sendDatagram(w.datagram, w.lines);
      this.#checkDrained();
    });
  }

  #dropWaiting(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const w of waiting) {
      this.#stats.queuedBytes -= w.datagram.length;
      this.#drop(w.lines, w.datagram.length);
    }
    this.#checkDrained();
  }

  #ensureSocket(): dgram.Socket {
    let socket = this.#socket;
    if (socket !== null && this.#socketFamily === this.#family) return socket;
    if (socket !== null) socket.close();
    socket = dgram.createSocket(this.#family === 6 ? 'udp6' : 'udp4');
    socket.on('error', (error) => {
      this.#stats.errors++;
      report(
        this.#onError,
        new TransportError(TransportErrorCodes.SEND_FAILED, `UDP socket error towards ${this.#host}:${this.#port}`, {
          cause: error,
        }),
      );
    });
    socket.unref();
    this.#socket = socket;
    this.#socketFamily = this.#family;
    return socket;
  }

  #sendDatagram(datagram: Buffer, lines: number): void {
    const socket = this.#ensureSocket();
    const stats = this.#stats;
    const length = datagram.length;
    socket.send(datagram, this.#port, this.#address!, (error) => {
      stats.queuedBytes -= length;
      if (error === null || error === undefined) {
        stats.sentLines += lines;
        stats.sentBytes += length;
        stats.sentPackets++;
      } else {
        stats.errors++;
        this.#drop(lines, length);
        report(
          this.#onError,
          new TransportError(
            TransportErrorCodes.SEND_FAILED,
            `sending a ${length}-byte datagram to ${this.#host}:${this.#port} failed`,
            { cause: error },
          ),
        );
      }
      this.#checkDrained();
    });
  }

  #drop(lines: number, bytes: number): void {
    this.#stats.droppedLines += lines;
    this.#stats.droppedBytes += bytes;
  }

  #checkDrained(): void {
    if (this.#drained !== null && this.#stats.queuedBytes === 0) this.#drained();
  }

  /** @inheritDoc */
  async close(timeoutMs = 1_000): Promise<void> {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    if (this.#stats.queuedBytes > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#drained = resolve;
        // Deliberately ref'd: a final flush must be able to finish before the process
        // exits, and it is bounded by timeoutMs.
        timer = setTimeout(resolve, Math.max(0, timeoutMs));
      });
      clearTimeout(timer);
      this.#drained = null;
    }
    this.#dropWaiting();
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
}
