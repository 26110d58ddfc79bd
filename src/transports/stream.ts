/**
 * Stream transport: records to any `Writable` (a file, a pipe, stdout, a Unix socket
 * you opened), one write in flight at a time, so the stream's backpressure holds
 * records in the bounded queue instead of in the stream's own buffer.
 *
 * @module
 */

import type { Writable } from 'node:stream';
import { boolean, checkValue, is, readOptions, type Check } from '../internal/options.js';
import { ByteQueue } from './byte-queue.js';
import type { Chunk } from './coalesce.js';
import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_MAX_QUEUE_BYTES,
  defaultTransportErrorHandler,
  dropPolicyCheck,
  errorHandlerCheck,
  flushIntervalCheck,
  framingCheck,
  MutableTransportStats,
  queueBytesCheck,
  raceTimeout,
  report,
  TransportError,
  TransportErrorCodes,
  type DropPolicy,
  type Framing,
  type Transport,
  type TransportErrorHandler,
  type TransportStats,
  writeBytesCheck,
} from './transport.js';

/** Options of a {@link StreamTransport}. */
export type StreamTransportOptions = {
  /** Where the bytes go (required). */
  readonly stream: Writable;
  /**
   * How records are delimited.
   *
   * @defaultValue 'lines'
   */
  readonly framing?: Framing;
  /**
   * The most bytes held while the stream is not draining (the write in flight
   * included). Beyond it records are dropped by `dropPolicy` and counted, and one
   * `QUEUE_FULL` is reported until the queue drains.
   *
   * @defaultValue 4194304 (4 MiB)
   */
  readonly maxQueueBytes?: number;
  /**
   * What a full queue drops: the record being sent (`'newest'`) or the oldest queued ones.
   *
   * @defaultValue 'newest'
   */
  readonly dropPolicy?: DropPolicy;
  /**
   * The largest single write in bytes: queued records are coalesced up to this size.
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
   * Whether `close()` ends the stream (after the last write). Leave it off for a stream
   * you keep using, such as `process.stdout`.
   *
   * @defaultValue false
   */
  readonly end?: boolean;
  /**
   * Receives failures (a write that failed, a stream that errored or closed), never thrown.
   *
   * @defaultValue a `TapemeasureWarning` per error code, at most one per minute
   */
  readonly onError?: TransportErrorHandler;
};

/** A `Writable`: something with `write()`, `end()` and `on()`. @internal */
export const writableCheck: Check<Writable> = is(
  'a Writable stream',
  (v): v is Writable =>
    v !== null &&
    typeof v === 'object' &&
    typeof (v as Partial<Writable>).write === 'function' &&
    typeof (v as Partial<Writable>).end === 'function' &&
    typeof (v as Partial<Writable>).on === 'function',
);

const STREAM_OPTIONS = Object.freeze({
  stream: writableCheck,
  framing: framingCheck,
  maxQueueBytes: queueBytesCheck,
  dropPolicy: dropPolicyCheck,
  maxWriteBytes: writeBytesCheck,
  flushIntervalMs: flushIntervalCheck,
  end: boolean,
  onError: errorHandlerCheck,
});

/**
 * Writes records to a `Writable`. A record is never half-written by this transport;
 * records wait in a bounded queue while the stream is slow (one write is in flight at
 * a time, and the next starts when the stream has taken it). If the stream fails or
 * closes, what is queued is dropped and counted, `onError` is told (`SEND_FAILED`), and
 * later records are dropped.
 *
 * @example
 * ```ts
 * import { PassThrough } from 'node:stream';
 * import { StreamTransport } from 'tapemeasure';
 *
 * const out = new PassThrough();
 * out.on('data', (chunk) => process.stdout.write(chunk));
 * const transport = new StreamTransport({ stream: out, end: true });
 * transport.send('jobs.done:1|c');
 * await transport.close();
 * ```
 */
