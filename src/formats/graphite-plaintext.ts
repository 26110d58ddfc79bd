/**
 * Graphite's plaintext protocol: one `path value timestamp\n` line per datapoint. Pure
 * functions, no I/O; paths are built (and sanitised) by `graphite-path.ts`.
 *
 * @module
 */

import type { GraphitePoint } from './graphite-path.js';

/**
 * One plaintext record, `path value timestamp` without the trailing newline (transports add
 * it), with the value at full precision (the shortest decimal that reads back as the same
 * double) and the timestamp in whole seconds. The path is written as given: build it with
 * {@link graphitePath}.
 *
 * @returns the record, or `''` when the value is NaN or infinite (never sent) or the
 *   timestamp is not a safe integer.
 */
export function formatGraphiteLine(path: string, value: number, timestampS: number): string {
  const ts = Math.floor(timestampS);
  if (!Number.isFinite(value) || !Number.isSafeInteger(ts)) return '';
  return `${path} ${value} ${ts}`;
}

/**
 * Formats many datapoints as plaintext records (no trailing newline: transports add it),
 * skipping NaN and infinite values and timestamps that are not safe integers. Faster than
 * {@link formatGraphiteLine} per point when points share a timestamp, as a report's do.
 *
 * @param points - the datapoints.
 * @param out - an array to append to.
 * @returns `out`, with one record per written point.
 */
export function formatGraphiteLines(points: readonly GraphitePoint[], out: string[] = []): string[] {
  let lastTimestampS = Number.NaN;
  let tail = '';
  let valid = false;
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    if (p.timestampS !== lastTimestampS) {
      lastTimestampS = p.timestampS;
      const ts = Math.floor(p.timestampS);
      valid = Number.isSafeInteger(ts);
      tail = ` ${ts}`;
    }
    const value = p.value;
    if (valid && Number.isFinite(value)) out.push(`${p.path} ${value}${tail}`);
  }
  return out;
}

/**
 * Encodes datapoints as the plaintext protocol's bytes on the wire: one
 * `path value timestamp\n` line per point, skipping NaN and infinite values.
 *
 * @example
 * ```ts
 * import { encodeGraphitePlaintext } from 'tapemeasure';
 *
 * console.log(encodeGraphitePlaintext([{ path: 'a.b', value: 1.5, timestampS: 1_700_000_000 }]));
 * // 'a.b 1.5 1700000000\n'
 * ```
 */
export function encodeGraphitePlaintext(points: Iterable<GraphitePoint>): string {
  let out = '';
  for (const p of points) {
    const line = formatGraphiteLine(p.path, p.value, p.timestampS);
    if (line !== '') out += `${line}\n`;
  }
  return out;
}
