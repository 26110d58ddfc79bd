/**
 * Exponentially weighted moving average of an event rate, ticked every 5 seconds, with
 * Dropwizard Metrics' semantics (the UNIX load-average constants): on each tick the
 * events counted since the previous tick give an instant rate, and
 * `rate += alpha * (instant - rate)` with `alpha = 1 - exp(-5 s / window)`. The first tick
 * seeds the rate with the instant rate.
 *
 * Ticks are lazy: {@link ewmaTick} is told how many ticks passed and applies them in
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
 * Applies `ticks` (>= 1) elapsed ticks to a moving average: the first tick with `events`
 * counted during it, the rest with none. A moving average that has never ticked
 * (`seeded` false) takes the first tick's instant rate as its value.
 *
 * @param rate - the current rate in events per second.
 * @param seeded - whether the average has ticked before.
 * @param alpha - from {@link ewmaAlpha}.
 * @param events - events counted during the first of the ticks.
 * @param ticks - how many ticks have elapsed, >= 1.
 * @returns the new rate in events per second; exactly 0 below {@link EWMA_ZERO_RATE_PER_SECOND}.
 */
export function ewmaTick(rate: number, seeded: boolean, alpha: number, events: number, ticks: number): number {
  const instant = events / TICK_SECONDS;
  let next = seeded ? rate + alpha * (instant - rate) : instant;
  if (ticks > 1 && next !== 0) next *= Math.pow(1 - alpha, ticks - 1);
  return next < EWMA_ZERO_RATE_PER_SECOND ? 0 : next;
}
