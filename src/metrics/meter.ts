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

import { currentTick, type Clock, type CoarseTicker } from '../clock.js';
import type { Tags } from '../names.js';
import type { MeterSnapshot, RateFields } from './snapshot.js';
import { ewmaAlpha, ewmaTick } from '../stats/ewma.js';
import type { InvalidValueTally, MetricContext } from './metric.js';

const M1_ALPHA = ewmaAlpha(1);
const M5_ALPHA = ewmaAlpha(5);
const M15_ALPHA = ewmaAlpha(15);

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
export class Meter {
  /** Always `'meter'`. */
  readonly type = 'meter' as const;
  /** The dotted name. */
  readonly name: string;
  /** The tags, sorted by key and frozen. */
  readonly tags: Tags;
  #count = 0;
  /** The count at the last tick folded into the moving averages. */
  #countAtTick = 0;
  #lastTick: number;
  readonly #startMs: number;
  // The three moving averages, in events per second, all seeded by the same first tick.
  #m1 = 0;
  #m5 = 0;
  #m15 = 0;
  #seeded = false;
  readonly #clock: Clock;
  readonly #ticker: CoarseTicker;
  readonly #invalid: InvalidValueTally;

  /** @internal Use `registry.meter()`. */
  constructor(context: MetricContext) {
    this.name = context.name;
    this.tags = context.tags;
    this.#clock = context.clock;
    this.#ticker = context.ticker;
    this.#invalid = context.invalid;
    this.#startMs = context.clock.monotonicMs();
    this.#lastTick = currentTick(context.clock, context.ticker);
  }

  /**
   * Records `n` events. A negative or non-finite `n`, or one that would make the count
   * non-finite, is dropped and counted in `registry.invalidValues`; never throws.
   *
   * @param n - the number of events, default 1.
   */
  mark(n = 1): void {
    if (typeof n === 'number' && n >= 0 && Number.isFinite(this.#count + n)) this.#count += n;
    else this.#invalid.count++;
  }

  /** @internal Called by the registry at each tick boundary. */
  onTick(tick: number): void {
    if (tick > this.#lastTick) this.#advance(tick);
  }

  /** Folds the ticks between the last one seen and `tick` into the moving averages. */
  #advance(tick: number): void {
    const ticks = tick - this.#lastTick;
    if (ticks <= 0) return;
    const events = this.#count - this.#countAtTick;
    this.#countAtTick = this.#count;
    this.#lastTick = tick;
    const seeded = this.#seeded;
    if (seeded && events === 0 && this.#m1 === 0 && this.#m5 === 0 && this.#m15 === 0) return;
    this.#m1 = ewmaTick(this.#m1, seeded, M1_ALPHA, events, ticks);
    this.#m5 = ewmaTick(this.#m5, seeded, M5_ALPHA, events, ticks);
    this.#m15 = ewmaTick(this.#m15, seeded, M15_ALPHA, events, ticks);
    this.#seeded = true;
  }

  #catchUp(): void {
    this.#advance(currentTick(this.#clock, this.#ticker));
  }

  /** Events marked since creation. */
  get count(): number {
    return this.#count;
  }

  /** Lifetime mean rate in events per second (0 before the first event). */
  get meanRate(): number {
    if (this.#count === 0) return 0;
    const elapsedMs = this.#clock.monotonicMs() - this.#startMs;
    // Divided first: `count * 1000` would overflow for a count above about 1.8e305.
    return elapsedMs <= 0 ? 0 : this.#count / (elapsedMs / 1000);
  }

  /** 1-minute moving average rate, events per second. */
  get m1Rate(): number {
    this.#catchUp();
    return this.#m1;
  }

  /** 5-minute moving average rate, events per second. */
  get m5Rate(): number {
    this.#catchUp();
    return this.#m5;
  }

  /** 15-minute moving average rate, events per second. */
  get m15Rate(): number {
    this.#catchUp();
    return this.#m15;
  }

  /** @internal All rate fields at one instant. */
  rates(): RateFields {
    this.#catchUp();
    return {
      count: this.#count,
      meanRate: this.meanRate,
      m1Rate: this.#m1,
      m5Rate: this.#m5,
      m15Rate: this.#m15,
    };
  }

  /** The JSON snapshot of this meter. */
  snapshot(): MeterSnapshot {
    return { type: 'meter', ...this.rates() };
  }
}
