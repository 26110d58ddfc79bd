/**
 * TCP transport: one persistent connection, a bounded queue, reconnects with jittered
 * exponential backoff (re-resolving the host each time), whole records only.
 *
 * @module
 */

import net from 'node:net';
import { checkValue, integer, readOptions } from '../internal/options.js';
import { Backoff } from './backoff.js';
import { ByteQueue } from './byte-queue.js';
import type { Chunk } from './coalesce.js';
import { TCP_OPTIONS, type TcpTransportOptions } from './tcp-options.js';
import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_MAX_QUEUE_BYTES,
  defaultTransportErrorHandler,
  MutableTransportStats,
  portCheck,
  raceTimeout,
  report,
  TransportError,
  TransportErrorCodes,
  type Transport,
  type TransportErrorHandler,
  type TransportStats,
} from './transport.js';

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
 * import { TcpTransport } from 'tapemeasure';
 *
 * const tcp = new TcpTransport({ host: '127.0.0.1', port: 8125, onError: () => {} });
 * tcp.send('jobs.done:1|c');
 * await tcp.close(100); // nothing listens: gives up after 100 ms, the line counted as dropped
 * ```
 */
export class TcpTransport implements Transport {
  readonly #host: string;
  readonly #port: number;
  readonly #connectTimeoutMs: number;
  readonly #onError: TransportErrorHandler;
  readonly #stats = new MutableTransportStats();
  readonly #queue: ByteQueue;
  readonly #backoff: Backoff;
  #socket: net.Socket | null = null;
  #connected = false;
  #everConnected = false;
  #inflight: Chunk | null = null;
  #reconnectTimer: NodeJS.Timeout | null = null;
  /** No more records accepted (close() called). */
  #closed = false;
  /** close() has finished: no more connection attempts. */
  #released = false;

  /**
   * @param options - where to connect, queue bounds and backoff.
   * @throws {@link InvalidOptionError} or {@link UnknownOptionError} for a bad option.
   */
  constructor(options: TcpTransportOptions) {
    const where = 'TcpTransport';
    const o = readOptions(where, options, TCP_OPTIONS);
    this.#host = o.host ?? '127.0.0.1';
    this.#port = checkValue(where, "option 'port'", o.port, portCheck);
    this.#connectTimeoutMs = o.connectTimeoutMs ?? 5_000;
    const minBackoffMs = o.minBackoffMs ?? 100;
    const maxBackoffMs = checkValue(
      where,
      "option 'maxBackoffMs'",
      o.maxBackoffMs ?? Math.max(30_000, minBackoffMs),
      integer(minBackoffMs, 3_600_000),
    );
    this.#backoff = new Backoff(minBackoffMs, maxBackoffMs);
    this.#onError = o.onError ?? defaultTransportErrorHandler();
    this.#queue = new ByteQueue({
      maxBytes: o.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES,
      maxChunkBytes: o.maxWriteBytes ?? 1 << 16,
      dropPolicy: o.dropPolicy ?? 'newest',
      framing: o.framing ?? 'lines',
      oversize: 'alone',
      flushIntervalMs: o.flushIntervalMs ?? 10,
      onReady: this.#pump,
      onError: this.#onError,
      stats: this.#stats,
      name: `TCP ${this.#host}:${this.#port}`,
    });
  }

  /** @inheritDoc */
  get stats(): TransportStats {
    return this.#stats.copy();
  }

  /** Whether the connection is established now. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Connects now instead of when the first record is queued. */
  start(): void {
    if (!this.#closed && this.#socket === null && this.#reconnectTimer === null) this.#connect();
  }

  /** @inheritDoc */
  send(record: string | Uint8Array): boolean {
    const queued = this.#queue.push(record);
    if (queued && this.#socket === null && this.#reconnectTimer === null) this.#connect();
    return queued;
  }

  /** @inheritDoc */
  flush(): void {
    this.#queue.flush();
  }

  /** Writes the next chunk if connected and no write is in flight. */
  readonly #pump = (): void => {
    const socket = this.#socket;
    if (!this.#connected || socket === null || this.#inflight !== null) return;
    const chunk = this.#queue.take();
    if (chunk === null) return;
    this.#inflight = chunk;
    socket.write(chunk.bytes, (error) => {
      this.#written(socket, chunk, error);
    });
  };

  #written(socket: net.Socket, chunk: Chunk, error: Error | null | undefined): void {
    // The connection broke first: the chunk was put back already (or dropped at close).
    if (this.#socket !== socket || this.#inflight !== chunk) return;
    this.#inflight = null;
    if (error !== null && error !== undefined) {
      this.#queue.requeue(chunk); // sent again, whole, after the reconnect
      socket.destroy(error);
      return;
    }
    this.#queue.settle(chunk, true);
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
      this.#backoff.reset();
      this.#pump(); // what waited for the connection goes out now
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
      this.#closedSocket(socket, failure);
    });
  }

  #closedSocket(socket: net.Socket, failure: Error | null): void {
    if (this.#socket !== socket) return;
    const wasConnected = this.#connected;
    this.#connected = false;
    this.#socket = null;
    const inflight = this.#inflight;
    if (inflight !== null) {
      this.#inflight = null;
      this.#queue.requeue(inflight);
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
    if (!this.#queue.isEmpty && !this.#released && this.#reconnectTimer === null) {
      this.#reconnectTimer = setTimeout(() => {
        this.#connect();
      }, this.#backoff.next());
      // While closing, the bounded close timer keeps the process alive instead.
      this.#reconnectTimer.unref();
    }
  }

  /** @inheritDoc */
  async close(timeoutMs = DEFAULT_CLOSE_TIMEOUT_MS): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const queue = this.#queue;
    queue.flush();
    queue.close();
    const deadline = Date.now() + Math.max(0, timeoutMs);
    if (queue.heldBytes > 0) {
      if (this.#socket === null) {
        // Waiting out a backoff: try once more now, within the close timeout.
        if (this.#reconnectTimer !== null) clearTimeout(this.#reconnectTimer);
        this.#connect();
      }
      await raceTimeout(queue.whenEmpty(), deadline - Date.now());
    }
    this.#released = true;
    if (this.#reconnectTimer !== null) {
      clearTimeout(this.#reconnectTimer);
      this.#reconnectTimer = null;
    }
    // Whatever is still held now is dropped, and counted.
    const inflight = this.#inflight;
    if (inflight !== null) {
      this.#inflight = null;
      queue.settle(inflight, false);
    }
    queue.dropQueued();
    const socket = this.#socket;
    if (socket !== null) {
      const closed = new Promise<void>((resolve) => {
        socket.once('close', () => {
          resolve();
        });
      });
      socket.end(EMPTY);
      const remaining = deadline - Date.now();
      if (remaining > 0) await raceTimeout(closed, remaining);
      socket.destroy();
      this.#socket = null;
      this.#connected = false;
    }
  }

  /** `await using tcp = new TcpTransport(...)` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
