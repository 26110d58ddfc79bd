/**
 * TCP transport: one persistent connection, a bounded queue, reconnects with jittered
 * exponential backoff (re-resolving the host each time), whole records only.
 *
 * @module
 */

import net from 'node:net';
import { InvalidOptionError, show } from '../errors.js';
import {
  errorHandlerOption,
  hostOption,
  integerOption,
  MutableTransportStats,
  recordBytes,
  report,
  TransportError,
  TransportErrorCodes,
  type Transport,
  type TransportErrorHandler,
  type TransportStats,
} from './transport.js';

/**
 * How records are delimited on the stream: `'lines'` adds a `\n` after each record
 * (StatsD, Graphite plaintext); `'raw'` writes records as they are (self-delimiting
 * frames such as Graphite pickle).
 */
export type TcpFraming = 'lines' | 'raw';

/** Options of a {@link TcpTransport}. */
export type TcpTransportOptions = {
  /**
   * The server's host name or IP address, resolved again on every (re)connect.
   *
   * @defaultValue '127.0.0.1'
   */
  readonly host?: string;
  /** The server's TCP port. */
  readonly port: number;
  /**
   * How records are delimited.
   *
   * @defaultValue 'lines'
   */
  readonly framing?: TcpFraming;
  /**
   * The most bytes kept while the server is unreachable or slow (records being written
   * included). Beyond it, new records are dropped and counted, and a warning is
   * reported once per outage.
   *
   * @defaultValue 4194304 (4 MiB)
   */
  readonly maxQueueBytes?: number;
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
   * The longest reconnect delay, in milliseconds.
   *
   * @defaultValue 30000
   */
  readonly maxBackoffMs?: number;
  /**
   * Receives failures, which are never thrown.
   *
   * @defaultValue one `process.emitWarning` per error code per minute
   */
  readonly onError?: TransportErrorHandler;
};

/** A framed chunk handed to the socket (or waiting to be handed again). */
type Chunk = { readonly bytes: Buffer; readonly lines: number; readonly token: number };

const NEWLINE_BUFFER = Buffer.from('\n');
const EMPTY = Buffer.alloc(0);

/**
 * Sends records over one persistent TCP connection. It connects when the first record
 * is queued, coalesces records into writes of up to `maxWriteBytes`, and has at most
 * one write in flight. When the connection breaks, the write in flight goes back to
 * the head of the queue and is sent again, whole, after the reconnect: a server that
 * reads up to the last newline (StatsD, carbon) never sees half a line, and a line
 * the server had already read when the connection broke may arrive twice.
 * Data the operating system accepted just before the peer died is lost without an
 * error (TCP cannot tell); everything else is sent or counted as dropped.
 *
 * @example
 * ```ts
 * const tcp = new TcpTransport({ host: 'statsd.internal', port: 8125 });
 * tcp.send('jobs.done:1|c');
 * await tcp.close(); // flushes within 2 s
 * ```
 */
export class TcpTransport implements Transport {
  readonly #host: string;
  readonly #port: number;
  readonly #lines: boolean;
  readonly #maxQueueBytes: number;
  readonly #maxWriteBytes: number;
  readonly #flushIntervalMs: number;
  readonly #connectTimeoutMs: number;
  readonly #minBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #onError: TransportErrorHandler;
  readonly #stats = new MutableTransportStats();
  #records: (string | Uint8Array)[] = [];
  #sizes: number[] = [];
  #head = 0;
  #retry: Chunk | null = null;
  #inflight: Chunk | null = null;
  #token = 0;
  #socket: net.Socket | null = null;
  #connected = false;
  #everConnected = false;
  #attempt = 0;
  #reconnectTimer: NodeJS.Timeout | null = null;
  #flushTimer: NodeJS.Timeout | null = null;
  #queueFullReported = false;
  #closed = false;
  #idle: (() => void) | null = null;

