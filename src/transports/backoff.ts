/**
 * Jittered exponential backoff, the one formula of every retry and reconnect (TCP
 * reconnects, OTLP and Pushgateway retries): the delay before attempt n is drawn from
 * `[ceiling / 2, ceiling]` ("equal jitter"), with `ceiling = min(maxMs, initialMs * 2^(n-1))`,
 * so many clients that lost the same server do not come back in lockstep, and every
 * wait is at least half its ceiling.
 *
 * @module
 * @internal
 */

/**
 * The wait before retry number `retry` (1 for the first), in whole milliseconds.
 *
 * @param initialMs - the first retry's ceiling.
 * @param maxMs - the largest ceiling.
 * @param random - a uniform draw from [0, 1) (a value outside it counts as 0.5).
 */
export function backoffDelayMs(retry: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(Math.max(0, retry - 1), 30));
  const r = random();
  return Math.round(ceiling * (0.5 + 0.5 * (r >= 0 && r <= 1 ? r : 0.5)));
}

/** Delays between reconnect attempts. */
export class Backoff {
  readonly #minMs: number;
  readonly #maxMs: number;
  #attempt = 0;

  /**
   * @param minMs - the first delay's ceiling, in milliseconds.
   * @param maxMs - the largest ceiling, in milliseconds.
   */
  constructor(minMs: number, maxMs: number) {
    this.#minMs = minMs;
    this.#maxMs = maxMs;
  }

  /** The delay before the next attempt, in milliseconds; each call doubles the ceiling. */
  next(): number {
    this.#attempt++;
    return backoffDelayMs(this.#attempt, this.#minMs, this.#maxMs);
  }

  /** Starts again from `minMs` (after a successful connection). */
  reset(): void {
    this.#attempt = 0;
  }
}
