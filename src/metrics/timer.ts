/**
 * Timer: a meter of timed events plus a histogram of their durations in milliseconds,
 * measured with the clock's monotonic time.
 *
 * @module
 */

import type { Clock } from '../clock.js';
import { InvalidArgumentError, show } from '../errors.js';
import { positiveNumber } from '../internal/options.js';
import { afterSettled, thenOf } from '../internal/thenable.js';
import { tagsCheck, type Tags } from '../names.js';
import type { DistributionFields, TimerSnapshot } from './snapshot.js';
import type { WindowedHistogramConfig } from '../stats/windowed-histogram.js';
import { BUCKET_SCHEMA, layoutOf, type BucketOptions } from './buckets.js';
import { Distribution, WINDOW_SCHEMA, type WindowOptions } from './distribution.js';
import { EventRates, type EventMarker } from './event-rates.js';
import { LifetimeBuckets, type LifetimeBucketsRead } from './lifetime-buckets.js';
import type { IntervalReader } from './interval-reader.js';
import type { MetricContext } from './metric.js';
import type { JsHistogram } from 'hdr-histogram-js';

/** Options of `registry.timer()`. */
export type TimerOptions = WindowOptions &
  BucketOptions & {
  /** Tags of this series. */
  readonly tags?: Tags;
  /**
   * Durations are bucketed as integer multiples of this many milliseconds; min, max,
   * mean and sum stay exact. A finite number > 0.
   *
   * @defaultValue 0.001 (1 µs)
   */
  readonly resolutionMs?: number;
};

/** The schema of {@link TimerOptions}. @internal */
export const TIMER_SCHEMA = Object.freeze({ tags: tagsCheck, ...WINDOW_SCHEMA, resolutionMs: positiveNumber, ...BUCKET_SCHEMA });

/** Anything that takes durations: a {@link Timer}, or a StatsD client's timer. */
export interface DurationSink {
  /** Records one duration in milliseconds. */
  update(durationMs: number): void;
}

/**
 * Calls `fn`, and gives `sink` how long it took: when it returns, when it throws (then
 * rethrows), or, if it returns a thenable, when that settles (see {@link afterSettled}:
 * the thenable comes back derived, so an unhandled rejection stays unhandled).
 *
 * @throws {@link InvalidArgumentError} if `fn` is not a function (nothing is recorded).
 * @internal
 */
export function timeCall<T>(clock: Clock, sink: DurationSink, fn: () => T): T {
  if (typeof fn !== 'function') {
    throw new InvalidArgumentError(
      `time() takes a function to call and time, received ${show(fn)}` +
        (thenOf(fn) === undefined ? '' : '; to time a promise, pass () => promise, or use start() and stop()'),
    );
  }
  const startMs = clock.monotonicMs();
  return afterSettled(fn, () => {
    sink.update(clock.monotonicMs() - startMs);
  });
}

/**
 * A running measurement from `timer.start()`. `stop()` records the duration once;
 * it also works with `using`.
 *
 * @example
 * ```ts
 * {
 *   using _ = timer.start();
 *   doWork();
 * } // recorded here
 * ```
 */
export class Stopwatch {
  readonly #sink: DurationSink;
  readonly #clock: Clock;
  readonly #startMs: number;
  #durationMs = -1;

  /** @internal Use `timer.start()`. */
  constructor(sink: DurationSink, clock: Clock) {
    this.#sink = sink;
    this.#clock = clock;
    this.#startMs = clock.monotonicMs();
  }

  /**
   * Records the elapsed time, the first time only, and returns it.
   *
   * @returns the duration in milliseconds (the same value on every call).
   */
  stop(): number {
    if (this.#durationMs < 0) {
      this.#durationMs = this.#clock.monotonicMs() - this.#startMs;
      this.#sink.update(this.#durationMs);
    }
    return this.#durationMs;
  }

  /** Stops the stopwatch when a `using` block ends. */
  [Symbol.dispose](): void {
    this.stop();
  }
}

/**
 * A timer. Get one from `registry.timer(name)`.
 *
 * @example
 * ```ts
 * const latency = registry.timer('db.query');
 * const rows = await latency.time(() => db.query(sql)); // returns what the function returns
 * ```
 */
