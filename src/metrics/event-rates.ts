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

import { currentTick, type Clock } from '../clock.js';
import type { RateFields } from './snapshot.js';
import { ewmaAlpha, ewmaTick } from '../stats/ewma.js';
import type { MetricContext, MetricEnv } from './metric.js';

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
  /** Events carried in by {@link EventRates.carryEvents}: in the count, never in a rate. */
  #carried = 0;
  #lastTick: number;
  readonly #startMs: number;
  // The three moving averages, in events per second, all seeded by the same first tick.
  #m1 = 0;
  #m5 = 0;
  #m15 = 0;
  #seeded = false;
  /** The registry's clock, ticker and tally (shared). */
  readonly #env: MetricEnv;

  /** @internal */
  constructor(context: MetricContext) {
    const env = context.env;
    this.#env = env;
    this.#startMs = env.clock.monotonicMs();
    this.#lastTick = currentTick(env.clock, env.ticker);
  }

  /**
   * @internal Records `n` events. A negative or non-finite `n`, or one that would make
   * the count non-finite, is dropped and counted in `registry.invalidValues`.
   */
  protected markEvents(n: number): void {
    if (typeof n === 'number' && n >= 0 && Number.isFinite(this.#count + n)) this.#count += n;
    else this.#env.invalid.count++;
  }

  /** @internal Records one event (always valid: a count never reaches Infinity by ones). */
  protected markOne(): void {
    this.#count++;
  }

  /**
   * @internal Adds `n` events that happened before this metric could see them (the cluster
   * view meeting a worker's totals after the aggregator restarted): they count in `count`,
   * and in no rate, so the rates show no burst. A negative or non-finite `n` is ignored.
   */
  carryEvents(n: number): void {
    if (!(n > 0) || !Number.isFinite(this.#count + n)) return;
    // Fold the events counted so far into their ticks first, then step past the carried ones.
    EventRates.#catchUp(this);
    this.#count += n;
    this.#countAtTick += n;
    this.#carried += n;
  }

  /** @internal Counts one invalid value in the registry's tally. */
  protected countInvalid(): void {
    this.#env.invalid.count++;
  }

  /** @internal The clock this metric reads. */
  protected get clock(): Clock {
    return this.#env.clock;
  }

  /** @internal Called by the registry at each tick boundary. */
  onTick(tick: number): void {
    if (tick > this.#lastTick) EventRates.#advance(this, tick);
  }

  /**
   * Folds the ticks between the last one seen and `tick` into the moving averages.
   * Static, like {@link EventRates.#catchUp}: a private instance method would cost every
   * meter and timer a brand field.
   */
  static #advance(self: EventRates, tick: number): void {
    const ticks = tick - self.#lastTick;
    if (ticks <= 0) return;
    const events = self.#count - self.#countAtTick;
    self.#countAtTick = self.#count;
    self.#lastTick = tick;
    const seeded = self.#seeded;
    if (seeded && events === 0 && self.#m1 === 0 && self.#m5 === 0 && self.#m15 === 0) return;
    self.#m1 = ewmaTick(self.#m1, seeded, M1_ALPHA, events, ticks);
    self.#m5 = ewmaTick(self.#m5, seeded, M5_ALPHA, events, ticks);
    self.#m15 = ewmaTick(self.#m15, seeded, M15_ALPHA, events, ticks);
    self.#seeded = true;
  }

  static #catchUp(self: EventRates): void {
    EventRates.#advance(self, currentTick(self.#env.clock, self.#env.ticker));
  }

  /** Events counted since creation. */
  get count(): number {
    return this.#count;
  }

  /** Lifetime mean rate in events per second (0 before the first event). */
  get meanRate(): number {
    const seen = this.#count - this.#carried;
    if (seen === 0) return 0;
    const elapsedMs = this.#env.clock.monotonicMs() - this.#startMs;
    // Divided first: `count * 1000` would overflow for a count above about 1.8e305.
    return elapsedMs <= 0 ? 0 : seen / (elapsedMs / 1000);
  }

  /** 1-minute moving average rate, events per second. */
  get m1Rate(): number {
    EventRates.#catchUp(this);
    return this.#m1;
  }

  /** 5-minute moving average rate, events per second. */
  get m5Rate(): number {
    EventRates.#catchUp(this);
    return this.#m5;
  }

  /** 15-minute moving average rate, events per second. */
  get m15Rate(): number {
    EventRates.#catchUp(this);
    return this.#m15;
  }

  /** @internal All rate fields at one instant. */
  rates(): RateFields {
    EventRates.#catchUp(this);
    return {
      count: this.#count,
      meanRate: this.meanRate,
      m1Rate: this.#m1,
      m5Rate: this.#m5,
      m15Rate: this.#m15,
    };
  }
}
