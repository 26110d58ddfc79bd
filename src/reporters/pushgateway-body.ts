/**
 * The body of a push: the series in Prometheus text format 0.0.4, written and encoded a
 * family at a time with pauses (a registry of 100,000 timers never stalls the event
 * loop), optionally gzipped as it is written. The body stays in pieces of about 64 KiB:
 * joining 100 MB into one buffer, or compressing it in one call, would hold the loop for
 * as long as that copy takes.
 *
 * @module
 * @internal
 */

import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import { prometheusChunks, PROMETHEUS_CONTENT_TYPE, type PrometheusSeries } from '../formats/prometheus.js';
import { slicedPieces, sliceYielder } from '../internal/slicer.js';

/** Characters of text gathered before they are encoded as one piece of the body. */
const PIECE_CHARS = 64 * 1024;

/** A body ready to send. @internal */
export type PushBody = {
  /** The bytes, in pieces, in order (sent one after the other). */
  readonly pieces: readonly Buffer[];
  /** Bytes of all the pieces. */
  readonly byteLength: number;
  /** `Content-Type`, `Content-Length` and, when compressed, `Content-Encoding`. */
  readonly headers: Readonly<Record<string, string>>;
  /** Series written. */
  readonly series: number;
  /** Series left out because their Prometheus names collide with earlier ones. */
  readonly collisions: number;
};

/**
 * Writes `series` as Prometheus text 0.0.4 (the format every Pushgateway reads).
 *
 * @param series - what to push.
 * @param prefix - the metric name prefix (`''` for none), already checked.
 * @param compress - gzip the text.
 * @internal
 */
export async function pushBody(series: readonly PrometheusSeries[], prefix: string, compress: boolean): Promise<PushBody> {
  const pause = sliceYielder();
  const byName = new Map<string, number>();
  for (const s of series) {
    byName.set(s.name, (byName.get(s.name) ?? 0) + 1);
    const wait = pause();
    if (wait !== undefined) await wait;
  }
  let collisions = 0;
  const chunks = prometheusChunks(series, 'prometheus', {
    prefix,
    onCollision: (name) => {
      collisions += byName.get(name) ?? 1;
    },
  });
  const sink = compress ? gzipSink() : plainSink();
  await slicedPieces(chunks, PIECE_CHARS, (text) => sink.write(Buffer.from(text as string, 'utf8')), { pause });
  const pieces = await sink.end();
  let byteLength = 0;
  for (const piece of pieces) byteLength += piece.length;
  const headers: Record<string, string> = {
    'Content-Type': PROMETHEUS_CONTENT_TYPE,
    'Content-Length': String(byteLength),
  };
  if (compress) headers['Content-Encoding'] = 'gzip';
  return { pieces, byteLength, headers, series: series.length - collisions, collisions };
}

/** Where the pieces of text go: kept as they are, or through gzip. */
type Sink = {
  /** Takes a piece; resolves when more may be written. */
  write(piece: Buffer): Promise<void> | undefined;
  /** The body's pieces, once everything is written. */
  end(): Promise<Buffer[]>;
};

function plainSink(): Sink {
  const pieces: Buffer[] = [];
  return {
    write(piece) {
      pieces.push(piece);
      return undefined;
    },
    end: () => Promise.resolve(pieces),
  };
}

/**
 * Compresses as the text is written: zlib works off the main thread, and a piece waits
 * for the one before it to be taken (its backpressure), so the text is never held whole.
 * The output is one gzip stream, in zlib's own pieces.
 */
function gzipSink(): Sink {
  const gzip = createGzip();
  const pieces: Buffer[] = [];
  let failed: Error | null = null;
  gzip.on('data', (piece: Buffer) => pieces.push(piece));
  gzip.on('error', (error: Error) => {
    failed = error;
  });
  return {
    write(piece) {
      if (failed !== null) return Promise.reject(failed);
      return gzip.write(piece) ? undefined : once(gzip, 'drain').then(() => undefined);
    },
    async end() {
      const ended = once(gzip, 'end');
      gzip.end();
      await ended; // rejects on an 'error' event
      return pieces;
    },
  };
}
