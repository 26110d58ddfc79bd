/**
 * Time sources. Everything in tapemeasure that reads time takes a {@link Clock}, so
 * tests can inject a {@link ManualClock} and never sleep.
 *
 * @module
 */

import { checkValue, is, number, readOptions, type Check } from './internal/options.js';
import { ErrorCodes, MetricsError } from './errors.js';
import { WarningLimiter } from './internal/warnings.js';

/**
 * A source of time. Implement it to drive tapemeasure from your own time source;
 * use {@link ManualClock} in tests and {@link systemClock} (the default) otherwise.
 */
export interface Clock {
  /** Wall-clock time in milliseconds since the Unix epoch (used for report timestamps). */
  now(): number;
  /**
   * Monotonic time in milliseconds, fractional, from an arbitrary origin (used for
   * durations, rates and windows). It must never go backwards and never be negative.
   */
  monotonicMs(): number;
}

/**
 * The length of one coarse tick in milliseconds: meters tick their moving averages
 * and histograms rotate their window slices on multiples of it.
 */
export const TICK_MS = 5_000;

/**
 * Told of each new coarse tick by the ticker it subscribed to.
 *
 * @internal
 */
export interface TickListener {
  /** Called once per new tick (or once for several, if the timer was late). */
  onTick(tick: number): void;
}

/**
 * A coarse, process-wide tick counter: `tick` is `floor(clock.monotonicMs() / TICK_MS)`,
 * kept current without the hot paths reading the clock.
 */
export interface CoarseTicker {
  /** The index of the current 5-second tick. */
  readonly tick: number;
  /**
   * Subscribes a listener to new ticks, weakly: a listener that is garbage collected
   * is dropped. @internal
   */
  subscribe(listener: TickListener): void;
}

/** Tick listeners that throw: one `ERR_TAPEMEASURE_TICK_FAILED` warning a minute, process-wide. */
const tickWarnings = new WarningLimiter();

class MutableTicker implements CoarseTicker {
  tick: number;
  readonly #listeners = new Set<WeakRef<TickListener>>();
  /** Starts the timer that keeps this ticker current, if it is not running (none for a ManualClock). */
  readonly #wake: (() => void) | null;

  constructor(tick: number, wake: (() => void) | null = null) {
    this.tick = tick;
    this.#wake = wake;
  }

  subscribe(listener: TickListener): void {
    this.#listeners.add(new WeakRef(listener));
    this.#wake?.();
  }

  /** Whether any listener is still alive (dead ones are dropped as they are found). */
  get listened(): boolean {
    for (const ref of this.#listeners) {
      if (ref.deref() !== undefined) return true;
      this.#listeners.delete(ref);
    }
    return false;
  }

  /** Moves to `tick` and tells every live listener. Never throws. */
  advanceTo(tick: number): void {
    if (tick <= this.tick) return;
    this.tick = tick;
    for (const ref of this.#listeners) {
      const listener = ref.deref();
      if (listener === undefined) {
        this.#listeners.delete(ref);
        continue;
      }
      try {
        listener.onTick(tick);
      } catch (error) {
        tickWarnings.warn(
          new MetricsError(ErrorCodes.TICK_FAILED, `a tick listener threw at tick ${tick}; the other listeners still ran`, {
            cause: error,
          }),
        );
      }
    }
  }
}

const nowFromPerformance = performance.now.bind(performance);

/** The system clock: `Date.now()` for wall time, `performance.now()` for monotonic time. */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  monotonicMs: nowFromPerformance,
});

const finite = number();
const nonNegative = number(0);

/** Options of a {@link ManualClock}. */
export type ManualClockOptions = {
  /**
   * The initial wall time, in milliseconds since the Unix epoch.
   *
   * @defaultValue 0
   */
  readonly nowMs?: number;
  /**
   * The initial monotonic time, in milliseconds, finite and >= 0.
   *
   * @defaultValue 0
   */
  readonly monotonicMs?: number;
};

const MANUAL_CLOCK_SCHEMA = Object.freeze({ nowMs: finite, monotonicMs: nonNegative });

/**
 * A clock that moves only when told. Exported for tests (yours too): inject it into a
 * `Registry` and move time with {@link ManualClock.advance}.
 *
 * @example
 * ```ts
 * const clock = new ManualClock();
 * const registry = new Registry({ clock });
 * registry.meter('jobs').mark(3);
 * clock.advance(5_000);
 * registry.meter('jobs').m1Rate; // 0.6
 * ```
 */
