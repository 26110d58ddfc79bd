/**
 * Datapoints to transport records for one Graphite protocol: plaintext lines (`'tcp'`,
 * `'udp'`) or pickle frames (`'pickle'`). What GraphiteClient and GraphiteReporter share.
 *
 * @module
 * @internal
 */

import type { GraphitePoint } from '../formats/graphite-path.js';
import { pickleFrames } from '../formats/graphite-pickle.js';
import { formatGraphiteLine, formatGraphiteLines } from '../formats/graphite-plaintext.js';

/** Encodes datapoints as records. @internal */
export type GraphiteEncoder = {
  /**
   * Appends the records of `points` to `out` (lines, or frames of many points), and
   * how many points each holds to `counts`.
   *
   * @returns how many points were left out (NaN or infinite values, a point too large
   *   for a pickle frame).
   */
  encode(points: readonly GraphitePoint[], out: (string | Buffer)[], counts: number[]): number;
  /** The record of one point, or `null` if it is left out. */
  one(path: string, value: number, timestampS: number): string | Buffer | null;
};

/** Plaintext: one line per point. @internal */
export const PLAINTEXT_ENCODER: GraphiteEncoder = Object.freeze({
  encode(points: readonly GraphitePoint[], out: (string | Buffer)[], counts: number[]): number {
    const before = out.length;
    formatGraphiteLines(points, out as string[]);
    for (let i = before; i < out.length; i++) counts.push(1);
    return points.length - (out.length - before);
  },
  one(path: string, value: number, timestampS: number): string | null {
    const line = formatGraphiteLine(path, value, timestampS);
    return line === '' ? null : line;
  },
});

/** Pickle: frames of at most `maxFrameBytes` of pickle each (one point is one small frame). @internal */
export function pickleEncoder(maxFrameBytes: number): GraphiteEncoder {
  return {
    encode(points, out, counts) {
      const { frames, framePoints, points: written } = pickleFrames(points, maxFrameBytes);
      for (let i = 0; i < frames.length; i++) {
        out.push(frames[i]!);
        counts.push(framePoints[i]!);
      }
      return points.length - written;
    },
    one(path, value, timestampS) {
      return pickleFrames([{ path, value, timestampS }], maxFrameBytes).frames[0] ?? null;
    },
  };
}
