/**
 * Meter: counts events and their rate: a lifetime mean and 1-, 5- and 15-minute
 * exponentially weighted moving averages (Dropwizard Metrics' semantics).
 *
 * `mark()` only adds to the count: it reads no clock and checks no tick. The one
 * process-wide `unref()`ed tick timer tells the registry of each 5-second boundary, and
 * the registry tells its meters, which fold the events counted since the previous
 * boundary into their moving averages, so each mark counts in the tick in which it
 * happened. Reads catch up on ticks the timer has not delivered yet (a blocked event
 * loop), in closed form.
 *
 * @module
 */

import type { Tags } from '../names.js';
import type { MeterSnapshot } from './snapshot.js';
import { EventRates } from './event-rates.js';
import type { MetricContext } from './metric.js';

/**
 * A meter. Get one from `registry.meter(name)`.
 *
 * @example
 * ```ts
 * const jobs = registry.meter('jobs.done');
 * jobs.mark();
 * jobs.m1Rate; // events per second over about the last minute
 * ```
 */
export class Meter extends EventRates {
  /** Always `'meter'` (on the prototype: one less field per meter). */
  declare readonly type: 'meter';
  /** The dotted name. */
  readonly name: string;
  /** The tags, sorted by key and frozen. */
  readonly tags: Tags;

  /** @internal Use `registry.meter()`. */
  constructor(context: MetricContext) {
    super(context);
    this.name = context.name;
    this.tags = context.tags;
  }

  /**
   * Records `n` events. A negative or non-finite `n`, or one that would make the count
   * non-finite, is dropped and counted in `registry.invalidValues`; never throws.
   *
   * @param n - the number of events, default 1.
   */
  mark(n = 1): void {
    this.markEvents(n);
  }

  /** The JSON snapshot of this meter. */
  snapshot(): MeterSnapshot {
    return { type: 'meter', ...this.rates() };
  }
}
Object.defineProperty(Meter.prototype, 'type', { value: 'meter', enumerable: false, writable: false, configurable: false });
