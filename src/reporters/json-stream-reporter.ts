/**
 * The JSON stream reporter: one JSON document per report, newline-delimited (NDJSON),
 * to any writable stream (stdout by default) or to a file it opens itself.
 *
 * @module
 */

import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { InvalidOptionError } from '../errors.js';
import { jsonLineChunks } from '../formats/json.js';
import { SnapshotTreeBuilder } from '../registry/snapshot-tree.js';
import { is, nonEmptyString, readOptions, type Check } from '../internal/options.js';
import { slicedPieces, sliceYielder } from '../internal/slicer.js';
import type { SnapshotTree } from '../registry/snapshot.js';
import type { ReportSeries } from './report.js';
import { REPORTER_OPTIONS, ScheduledReporter, type Report, type ScheduledReporterOptions } from './scheduled-reporter.js';

/**
 * The check of a writable stream option: an object with `write()` and `on()`.
 *
 * @internal
 */
export const writableCheck: Check<Writable> = is(
  'a Writable stream',
  (v): v is Writable =>
    v !== null && typeof v === 'object' && typeof (v as Partial<Writable>).write === 'function' && typeof (v as Partial<Writable>).on === 'function',
);

/** The options of a {@link JsonStreamReporter} beyond those of every scheduled reporter. */
const JSON_STREAM_OPTIONS = Object.freeze({ stream: writableCheck, path: nonEmptyString });

/** The options of every scheduled reporter that do not apply to JSON documents. */
const NOT_APPLICABLE = Object.freeze(['rateUnit', 'durationUnit', 'statistics'] as const);

/**
 * Options of a {@link JsonStreamReporter}. Documents always hold the snapshot tree in
 * the registry's units (milliseconds, events per second), so `rateUnit`,
 * `durationUnit` and `statistics` do not apply.
 */
export type JsonStreamReporterOptions = Omit<ScheduledReporterOptions, 'rateUnit' | 'durationUnit' | 'statistics'> & {
  /**
   * Where to write. The reporter never ends or closes a stream it was given (and never
   * closes stdout); while it reports to it, it listens for the stream's `'error'` events
   * and passes them to `onError`. Exclusive with `path`.
   *
   * @defaultValue `process.stdout`
   */
  readonly stream?: Writable;
  /**
   * A file to append to instead of a stream. The reporter opens it, and `stop()` ends
   * and closes it. Exclusive with `stream`.
   */
  readonly path?: string;
};

/**
 * Writes one JSON document per report, one per line:
 * `{"timestamp":"…","timestampMs":…,"metrics":{…snapshot tree…}}`.
 *
 * Backpressure: while the stream has not drained (`write()` returned `false` and no
 * `'drain'` yet), scheduled reports are skipped and counted in `stats.skipped`, never
 * buffered without bound. The final report of `stop()` is written even then (one
 * document), and `stop()` waits for it to be flushed, within `stopTimeoutMs`.
 *
 * @example
 * ```ts
 * const reporter = new JsonStreamReporter({ registry, filter: 'http.' }).start(10_000);
 * // later, on shutdown:
 * await reporter.stop();
 * ```
 */