  /**
   * @param options - where to connect, queue bounds and backoff.
   * @throws {@link InvalidOptionError} for a bad option.
   */
  constructor(options: TcpTransportOptions) {
    if (options === null || typeof options !== 'object') {
      throw new InvalidOptionError(`TcpTransport options must be an object, received ${show(options)}`);
    }
    this.#host = hostOption('TcpTransport host', options.host, '127.0.0.1');
    this.#port = integerOption('TcpTransport port', options.port, Number.NaN, 1, 65535);
    if (Number.isNaN(this.#port)) throw new InvalidOptionError('TcpTransport needs a port');
    const framing = options.framing ?? 'lines';
    if (framing !== 'lines' && framing !== 'raw') {
      throw new InvalidOptionError(`TcpTransport framing must be 'lines' or 'raw', received ${show(framing)}`);
    }
    this.#lines = framing === 'lines';
    this.#maxQueueBytes = integerOption('TcpTransport maxQueueBytes', options.maxQueueBytes, 4 << 20, 1, 2 ** 31);
    this.#maxWriteBytes = integerOption('TcpTransport maxWriteBytes', options.maxWriteBytes, 1 << 16, 1, 2 ** 30);
    this.#flushIntervalMs = integerOption('TcpTransport flushIntervalMs', options.flushIntervalMs, 10, 0, 60_000);
    this.#connectTimeoutMs = integerOption(
      'TcpTransport connectTimeoutMs',
      options.connectTimeoutMs,
      5_000,
      1,
      600_000,
    );
    this.#minBackoffMs = integerOption('TcpTransport minBackoffMs', options.minBackoffMs, 100, 1, 600_000);
    this.#maxBackoffMs = integerOption(
      'TcpTransport maxBackoffMs',
      options.maxBackoffMs,
      Math.max(30_000, this.#minBackoffMs),
      this.#minBackoffMs,
      3_600_000,
    );
    this.#onError = errorHandlerOption('TcpTransport onError', options.onError);
  }

  /** @inheritDoc */
  get stats(): TransportStats {
    return this.#stats.copy();
  }

  /** Whether the connection is established now. */
  get connected(): boolean {
    return this.#connected;
  }

  /** @inheritDoc */
  send(record: string | Uint8Array): boolean {
    const bytes = recordBytes(record) + (this.#lines ? 1 : 0);
    const stats = this.#stats;
    if (this.#closed) {
      this.#drop(1, bytes);
      return false;
    }
    if (bytes > this.#maxQueueBytes) {
      this.#drop(1, bytes);
      report(
        this.#onError,
        new TransportError(
          TransportErrorCodes.RECORD_TOO_LARGE,
          `a ${bytes}-byte record is larger than maxQueueBytes (${this.#maxQueueBytes}); dropped`,
        ),
      );
      return false;
    }
    if (stats.queuedBytes + bytes > this.#maxQueueBytes) {
      this.#drop(1, bytes);
      if (!this.#queueFullReported) {
        this.#queueFullReported = true;
        report(
          this.#onError,
          new TransportError(
            TransportErrorCodes.QUEUE_FULL,
            `TCP queue to ${this.#host}:${this.#port} is full (${this.#maxQueueBytes} bytes); dropping records ` +
              '(counted in stats.droppedLines; reported once per outage)',
          ),
        );
      }
      return false;
    }
    this.#records.push(record);
    this.#sizes.push(bytes);
    stats.queuedBytes += bytes;
    if (this.#connected) {
      if (stats.queuedBytes >= this.#maxWriteBytes) this.#pump();
      else if (this.#flushTimer === null) {
        this.#flushTimer = setTimeout(this.#onFlushTimer, this.#flushIntervalMs);
        this.#flushTimer.unref();
      }
    } else if (this.#socket === null && this.#reconnectTimer === null) {
      this.#connect();
    }
    return true;
  }

  /** @inheritDoc */
  flush(): void {
    if (this.#flushTimer !== null) {
      clearTimeout(this.#flushTimer);
      this.#flushTimer = null;
    }
    this.#pump();
  }

  readonly #onFlushTimer = (): void => {
    this.#flushTimer = null;
    this.#pump();
  };

  #pending(): boolean {
    return this.#head < this.#records.length || this.#retry !== null || this.#inflight !== null;
  }

  /** Builds the next chunk from the retry slot or the queue head. */
  #nextChunk(): Chunk | null {
    const retry = this.#retry;
    if (retry !== null) {
      this.#retry = null;
      return retry;
    }
    const records = this.#records;
    const sizes = this.#sizes;
    let end = this.#head;
    let total = 0;
    let strings = true;
    while (end < records.length && (end === this.#head || total + sizes[end]! <= this.#maxWriteBytes)) {
      total += sizes[end]!;
      if (typeof records[end] !== 'string') strings = false;
      end++;
    }
    if (end === this.#head) return null;
    let bytes: Buffer;
    if (strings) {
      let text = '';
      for (let i = this.#head; i < end; i++) text += this.#lines ? `${records[i] as string}\n` : (records[i] as string);
      bytes = Buffer.from(text, 'utf8');
    } else {
      const parts: Uint8Array[] = [];
      for (let i = this.#head; i < end; i++) {
        const r = records[i]!;
        parts.push(typeof r === 'string' ? Buffer.from(r, 'utf8') : r);
        if (this.#lines) parts.push(NEWLINE_BUFFER);
      }
      bytes = Buffer.concat(parts, total);
    }
    const lines = end - this.#head;
    this.#head = end;
    if (this.#head === records.length) {
      this.#records = [];
      this.#sizes = [];
      this.#head = 0;
    } else if (this.#head > 4096 && this.#head * 2 > records.length) {
      this.#records = records.slice(this.#head);
      this.#sizes = sizes.slice(this.#head);
      this.#head = 0;
    }
    return { bytes, lines, token: ++this.#token };
  }

  #pump(): void {
    const socket = this.#socket;
    if (!this.#connected || socket === null || this.#inflight !== null) return;
    const chunk = this.#nextChunk();
    if (chunk === null) {
      this.#checkIdle();
      return;
    }
    this.#inflight = chunk;
    socket.write(chunk.bytes, (error) => {
      this.#written(chunk, error);
    });
  }

  #written(chunk: Chunk, error: Error | null | undefined): void {
    if (this.#inflight?.token !== chunk.token) return; // the connection broke first; already requeued
    this.#inflight = null;
    const stats = this.#stats;
    if (error !== null && error !== undefined) {
      this.#retry = chunk; // sent again, whole, after the reconnect
      this.#socket?.destroy(error);
      return;
    }
    stats.queuedBytes -= chunk.bytes.length;
    stats.sentBytes += chunk.bytes.length;
    stats.sentLines += chunk.lines;
    stats.sentPackets++;
    if (stats.queuedBytes === 0) this.#queueFullReported = false;
    this.#pump();
  }

  #connect(): void {
    this.#reconnectTimer = null;
    const socket = net.connect({ host: this.#host, port: this.#port });
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.setTimeout(this.#connectTimeoutMs);
    socket.unref();
    let failure: Error | null = null;
    socket.on('timeout', () => {
      if (!this.#connected) socket.destroy(new Error(`connect timed out after ${this.#connectTimeoutMs} ms`));
    });
    socket.on('connect', () => {
      socket.setTimeout(0);
      this.#connected = true;
      if (this.#everConnected) this.#stats.reconnects++;
      this.#everConnected = true;
      this.#attempt = 0;
      this.#pump();
    });
    socket.on('data', () => {
      // Servers we talk to send nothing; discard whatever comes so it is never buffered.
    });
    socket.on('end', () => {
      // The server closed its side (it is going away): stop writing into a dead socket.
      socket.destroy();
    });
    socket.on('error', (error) => {
      failure = error;
    });
    socket.on('close', () => {
      if (this.#socket !== socket) return;
      const wasConnected = this.#connected;
      this.#connected = false;
      this.#socket = null;
      if (this.#inflight !== null) {
        this.#retry = this.#inflight;
        this.#inflight = null;
      }
      if (failure !== null || !wasConnected || !this.#closed) {
        this.#stats.errors++;
        report(
          this.#onError,
          new TransportError(
            TransportErrorCodes.CONNECTION_FAILED,
            wasConnected
              ? `connection to ${this.#host}:${this.#port} broke; reconnecting`
              : `cannot connect to ${this.#host}:${this.#port}; retrying with backoff`,
            failure === null ? undefined : { cause: failure },
          ),
        );
      }
      if (this.#pending() && (!this.#closed || this.#idle !== null)) this.#scheduleReconnect();
      else this.#checkIdle();
    });
  }

  #scheduleReconnect(): void {
    if (this.#reconnectTimer !== null) return;
    const ceiling = Math.min(this.#maxBackoffMs, this.#minBackoffMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    const delayMs = Math.round(ceiling * (0.5 + Math.random() * 0.5));
    this.#reconnectTimer = setTimeout(() => {
      this.#connect();
    }, delayMs);
    // While closing, the bounded close timer keeps the process alive instead.
    this.#reconnectTimer.unref();
  }

  #drop(lines: number, bytes: number): void {
    this.#stats.droppedLines += lines;
    this.#stats.droppedBytes += bytes;
  }

  #checkIdle(): void {
    if (this.#idle !== null && !this.#pending()) this.#idle();
  }

  /** @inheritDoc */
  async close(timeoutMs = 2_000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#flushTimer !== null) {
      clearTimeout(this.#flushTimer);
      this.#flushTimer = null;
    }
    const deadline = Date.now() + Math.max(0, timeoutMs);
    if (this.#pending()) {
      if (this.#connected) this.#pump();
      else if (this.#socket === null) {
        if (this.#reconnectTimer !== null) clearTimeout(this.#reconnectTimer);
        this.#connect();
      }
      await this.#waitIdle(deadline);
    }
    if (this.#reconnectTimer !== null) {
      clearTimeout(this.#reconnectTimer);
      this.#reconnectTimer = null;
    }
    // Whatever is still held now is dropped, and counted.
    let lines = this.#records.length - this.#head;
    let bytes = 0;
    for (let i = this.#head; i < this.#sizes.length; i++) bytes += this.#sizes[i]!;
    for (const chunk of [this.#retry, this.#inflight]) {
      if (chunk !== null) {
        lines += chunk.lines;
        bytes += chunk.bytes.length;
      }
    }
    this.#records = [];
    this.#sizes = [];
    this.#head = 0;
    this.#retry = null;
    this.#inflight = null;
    this.#stats.queuedBytes = 0;
    if (lines > 0) this.#drop(lines, bytes);
    const socket = this.#socket;
    if (socket !== null) {
      const closed = new Promise<void>((resolve) => {
        socket.once('close', () => {
          resolve();
        });
      });
      socket.end(EMPTY);
      const remaining = deadline - Date.now();
      if (remaining > 0) await this.#race(closed, remaining);
      socket.destroy();
      this.#socket = null;
      this.#connected = false;
    }
  }

  async #waitIdle(deadline: number): Promise<void> {
    const idle = new Promise<void>((resolve) => {
      this.#idle = resolve;
    });
    await this.#race(idle, deadline - Date.now());
    this.#idle = null;
  }

  async #race(promise: Promise<void>, timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    // Deliberately ref'd: a final flush must be able to finish before the process exits,
    // and it is bounded by the close timeout.
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, timeoutMs));
    });
    await Promise.race([promise, timeout]);
    clearTimeout(timer);
  }
}
