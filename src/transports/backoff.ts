/**
 * Jittered exponential backoff: the delay before reconnect attempt n is drawn from
 * `[ceiling / 2, ceiling]`, with `ceiling = min(maxMs, minMs * 2^n)`, so many clients
 * that lost the same server do not come back in lockstep.
 *
 * @module
 * @internal
 */

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
    const ceiling = Math.min(this.#maxMs, this.#minMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    return Math.round(ceiling * (0.5 + Math.random() * 0.5));
  }

  /** Starts again from `minMs` (after a successful connection). */
  reset(): void {
    this.#attempt = 0;
  }
}
