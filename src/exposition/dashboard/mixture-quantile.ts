/**
 * A quantile of several distributions together, known only by their counts and a few
 * quantiles each: the dashboard's p50 and p99 of an HTTP route over all its status
 * series (`2xx`, `5xx`, ...). Each distribution's CDF is taken as piecewise linear
 * through its known points (min, p50, p75, p95, p98, p99, p999, max); the mixture's CDF
 * is their count-weighted sum, and the quantile is found by bisection. With one
 * distribution (the usual case of a route that only answers 2xx) it is that
 * distribution's own quantile, exactly.
 *
 * Pure maths: no allocation beyond the caller's arrays.
 *
 * @module
 * @internal
 */

/** The probabilities of the points every part gives, in order. */
export const PART_PROBABILITIES: readonly number[] = Object.freeze([0, 0.5, 0.75, 0.95, 0.98, 0.99, 0.999, 1]);

/** One distribution: how many values it holds and its values at {@link PART_PROBABILITIES}. */
export type MixturePart = {
  /** Values in the distribution (its window count). */
  readonly count: number;
  /** Its values at {@link PART_PROBABILITIES}: min, p50, p75, p95, p98, p99, p999, max. */
  readonly points: readonly number[];
};

/** The share of `part` at or below `x`, interpolating linearly between its points. */
function cdf(part: MixturePart, x: number): number {
  const v = part.points;
  const last = v.length - 1;
  if (x < v[0]!) return 0;
  if (x >= v[last]!) return 1;
  for (let k = 1; k <= last; k++) {
    const hi = v[k]!;
    if (x < hi) {
      const lo = v[k - 1]!;
      const pLo = PART_PROBABILITIES[k - 1]!;
      const pHi = PART_PROBABILITIES[k]!;
      return hi === lo ? pHi : pLo + ((x - lo) / (hi - lo)) * (pHi - pLo);
    }
  }
  return 1;
}

/**
 * The `q`-quantile (0 < q < 1) of the parts together, or `null` when they hold no value.
 * Within 1e-9 of the range (or exact, with a single non-empty part at a known point).
 */
export function mixtureQuantile(parts: readonly MixturePart[], q: number): number | null {
  let total = 0;
  let only: MixturePart | null = null;
  let nonEmpty = 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const part of parts) {
    if (!(part.count > 0)) continue;
    total += part.count;
    nonEmpty++;
    only = part;
    if (part.points[0]! < lo) lo = part.points[0]!;
    const max = part.points[part.points.length - 1]!;
    if (max > hi) hi = max;
  }
  if (nonEmpty === 0) return null;
  if (nonEmpty === 1) {
    const k = PART_PROBABILITIES.indexOf(q);
    if (k !== -1) return only!.points[k]!;
  }
  for (let i = 0; i < 60 && hi - lo > 1e-9 * Math.max(1, Math.abs(hi)); i++) {
    const mid = (lo + hi) / 2;
    let below = 0;
    for (const part of parts) if (part.count > 0) below += part.count * cdf(part, mid);
    if (below / total < q) lo = mid;
    else hi = mid;
  }
  return hi;
}