export class ManualClock implements Clock {
  #wallMs: number;
  #monotonicMs: number;
  readonly #ticker: MutableTicker;

  /**
   * @param options - the initial wall and monotonic times.
   * @throws {@link InvalidOptionError} for a non-finite time or a negative `monotonicMs`;
   *   {@link UnknownOptionError} for an unknown option.
   */
  constructor(options?: ManualClockOptions) {
    const read = readOptions('ManualClock', options, MANUAL_CLOCK_SCHEMA);
    this.#wallMs = read.nowMs ?? 0;
    this.#monotonicMs = read.monotonicMs ?? 0;
    this.#ticker = new MutableTicker(Math.floor(this.#monotonicMs / TICK_MS));
  }

  /** @inheritDoc */
  now(): number {
    return this.#wallMs;
  }

  /** @inheritDoc */
  monotonicMs(): number {
    return this.#monotonicMs;
  }

  /**
   * Moves both wall and monotonic time forward.
   *
   * @param ms - milliseconds to move, finite and not negative.
   * @throws {@link InvalidOptionError} if `ms` is negative or not finite.
   */
  advance(ms: number): void {
    checkValue('ManualClock.advance()', 'ms', ms, nonNegative);
    this.#wallMs += ms;
    this.#monotonicMs += ms;
    this.#ticker.advanceTo(Math.floor(this.#monotonicMs / TICK_MS));
  }

  /**
   * Sets the wall time only (monotonic time cannot be set back).
   *
   * @param nowMs - milliseconds since the Unix epoch.
   */
  setNow(nowMs: number): void {
    checkValue('ManualClock.setNow()', 'nowMs', nowMs, finite);
    this.#wallMs = nowMs;
  }

  /** @internal The ticker that follows this clock, moved by `advance()`. */
  get ticker(): CoarseTicker {
    return this.#ticker;
  }
}

const tickers = new WeakMap<Clock, MutableTicker>();

/**
 * Returns the coarse ticker for a clock. For the system clock (and any custom clock)
 * one `unref()`ed timer per clock keeps it current, firing just after each tick
 * boundary while some registry listens; a {@link ManualClock} moves its own ticker when
 * advanced.
 *
 * @internal
 */
export function tickerFor(clock: Clock): CoarseTicker {
  if (clock instanceof ManualClock) return clock.ticker;
  let ticker = tickers.get(clock);
  if (ticker === undefined) {
    let running = false;
    const schedule = (): void => {
      const nowMs = clock.monotonicMs();
      t.advanceTo(Math.floor(nowMs / TICK_MS));
      // Once no registry listens any more, the timer stops (and the clock can be
      // collected); a new subscriber wakes it.
      if (!t.listened) {
        running = false;
        return;
      }
      setTimeout(schedule, TICK_MS - (nowMs % TICK_MS) + 1).unref();
    };
    const wake = (): void => {
      if (running) return;
      running = true;
      const nowMs = clock.monotonicMs();
      t.advanceTo(Math.floor(nowMs / TICK_MS));
      setTimeout(schedule, TICK_MS - (nowMs % TICK_MS) + 1).unref();
    };
    const t = new MutableTicker(Math.floor(clock.monotonicMs() / TICK_MS), wake);
    tickers.set(clock, t);
    ticker = t;
  }
  return ticker;
}

/**
 * Reads the current tick straight from the clock, for read paths (which may read the
 * clock) that must not wait for a late ticker timer.
 *
 * @internal
 */
export function currentTick(clock: Clock, ticker: CoarseTicker): number {
  const tick = Math.floor(clock.monotonicMs() / TICK_MS);
  return tick > ticker.tick ? tick : ticker.tick;
}

/** The check of a `clock` option: anything with `now()` and `monotonicMs()`. @internal */
export const clockCheck: Check<Clock> = is(
  'a Clock (an object with now() and monotonicMs())',
  (v): v is Clock =>
    v !== null &&
    typeof v === 'object' &&
    typeof (v as Partial<Clock>).now === 'function' &&
    typeof (v as Partial<Clock>).monotonicMs === 'function',
);
