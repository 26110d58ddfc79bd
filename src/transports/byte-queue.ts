/**
 * The one bounded byte queue of every transport: records wait here until the transport
 * can take them, coalesced into chunks (a datagram, a write) of whole records; the bound
 * is in bytes, a full queue drops by policy and counts what it drops, and one flush
 * timer decides when a partly filled chunk may leave.
 *
 * @module
 * @internal
 */

import { coalesce, type Chunk } from './coalesce.js';
import {
  report,
  TransportError,
  TransportErrorCodes,
  type DropPolicy,
  type Framing,
  type MutableTransportStats,
  type TransportErrorHandler,
} from './transport.js';

/** Options of a {@link ByteQueue}. */
export type ByteQueueOptions = {
  /** The most bytes held: queued, plus taken and not yet settled. Framing included. */
  readonly maxBytes: number;
  /** Records are coalesced into chunks of at most this many bytes (whole records only). */
  readonly maxChunkBytes: number;
  /** What a full queue drops. */
  readonly dropPolicy: DropPolicy;
  /** `'lines'` adds a newline after each record. */
  readonly framing: Framing;
  /**
   * A record larger than `maxChunkBytes`: `'drop'` it (a datagram cannot hold it) or
   * send it as a chunk of its own (`'alone'`, a stream can).
   */
  readonly oversize: 'drop' | 'alone';
  /** How long a partly filled chunk may wait for more records, in milliseconds. */
  readonly flushIntervalMs: number;
  /** Called when a chunk may be taken: one is full, the flush timer fired, or `flush()`. */
  readonly onReady: () => void;
  /** Receives `QUEUE_FULL` (once until the queue drains) and `RECORD_TOO_LARGE`. */
  readonly onError: TransportErrorHandler;
  /** The transport's counters: the queue keeps `droppedLines`, `droppedBytes` and `queuedBytes`. */
  readonly stats: MutableTransportStats;
  /** Names the destination in messages (`'UDP 127.0.0.1:8125'`). */
  readonly name: string;
};


/**
 * A FIFO of records bounded in bytes. The transport calls {@link ByteQueue.push} from
 * `send()`, and {@link ByteQueue.take} when it can send (a chunk leaves the queue and is
 * "in flight" until {@link ByteQueue.settle}d, or put back with
 * {@link ByteQueue.requeue} to be sent again whole after a reconnect).
 *
 * A chunk is ready when the queued records fill `maxChunkBytes`, when the flush timer
 * fires (`flushIntervalMs` after the first record that found no timer running), or after
 * `flush()`; until everything queued then has been taken, every record is ready at once.
 * The timer is `unref()`ed: a queue never keeps the process alive.
 */
export class ByteQueue {
  readonly #maxBytes: number;
  readonly #maxChunkBytes: number;
  readonly #dropOldest: boolean;
  readonly #lines: boolean;
  readonly #framingBytes: number;
  readonly #dropOversize: boolean;
  readonly #flushIntervalMs: number;
  readonly #onReady: () => void;
  readonly #onError: TransportErrorHandler;
  readonly #stats: MutableTransportStats;
  readonly #name: string;
  #records: (string | Uint8Array)[] = [];
  #sizes: number[] = [];
  #head = 0;
  /** Bytes of `#records` from `#head` on. */
  #recordBytes = 0;
  #retry: Chunk | null = null;
  #inflightBytes = 0;
  #flushing = false;
  #timer: NodeJS.Timeout | null = null;
  #fullReported = false;
  #closed = false;
  #empty: (() => void) | null = null;

  /** @param options - bound, chunk size, drop policy, framing and flush interval. */
  constructor(options: ByteQueueOptions) {
    this.#maxBytes = options.maxBytes;
    this.#maxChunkBytes = Math.min(options.maxChunkBytes, options.maxBytes);
    this.#dropOldest = options.dropPolicy === 'oldest';
    this.#lines = options.framing === 'lines';
    this.#framingBytes = this.#lines ? 1 : 0;
    this.#dropOversize = options.oversize === 'drop';
    this.#flushIntervalMs = options.flushIntervalMs;
    this.#onReady = options.onReady;
    this.#onError = options.onError;
    this.#stats = options.stats;
    this.#name = options.name;
  }

  /** Bytes held: queued plus in flight. */
  get heldBytes(): number {
    return this.#recordBytes + (this.#retry?.bytes.length ?? 0) + this.#inflightBytes;
  }

  /** Whether nothing is queued (records in flight may remain). */
  get isEmpty(): boolean {
    return this.#head === this.#records.length && this.#retry === null;
  }

  /**
   * Queues a record, or drops it (counted): when the queue is closed, the record is too
   * large, or the queue is full and the policy is `'newest'`. With `'oldest'`, the oldest
   * queued records are dropped to make room (records in flight cannot be).
   *
   * @returns whether the record was queued.
   */
  push(record: string | Uint8Array): boolean {
    const size = (typeof record === 'string' ? Buffer.byteLength(record, 'utf8') : record.byteLength) + this.#framingBytes;
    if (this.#closed) {
      this.#stats.dropped(1, size);
      return false;
    }
    if (size > this.#maxBytes || (this.#dropOversize && size > this.#maxChunkBytes)) {
      this.#stats.dropped(1, size);
      const limit = size > this.#maxBytes ? `the ${this.#maxBytes}-byte queue` : `a ${this.#maxChunkBytes}-byte datagram`;
      report(
        this.#onError,
        new TransportError(TransportErrorCodes.RECORD_TOO_LARGE, `${this.#name}: a ${size}-byte record does not fit in ${limit}; dropped`),
      );
      return false;
    }
    if (this.heldBytes + size > this.#maxBytes) {
      const fits = this.#dropOldest && this.#evict(size);
      this.#reportFull();
      if (!fits) {
        this.#stats.dropped(1, size);
        return false;
      }
    }
    this.#records.push(record);
    this.#sizes.push(size);
    this.#recordBytes += size;
    this.#stats.queuedBytes += size;
    if (this.#flushing || this.#recordBytes >= this.#maxChunkBytes) this.#onReady();
    else if (this.#timer === null) {
      this.#timer = setTimeout(this.#onTimer, this.#flushIntervalMs);
      this.#timer.unref();
    }
    return true;
  }

  readonly #onTimer = (): void => {
    this.#timer = null;
    this.#flushing = true;
    this.#onReady();
  };

