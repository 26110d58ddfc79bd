/**
 * The body of a push: the series in Prometheus text format 0.0.4, written and encoded a
 * family at a time with pauses (a registry of 10,000 timers never stalls the event
 * loop), optionally gzipped.
 *
 * @module
 * @internal
 */

import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { prometheusChunks, PROMETHEUS_CONTENT_TYPE, type PrometheusSeries } from '../formats/prometheus.js';
import { sliceYielder } from '../internal/slicer.js';

const gzip = promisify(gzipCallback);

/** A body ready to send. @internal */
export type PushBody = {
  /** The bytes. */
  readonly bytes: Buffer;
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
  const byName = new Map<string, number>();
  for (const s of series) byName.set(s.name, (byName.get(s.name) ?? 0) + 1);
  let collisions = 0;
  const parts: Buffer[] = [];
  const pause = sliceYielder();
  const chunks = prometheusChunks(series, 'prometheus', {
    prefix,
    onCollision: (name) => {
      collisions += byName.get(name) ?? 1;
    },
  });
  for (const chunk of chunks) {
    parts.push(Buffer.from(chunk, 'utf8'));
    const wait = pause();
    if (wait !== undefined) await wait;
  }
  const text = Buffer.concat(parts);
  const bytes = compress ? await gzip(text) : text;
  const headers: Record<string, string> = {
    'Content-Type': PROMETHEUS_CONTENT_TYPE,
    'Content-Length': String(bytes.length),
  };
  if (compress) headers['Content-Encoding'] = 'gzip';
  return { bytes, headers, series: series.length - collisions, collisions };
}