export class Timer extends EventRates implements DurationSink {
  /** Always `'timer'` (on the prototype: one less field per timer). */
  declare readonly type: 'timer';
  /** The dotted name. */
  readonly name: string;
  /** The tags, sorted by key and frozen. */
  readonly tags: Tags;
  readonly #distribution: Distribution;

  /** @internal Use `registry.timer()`. */
  constructor(context: MetricContext, config: WindowedHistogramConfig) {
    super(context);
    this.name = context.name;
    this.tags = context.tags;
    // Lifetime buckets are attached at creation, so they cover every value the metric ever holds.
    const layout = layoutOf(config);
    this.#distribution = new Distribution(context.env, config, layout === null ? null : new LifetimeBuckets(layout));
  }

  /**
   * Records a known duration. Negative, non-finite or non-number durations are dropped
   * and counted in `registry.invalidValues`; never throws.
   *
   * @param durationMs - the duration in milliseconds.
   */
  update(durationMs: number): void {
    const distribution = this.#distribution;
    if (typeof durationMs === 'number' && durationMs >= 0 && durationMs <= distribution.maxValue) {
      this.markOne();
      distribution.record(durationMs);
    } else this.countInvalid();
  }

  /**
   * Calls `fn` and records how long it took. A plain value is returned as it is. If `fn`
   * throws, the duration is recorded and the error rethrown. If `fn` returns a promise
   * (or any thenable), the duration is recorded when it settles, fulfilled or rejected,
   * and a promise that settles the same way (`result.then(...)`, of the thenable's own
   * kind) is returned: a rejection you do not handle is still reported as unhandled.
   *
   * @throws {@link InvalidArgumentError} if `fn` is not a function, such as a promise
   *   (`time(promise)` instead of `time(() => promise)`); nothing is recorded.
   */
  time<T>(fn: () => T): T {
    return timeCall(this.clock, this, fn);
  }

  /**
   * @internal The rate part of this timer, to count events timed elsewhere (another
   * process's, merged by the cluster view). A new handle on each call.
   */
  get meter(): EventMarker {
    return {
      mark: (n = 1) => {
        this.markEvents(n);
      },
    };
  }

  /** Starts a {@link Stopwatch}; its `stop()` records the elapsed time once. */
  start(): Stopwatch {
    return new Stopwatch(this, this.clock);
  }

  /** Sum of all durations since creation, in milliseconds. */
  get sum(): number {
    return this.#distribution.sum;
  }

  /** Lifetime count and sum, and the statistics of the durations in the current window (ms). */
  statistics(): DistributionFields {
    return this.#distribution.fields();
  }

  /**
   * The current window as an `hdr-histogram-js` histogram (values in units of
   * `resolutionMs`); `null` when the window is empty.
   */
  toHdrHistogram(): JsHistogram | null {
    return this.#distribution.toHdr();
  }

  /** @internal The distribution itself (lifetime buckets, cross-process merging). */
  get distribution(): Distribution {
    return this.#distribution;
  }

  /**
   * @internal The lifetime bucket counts (with `buckets` or `nativeHistogram`), or
   * `null` when the metric has none.
   */
  lifetimeBuckets(): LifetimeBucketsRead | null {
    return this.#distribution.lifetimeBuckets();
  }

  /**
   * Opens a reader of the durations recorded from now on, for one consumer's
   * "since my last report" statistics (ms). Close it when done.
   */
  openInterval(): IntervalReader {
    return this.#distribution.openInterval();
  }

  /** The JSON snapshot of this timer (durations in ms, rates per second). */
  snapshot(): TimerSnapshot {
    const rates = this.rates();
    const d = this.#distribution.fields();
    return {
      type: 'timer', count: d.count, sum: d.sum,
      meanRate: rates.meanRate, m1Rate: rates.m1Rate, m5Rate: rates.m5Rate, m15Rate: rates.m15Rate,
      windowCount: d.windowCount, min: d.min, max: d.max, mean: d.mean, stddev: d.stddev,
      p50: d.p50, p75: d.p75, p95: d.p95, p98: d.p98, p99: d.p99, p999: d.p999,
    };
  }
}
Object.defineProperty(Timer.prototype, 'type', { value: 'timer', enumerable: false, writable: false, configurable: false });