  /** Makes everything queued now ready at once, and tells the transport. */
  flush(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.isEmpty) return;
    this.#flushing = true;
    this.#onReady();
  }

  /**
   * The next chunk to send, or `null` when nothing is ready: the chunk put back by
   * {@link ByteQueue.requeue} first, then records from the head, as many whole records
   * as fit in `maxChunkBytes` (a larger one alone). Its bytes are in flight until
   * settled or put back.
   */
  take(): Chunk | null {
    const retry = this.#retry;
    if (retry !== null) {
      this.#retry = null;
      this.#inflightBytes += retry.bytes.length;
      return retry;
    }
    const records = this.#records;
    const sizes = this.#sizes;
    const start = this.#head;
    if (start === records.length) {
      this.#flushing = false;
      return null;
    }
    const cap = this.#maxChunkBytes;
    if (!this.#flushing && this.#recordBytes < cap && sizes[start]! < cap) return null;
    const { end, total, bytes } = coalesce(records, sizes, start, cap, this.#lines);
    this.#advance(end, total);
    this.#inflightBytes += total;
    return { bytes, records: end - start };
  }

  /** Moves the head to `end`, releasing what was before it. */
  #advance(end: number, bytes: number): void {
    this.#head = end;
    this.#recordBytes -= bytes;
    const records = this.#records;
    if (end === records.length) {
      this.#records = [];
      this.#sizes = [];
      this.#head = 0;
    } else if (end > 4096 && end * 2 > records.length) {
      this.#records = records.slice(end);
      this.#sizes = this.#sizes.slice(end);
      this.#head = 0;
    }
  }

  /**
   * A chunk in flight is done: counted as sent, or (`sent: false`, it failed and is not
   * retried) as dropped.
   */
  settle(chunk: Chunk, sent: boolean): void {
    const length = chunk.bytes.length;
    this.#inflightBytes -= length;
    this.#stats.queuedBytes -= length;
    if (sent) this.#stats.sent(chunk.records, length);
    else this.#stats.dropped(chunk.records, length);
    this.#checkEmpty();
  }

  /** Puts a chunk in flight back at the head, to be taken (whole) again first. */
  requeue(chunk: Chunk): void {
    this.#inflightBytes -= chunk.bytes.length;
    const previous = this.#retry;
    if (previous !== null) {
      // Only one chunk is ever in flight where chunks are retried; keep the accounting whole anyway.
      this.#stats.queuedBytes -= previous.bytes.length;
      this.#stats.dropped(previous.records, previous.bytes.length);
    }
    this.#retry = chunk;
  }

  /** Drops the oldest queued records until `size` more bytes fit; whether they do. */
  #evict(size: number): boolean {
    const need = this.heldBytes + size - this.#maxBytes;
    // Bytes in flight cannot be dropped: if the rest cannot make room, drop nothing.
    if (this.heldBytes - this.#inflightBytes < need) return false;
    let lines = 0;
    let bytes = 0;
    const retry = this.#retry;
    if (retry !== null) {
      this.#retry = null;
      lines += retry.records;
      bytes += retry.bytes.length;
    }
    const sizes = this.#sizes;
    let end = this.#head;
    let freed = 0;
    while (end < sizes.length && bytes + freed < need) {
      freed += sizes[end]!;
      end++;
    }
    if (end > this.#head) {
      lines += end - this.#head;
      this.#advance(end, freed);
      bytes += freed;
    }
    this.#stats.queuedBytes -= bytes;
    this.#stats.dropped(lines, bytes);
    return true;
  }

  #reportFull(): void {
    if (this.#fullReported) return;
    this.#fullReported = true;
    report(
      this.#onError,
      new TransportError(
        TransportErrorCodes.QUEUE_FULL,
        `${this.#name}: the queue is full (${this.#maxBytes} bytes); dropping the ${this.#dropOldest ? 'oldest' : 'newest'} ` +
          'records (counted in stats.droppedLines; reported once until it drains)',
      ),
    );
  }

  #checkEmpty(): void {
    if (this.heldBytes !== 0) return;
    this.#fullReported = false;
    this.#empty?.();
  }

  /** Resolves once nothing is held (queued or in flight); never rejects. */
  whenEmpty(): Promise<void> {
    if (this.heldBytes === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#empty = () => {
        this.#empty = null;
        resolve();
      };
    });
  }

  /** Refuses later records (each counted as dropped) and stops the flush timer. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
  }

  /** Drops everything queued (not what is in flight), counted. */
  dropQueued(): void {
    let lines = this.#records.length - this.#head;
    let bytes = this.#recordBytes;
    const retry = this.#retry;
    if (retry !== null) {
      lines += retry.records;
      bytes += retry.bytes.length;
      this.#retry = null;
    }
    this.#records = [];
    this.#sizes = [];
    this.#head = 0;
    this.#recordBytes = 0;
    this.#flushing = false;
    this.#stats.queuedBytes -= bytes;
    if (lines > 0) this.#stats.dropped(lines, bytes);
    this.#checkEmpty();
  }
}
