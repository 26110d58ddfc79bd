/**
 * The rate part that meters and timers share: a count of events, its lifetime mean rate
 * and 1-, 5- and 15-minute exponentially weighted moving averages (Dropwizard Metrics'
 * semantics), ticked by the registry.
 *
 * A base class rather than an object of its own, so that a timer holds its rates in
 * its own fields: one object per timer instead of two, and no second copy of its name,
 * tags, clock and tally (about 90 bytes per timer, measured in bench/metrics/memory.js).
 *
 * Counting an event reads no clock and checks no tick. The one process-wide
 * `unref()`ed tick timer tells the registry of each 5-second boundary, and the registry
 * calls {@link EventRates.onTick}, which folds the events counted since the previous
 * boundary into the moving averages, so each event counts in the tick in which it
 * happened. Reads catch up on ticks the timer has not delivered yet (a blocked event
 * loop), in closed form.
 *
 * @module
 */

import { currentTick, type Clock, type CoarseTicker } from '../clock.js';
import type { RateFields } from './snapshot.js';
import { ewmaAlpha, ewmaTick } from '../stats/ewma.js';
import type { InvalidValueTally, MetricContext } from './metric.js';

const M1_ALPHA = ewmaAlpha(1);
const M5_ALPHA = ewmaAlpha(5);
const M15_ALPHA = ewmaAlpha(15);

/** Anything events can be marked on: a meter, or the rate part of a timer. @internal */
export interface EventMarker {
  /** Records `n` events (invalid counts are dropped and counted). */
  mark(n?: number): void;
}

/**
 * The count and rates of a meter or a timer.
 *
 * @internal
 */
export abstract class EventRates {
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

  /** @internal */
  constructor(context: MetricContext) {
    this.#clock = context.clock;
    this.#ticker = context.ticker;
    this.#invalid = context.invalid;
    this.#startMs = context.clock.monotonicMs();
    this.#lastTick = currentTick(context.clock, context.ticker);
  }

  /**
   * @internal Records `n` events. A negative or non-finite `n`, or one that would make
   * the count non-finite, is dropped and counted in `registry.invalidValues`.
   */
  protected markEvents(n: number): void {
    if (typeof n === 'number' && n >= 0 && Number.isFinite(this.#count + n)) this.#count += n;
    else this.#invalid.count++;
  }

  /** @internal Records one event (always valid: a count never reaches Infinity by ones). */
  protected markOne(): void {
    this.#count++;
  }

  /** @internal Counts one invalid value in the registry's tally. */
  protected countInvalid(): void {
    this.#invalid.count++;
  }

  /** @internal The clock this metric reads. */
  protected get clock(): Clock {
    return this.#clock;
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

  /** Events counted since creation. */
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
}
