/**
 * Exponentially weighted moving average of an event rate, ticked every 5 seconds, with
 * Dropwizard Metrics' semantics (the UNIX load-average constants): on each tick the
 * events counted since the previous tick give an instant rate, and
 * `rate += alpha * (instant - rate)` with `alpha = 1 - exp(-5 s / window)`. The first tick
 * seeds the rate with the instant rate.
 *
 * Ticks are lazy: {@link Ewma.tick} is told how many ticks passed and applies them in
 * closed form, `rate * (1 - alpha)^(n - 1)` after the first, so an idle gap of any length
 * costs O(1). Rates below {@link EWMA_ZERO_RATE_PER_SECOND} become exactly 0.
 *
 * Pure maths: no clock, no timers.
 *
 * @see https://github.com/dropwizard/metrics/blob/release/4.2.x/metrics-core/src/main/java/com/codahale/metrics/EWMA.java
 * @module
 */

import { TICK_MS } from '../clock.js';

/** The tick interval in seconds. */
const TICK_SECONDS = TICK_MS / 1000;

/**
 * Rates below this many events per second are reported as exactly 0: one event every
 * 30 years. A single event seeds a 5-second tick at 0.2/s, so any rate this small is only
 * the decaying tail of old activity.
 */
export const EWMA_ZERO_RATE_PER_SECOND = 1e-9;

/** `alpha` for a moving average over `minutes`, with 5-second ticks. */
export function ewmaAlpha(minutes: number): number {
  return 1 - Math.exp(-TICK_SECONDS / 60 / minutes);
}

/**
 * One moving average. Holds its rate in events per second.
 *
 * @internal
 */
export class Ewma {
  /** `1 - alpha`, the decay per tick. */
  readonly #keep: number;
  readonly #alpha: number;
  #rate = 0;
  #initialized = false;

  constructor(alpha: number) {
    this.#alpha = alpha;
    this.#keep = 1 - alpha;
  }

  /**
   * Applies `ticks` (>= 1) elapsed ticks: the first with `events` counted during it, the
   * rest with none.
   */
  tick(events: number, ticks: number): void {
    const instant = events / TICK_SECONDS;
    let rate: number;
    if (this.#initialized) {
      rate = this.#rate + this.#alpha * (instant - this.#rate);
    } else {
      rate = instant;
      this.#initialized = true;
    }
    if (ticks > 1 && rate !== 0) rate *= Math.pow(this.#keep, ticks - 1);
    this.#rate = rate < EWMA_ZERO_RATE_PER_SECOND ? 0 : rate;
  }

  /** The rate in events per second. */
  get ratePerSecond(): number {
    return this.#rate;
  }
}