export class JsonStreamReporter extends ScheduledReporter {
  readonly #stream: Writable;
  readonly #owned: boolean;
  #lastWrite: Promise<void> = Promise.resolve();
  #attached = false;
  readonly #onStreamError = (error: unknown): void => {
    this.reportError('stream', error);
  };

  /**
   * @param options - where to write, and what (`options.registry`, by default the
   *   default registry).
   * @throws {@link InvalidOptionError} for a bad option (or both `stream` and `path`),
   *   {@link UnknownOptionError} for an unknown one (`rateUnit`, `durationUnit` and
   *   `statistics` included: they do not apply).
   */
  constructor(options: JsonStreamReporterOptions = {}) {
    super(options, { kind: 'json-stream', where: 'JsonStreamReporter', schema: JSON_STREAM_OPTIONS, omit: NOT_APPLICABLE });
    const { stream, path } = readOptions('JsonStreamReporter', options, JSON_STREAM_OPTIONS, REPORTER_OPTIONS);
    if (stream !== undefined && path !== undefined) {
      throw new InvalidOptionError("JsonStreamReporter: give either option 'stream' or option 'path', not both");
    }
    if (path !== undefined) {
      this.#stream = createWriteStream(path, { flags: 'a' });
      this.#owned = true;
      this.#attach();
    } else {
      this.#stream = stream ?? process.stdout;
      this.#owned = false;
    }
  }

  #attach(): void {
    if (this.#attached) return;
    this.#attached = true;
    this.#stream.on('error', this.#onStreamError);
  }

  /** @inheritDoc */
  protected override async send(report: Report): Promise<void> {
    const stream = this.#stream;
    if (stream.destroyed || stream.writableEnded) {
      throw new Error('the stream is closed');
    }
    if (stream.writableNeedDrain && !report.final) {
      // Backpressure: drop this report rather than queue it behind the unflushed ones.
      this.countSkipped();
      return;
    }
    this.#attach();
    // One slicer for both steps: a fresh one for the second would let its first slice
    // follow the first step's last one without a turn of the event loop.
    const pause = sliceYielder();
    const pieces = await formatJsonLineInSlices(report.timestampMs, await snapshotTreeInSlices(report.series, pause), pause);
    if (stream.destroyed || stream.writableEnded) throw new Error('the stream closed while the report was formatted');
    // Every piece of the document written in one go (nothing else can write between
    // them), corked so that a stream that can write them at once does.
    let bytes = 0;
    let failed = false;
    this.#lastWrite = new Promise<void>((resolve) => {
      stream.cork();
      for (let i = 0; i < pieces.length; i++) {
        const piece = pieces[i]!;
        bytes += piece.length;
        const last = i === pieces.length - 1;
        stream.write(piece, (error) => {
          if (error !== null && error !== undefined && !failed) {
            failed = true;
            this.#onStreamError(error);
          }
          if (last) resolve();
        });
      }
      stream.uncork();
    });
    this.countBytes(bytes);
  }

  /** Waits for the last document to be flushed; ends the stream only if the reporter opened it. */
  protected override async close(): Promise<void> {
    await this.#lastWrite;
    const stream = this.#stream;
    if (this.#owned && !stream.destroyed) {
      await new Promise<void>((resolve) => {
        stream.once('close', resolve);
        stream.end();
      });
    }
    if (this.#attached) {
      this.#attached = false;
      // Keep a no-op listener on a stream we opened so that a late error cannot crash
      // the process; on a stream we were given, leave its listeners as we found them.
      if (this.#owned) stream.on('error', noop);
      stream.off('error', this.#onStreamError);
    }
  }
}

/** The snapshot tree of the series, built a series at a time with pauses. */
async function snapshotTreeInSlices(series: readonly ReportSeries[], pause: () => Promise<void> | undefined): Promise<SnapshotTree> {
  const builder = new SnapshotTreeBuilder();
  for (const s of series) {
    builder.add(s);
    const wait = pause();
    if (wait !== undefined) await wait;
  }
  return builder.tree;
}

/** Characters of the document gathered before they are encoded as one piece. */
const PIECE_CHARS = 64 * 1024;

/**
 * `formatJsonLine()` as UTF-8, formatted and encoded a metric at a time with pauses, in
 * pieces of about 64 KiB: a large registry never stalls the event loop, nor is its
 * document copied into one buffer.
 */
async function formatJsonLineInSlices(
  timestampMs: number,
  tree: SnapshotTree,
  pause: () => Promise<void> | undefined,
): Promise<Buffer[]> {
  const pieces: Buffer[] = [];
  await slicedPieces(jsonLineChunks(timestampMs, tree), PIECE_CHARS, (text) => {
    pieces.push(Buffer.from(text as string, 'utf8'));
    return undefined;
  }, { pause });
  return pieces;
}

function noop(): void {
  // Errors after stop() are of no interest.
}
