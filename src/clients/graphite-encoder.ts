/**
 * Datapoints to transport records for one Graphite protocol: plaintext lines (`'tcp'`,
 * `'udp'`) or pickle frames (`'pickle'`). What GraphiteClient and GraphiteReporter share.
 *
 * @module
 * @internal
 */

import { graphitePathFits, type GraphitePoint } from '../formats/graphite-path.js';
import { pickleFrames } from '../formats/graphite-pickle.js';
import { formatGraphiteLine, formatGraphiteLines } from '../formats/graphite-plaintext.js';

/** Encodes datapoints as records. @internal */
export type GraphiteEncoder = {
  /**
   * Appends the records of `points` to `out` (lines, or frames of many points), and
   * how many points each holds to `counts`.
   *
   * @param pathsChecked - every path is known to pass `graphitePathFits` (a sender that
   *   checks a path once, when it builds it): not checked again.
   * @returns how many points were left out (NaN or infinite values, a path carbon could
   *   not store: see `graphitePathProblem`, a point too large for a pickle frame).
   */
  encode(points: readonly GraphitePoint[], out: (string | Buffer)[], counts: number[], pathsChecked?: boolean): number;
  /** The record of one point, or `null` if it is left out. */
  one(path: string, value: number, timestampS: number): string | Buffer | null;
};

/**
 * The points carbon can store: a point whose path it could not (an empty segment, a
 * segment longer than a file name, a line longer than carbon reads) is left out, since
 * carbon would fail to create its file, or drop the connection, and lose the points
 * after it too.
 */
function storable(points: readonly GraphitePoint[]): readonly GraphitePoint[] {
  let kept: GraphitePoint[] | null = null;
  for (let i = 0; i < points.length; i++) {
    const bad = !graphitePathFits(points[i]!.path);
    if (bad && kept === null) kept = points.slice(0, i);
    else if (!bad && kept !== null) kept.push(points[i]!);
  }
  return kept ?? points;
}

/** Plaintext: one line per point. @internal */
export const PLAINTEXT_ENCODER: GraphiteEncoder = Object.freeze({
  encode(points: readonly GraphitePoint[], out: (string | Buffer)[], counts: number[], pathsChecked = false): number {
    const before = out.length;
    formatGraphiteLines(pathsChecked ? points : storable(points), out as string[]);
    for (let i = before; i < out.length; i++) counts.push(1);
    return points.length - (out.length - before);
  },
  one(path: string, value: number, timestampS: number): string | null {
    if (!graphitePathFits(path)) return null;
    const line = formatGraphiteLine(path, value, timestampS);
    return line === '' ? null : line;
  },
});

/** Pickle: frames of at most `maxFrameBytes` of pickle each (one point is one small frame). @internal */
export function pickleEncoder(maxFrameBytes: number): GraphiteEncoder {
  return {
    encode(points, out, counts, pathsChecked = false) {
      const { frames, framePoints, points: written } = pickleFrames(pathsChecked ? points : storable(points), maxFrameBytes);
      for (let i = 0; i < frames.length; i++) {
        out.push(frames[i]!);
        counts.push(framePoints[i]!);
      }
      return points.length - written;
    },
    one(path, value, timestampS) {
      if (!graphitePathFits(path)) return null;
      return pickleFrames([{ path, value, timestampS }], maxFrameBytes).frames[0] ?? null;
    },
  };
}