export class StreamTransport implements Transport {
  readonly #stream: Writable;
  readonly #end: boolean;
  readonly #onError: TransportErrorHandler;
  readonly #stats = new MutableTransportStats();
  readonly #queue: ByteQueue;
  #inflight: Chunk | null = null;
  #broken = false;
  #closed = false;

  /**
   * @param options - the stream, framing and queue bounds.
   * @throws {@link InvalidOptionError} or {@link UnknownOptionError} for a bad option.
   */
  constructor(options: StreamTransportOptions) {
    const where = 'StreamTransport';
    const o = readOptions(where, options, STREAM_OPTIONS);
    this.#stream = checkValue(where, "option 'stream'", o.stream, writableCheck);
    this.#end = o.end ?? false;
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
      name: 'stream',
    });
    this.#stream.on('error', this.#onStreamError);
    this.#stream.on('close', this.#onStreamClose);
  }

  /** @inheritDoc */
  get stats(): TransportStats {
    return this.#stats.copy();
  }

  /** @inheritDoc */
  send(record: string | Uint8Array): boolean {
    return this.#queue.push(record);
  }

  /** @inheritDoc */
  flush(): void {
    this.#queue.flush();
  }

  readonly #pump = (): void => {
    if (this.#inflight !== null || this.#broken) return;
    const chunk = this.#queue.take();
    if (chunk === null) return;
    this.#inflight = chunk;
    try {
      this.#stream.write(chunk.bytes, (error) => {
        this.#written(chunk, error);
      });
    } catch (error) {
      this.#written(chunk, error as Error);
    }
  };

  #written(chunk: Chunk, error: Error | null | undefined): void {
    if (this.#inflight !== chunk) return; // dropped already
    this.#inflight = null;
    if (error !== null && error !== undefined) {
      this.#queue.settle(chunk, false);
      this.#fail('a write to the stream failed', error);
      return;
    }
    this.#queue.settle(chunk, true);
    this.#pump();
  }

  readonly #onStreamError = (error: Error): void => {
    this.#fail('the stream failed', error);
  };

  readonly #onStreamClose = (): void => {
    if (!this.#closed) this.#fail('the stream closed', undefined);
  };

  /** The stream is unusable: drop what is held, refuse what comes. */
  #fail(what: string, cause: unknown): void {
    if (this.#broken) return;
    this.#broken = true;
    this.#stats.errors++;
    const inflight = this.#inflight;
    if (inflight !== null) {
      this.#inflight = null;
      this.#queue.settle(inflight, false);
    }
    this.#queue.close();
    this.#queue.dropQueued();
    report(
      this.#onError,
      new TransportError(
        TransportErrorCodes.SEND_FAILED,
        `${what}; dropping records from now on`,
        cause === undefined ? undefined : { cause },
      ),
    );
  }

  /**
   * Writes what it can within `timeoutMs` (what is left is dropped and counted); with
   * `end: true`, then ends the stream. Removes the transport's listeners from the stream.
   * Never rejects; later `send()`s are dropped.
   *
   * @param timeoutMs - the most time to spend flushing, in milliseconds.
   */
  async close(timeoutMs = DEFAULT_CLOSE_TIMEOUT_MS): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const queue = this.#queue;
    queue.flush();
    queue.close();
    const deadline = Date.now() + Math.max(0, timeoutMs);
    await raceTimeout(queue.whenEmpty(), timeoutMs);
    const inflight = this.#inflight;
    if (inflight !== null) {
      this.#inflight = null;
      queue.settle(inflight, false);
    }
    queue.dropQueued();
    const stream = this.#stream;
    if (this.#end && !this.#broken) {
      const finished = new Promise<void>((resolve) => {
        stream.once('finish', resolve);
        stream.once('close', resolve);
      });
      try {
        stream.end();
        await raceTimeout(finished, deadline - Date.now());
      } catch {
        // An end() that throws leaves nothing more to do.
      }
    }
    stream.off('error', this.#onStreamError);
    stream.off('close', this.#onStreamClose);
  }

  /** `await using transport = new StreamTransport(...)` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
