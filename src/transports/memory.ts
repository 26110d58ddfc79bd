/**
 * Memory transport: keeps what was sent, for tests (as OpenTelemetry's
 * `InMemoryMetricExporter` does): pass it as the `transport` of a reporter or client
 * and read back exactly what would have gone on the wire.
 *
 * @module
 */

import { integer, readOptions } from '../internal/options.js';
import {
  defaultTransportErrorHandler,
  errorHandlerCheck,
  framingCheck,
  MutableTransportStats,
  report,
  TransportError,
  TransportErrorCodes,
  type Framing,
  type Transport,
  type TransportErrorHandler,
  type TransportStats,
} from './transport.js';

/** Options of a {@link MemoryTransport}. */
export type MemoryTransportOptions = {
  /**
   * The most bytes kept (framing included). Beyond it, records are refused: `send()`
   * returns `false`, they are counted in `stats.droppedLines`, and one `QUEUE_FULL` goes
   * to `onError` until `clear()`. A small bound simulates a full queue.
   *
   * @defaultValue 16777216 (16 MiB)
   */
  readonly maxBytes?: number;
  /**
   * How records are delimited in {@link MemoryTransport.bytes} and
   * {@link MemoryTransport.lines}: `'lines'` (a newline after each) or `'raw'`.
   *
   * @defaultValue 'lines'
   */
  readonly framing?: Framing;
  /**
   * Receives `QUEUE_FULL` when the bound is reached.
   *
   * @defaultValue a `TapemeasureWarning`, at most one per minute
   */
  readonly onError?: TransportErrorHandler;
};

/** Records per block of a {@link MemoryTransport}'s store. */
const BLOCK_RECORDS = 4096;

const MEMORY_OPTIONS = Object.freeze({
  maxBytes: integer(1, 2 ** 31),
  framing: framingCheck,
  onError: errorHandlerCheck,
});

/**
 * A {@link Transport} that keeps every record it is given, in order, as strings and as
 * bytes. `stats.sentLines` counts the records kept; nothing is ever queued.
 *
 * @example
 * ```ts
 * import { MemoryTransport, Registry, StatsdReporter } from 'tapemeasure';
 *
 * const registry = new Registry();
 * const transport = new MemoryTransport();
 * const reporter = new StatsdReporter({ registry, transport, env: {} });
 * registry.counter('jobs.done').inc(3);
 * await reporter.report();
 * console.log(transport.lines()); // [ 'jobs.done:3|c' ]
 * transport.clear();
 * await reporter.stop();
 * ```
 */
export class MemoryTransport implements Transport {
  readonly #maxBytes: number;
  readonly #lines: boolean;
  readonly #onError: TransportErrorHandler;
  readonly #stats = new MutableTransportStats();
  /**
   * The records, in blocks of at most {@link BLOCK_RECORDS}: one array of a million
   * records would be copied whole each time it grows, holding the event loop for tens of
   * milliseconds in the middle of a large report.
   */
  #blocks: (string | Buffer)[][] = [[]];
  #keptBytes = 0;
  #fullReported = false;
  #closed = false;

  /**
   * @param options - the bound and the framing.
   * @throws {@link InvalidOptionError} or {@link UnknownOptionError} for a bad option.
   */
  constructor(options: MemoryTransportOptions = {}) {
    const o = readOptions('MemoryTransport', options, MEMORY_OPTIONS);
    this.#maxBytes = o.maxBytes ?? 16 << 20;
    this.#lines = (o.framing ?? 'lines') === 'lines';
    this.#onError = o.onError ?? defaultTransportErrorHandler();
  }

  /** @inheritDoc */
  get stats(): TransportStats {
    return this.#stats.copy();
  }

  /** Bytes kept now (framing included). */
  get keptBytes(): number {
    return this.#keptBytes;
  }

  /** Whether `close()` was called (later records are dropped). */
  get closed(): boolean {
    return this.#closed;
  }

  /** @inheritDoc */
  send(record: string | Uint8Array): boolean {
    const size = (typeof record === 'string' ? Buffer.byteLength(record, 'utf8') : record.byteLength) + (this.#lines ? 1 : 0);
    if (this.#closed || this.#keptBytes + size > this.#maxBytes) {
      this.#stats.dropped(1, size);
      if (!this.#closed && !this.#fullReported) {
        this.#fullReported = true;
        report(
          this.#onError,
          new TransportError(
            TransportErrorCodes.QUEUE_FULL,
            `memory transport: ${this.#maxBytes} bytes kept; refusing records until clear()`,
          ),
        );
      }
      return false;
    }
    // A copy: the caller may reuse its buffer.
    let block = this.#blocks.at(-1)!;
    if (block.length === BLOCK_RECORDS) {
      block = [];
      this.#blocks.push(block);
    }
    block.push(typeof record === 'string' ? record : Buffer.from(record));
    this.#keptBytes += size;
    this.#stats.sent(1, size);
    return true;
  }

  /** Nothing waits in a memory transport: does nothing. */
  flush(): void {
    // Records are kept as they are sent.
  }

  /** Refuses later records (counted as dropped); keeps what it holds. Never rejects. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.resolve();
  }

  /** `await using transport = new MemoryTransport()` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Every record kept, in order, decoded as UTF-8 (a StatsD record may hold two lines). */
  records(): string[] {
    return this.#blocks.flat().map((r) => (typeof r === 'string' ? r : r.toString('utf8')));
  }

  /** Every record kept, in order, as bytes (without framing). */
  buffers(): Buffer[] {
    return this.#blocks.flat().map((r) => (typeof r === 'string' ? Buffer.from(r, 'utf8') : Buffer.from(r)));
  }

  /** The lines on the wire: every record split at its newlines (line framing; empty lines left out). */
  lines(): string[] {
    const out: string[] = [];
    for (const record of this.records()) for (const line of record.split('\n')) if (line !== '') out.push(line);
    return out;
  }

  /** The bytes as a stream transport would write them: every record, with the framing. */
  bytes(): Buffer {
    const parts: Buffer[] = [];
    const newline = Buffer.from('\n');
    for (const r of this.buffers()) {
      parts.push(r);
      if (this.#lines) parts.push(newline);
    }
    return Buffer.concat(parts);
  }

  /** Forgets every record kept (the counters stay), making room again. */
  clear(): void {
    this.#blocks = [[]];
    this.#keptBytes = 0;
    this.#fullReported = false;
  }
}
