/**
 * Gauge: a value read at report time from a callback (sync or async), or set by hand.
 *
 * A gauge that throws, rejects, times out or returns something other than a finite
 * number is reported as an error for that gauge alone.
 *
 * @module
 */

import { show } from '../errors.js';
import { number, oneOf } from '../internal/options.js';
import { tagsCheck, type Tags } from '../names.js';
import type { GaugeSnapshot } from './snapshot.js';
import { optionDifference, type InvalidValueTally, type MetricContext, type OptionDifference } from './metric.js';

/** A gauge callback: returns the current value, or a promise of it. */
export type GaugeReader = () => number | PromiseLike<number>;

/**
 * How a fleet view (`tapemeasure/cluster`) combines the values of one gauge reported by
 * several processes: their `sum`, `min` or `max`, the `last` value received, or
 * `perWorker`, one series per process tagged `worker` (never a silent sum).
 */
export type GaugeAggregation = 'sum' | 'min' | 'max' | 'last' | 'perWorker';

/** The default {@link GaugeAggregation}. @internal */
export const DEFAULT_GAUGE_AGGREGATION: GaugeAggregation = 'perWorker';

/** How long an async gauge may take before it is reported as timed out, by default. @internal */
export const DEFAULT_GAUGE_TIMEOUT_MS = 1_000;

/** Options of `registry.gauge()`. */
export type GaugeOptions = {
  /** Tags of this series. */
  readonly tags?: Tags;
  /**
   * How long an async callback may take, in milliseconds, before the gauge is reported
   * as timed out: more than 0, at most 2147483647 (the longest timer Node.js sets).
   *
   * @defaultValue 1000
   */
  readonly timeoutMs?: number;
  /**
   * How a fleet view (`aggregate()` of `tapemeasure/cluster`) combines this gauge's values
   * from several processes: `'sum'`, `'min'`, `'max'`, `'last'` (the most recent value
   * received) or `'perWorker'` (one series per process, tagged `worker`). Has no effect
   * in a single process.
   *
   * @defaultValue 'perWorker'
   */
  readonly aggregate?: GaugeAggregation;
};

/** The schema of {@link GaugeOptions}. @internal */
export const GAUGE_SCHEMA = Object.freeze({
  tags: tagsCheck,
  timeoutMs: number(0, 2_147_483_647, true),
  aggregate: oneOf('sum', 'min', 'max', 'last', 'perWorker'),
});

/** What the series of one gauge name share: how they are read. Interned: compare by identity. @internal */
export type GaugeConfig = {
  /** Set by hand (no callback). */
  readonly settable: boolean;
  /** The timeout of an async callback. */
  readonly timeoutMs: number;
  /** How a fleet view combines the values of several processes. */
  readonly aggregate: GaugeAggregation;
};

const gaugeConfigs = new Map<string, GaugeConfig>();

/** The interned {@link GaugeConfig}. @internal */
export function gaugeConfig(
  settable: boolean,
  timeoutMs: number,
  aggregate: GaugeAggregation = DEFAULT_GAUGE_AGGREGATION,
): GaugeConfig {
  const key = `${settable} ${timeoutMs} ${aggregate}`;
  let config = gaugeConfigs.get(key);
  if (config === undefined) {
    config = Object.freeze({ settable, timeoutMs, aggregate });
    gaugeConfigs.set(key, config);
  }
  return config;
}

/** How two gauge configs differ, in words. @internal */
export function gaugeDifferences(existing: GaugeConfig, asked: GaugeConfig): OptionDifference[] {
  const out: OptionDifference[] = [];
  if (existing.settable !== asked.settable) {
    const kind = (settable: boolean): string => (settable ? 'settable' : 'callback');
    out.push({
      pair: `${kind(existing.settable)} vs ${kind(asked.settable)}`,
      existing: existing.settable ? 'as a settable gauge (no callback)' : 'as a callback gauge',
      asked: asked.settable ? 'a settable gauge (no callback)' : 'a callback gauge',
    });
  }
  optionDifference('timeoutMs', existing.timeoutMs, asked.timeoutMs, out);
  if (existing.aggregate !== asked.aggregate) {
    out.push({
      pair: `aggregate ${existing.aggregate} vs ${asked.aggregate}`,
      existing: `with aggregate '${existing.aggregate}'`,
      asked: `'${asked.aggregate}'`,
    });
  }
  return out;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `threw ${show(error)}`;
}

/**
 * A gauge. `registry.gauge(name, () => queue.length)` reads a callback at report time;
 * `registry.gauge(name)` returns a settable gauge.
 *
 * @example
 * ```ts
 * registry.gauge('queue.depth', () => queue.length);
 * registry.gauge('pool.idle', async () => await pool.idleCount());
 * const temperature = registry.gauge('room.temperature');
 * temperature.set(21.5);
 * ```
 */
export class Gauge {
  /** Always `'gauge'` (on the prototype: one less field per gauge). */
  declare readonly type: 'gauge';
  /** The dotted name. */
  readonly name: string;
  /** The tags, sorted by key and frozen. */
  readonly tags: Tags;
  /** Whether the gauge is set by hand (no callback). On the prototype: `true` here, `false` for a callback gauge. */
  declare readonly settable: boolean;
  /** How a fleet view combines this gauge's values from several processes. */
  readonly aggregate: GaugeAggregation;
  #reader: GaugeReader | null;
  // A number field that only ever holds numbers (NaN for "no value"), initialised here,
  // so V8 stores it unboxed and set() allocates nothing.
  #value = 0;
  #error: string | undefined = undefined;
  #pending: Promise<void> | null = null;
  readonly #timeoutMs: number;
  readonly #invalid: InvalidValueTally;

  /** @internal Use `registry.gauge()`. */
  constructor(
    context: MetricContext,
    reader: GaugeReader | null,
    timeoutMs: number,
    aggregate: GaugeAggregation = DEFAULT_GAUGE_AGGREGATION,
  ) {
    this.name = context.name;
    this.aggregate = aggregate;
    this.tags = context.tags;
    this.#invalid = context.env.invalid;
    this.#reader = reader;
    this.#value = reader === null ? 0 : Number.NaN;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Sets a settable gauge. A non-finite value, or a call on a callback gauge, is dropped
   * and counted in `registry.invalidValues`; never throws.
   */
  set(value: number): void {
    // No `settable` test here: a callback gauge is a CallbackGauge, whose set() drops.
    if (Number.isFinite(value)) this.#value = value;
    else this.#invalid.count++;
  }

  /**
   * Adds `n` to a settable gauge (default 1). Invalid input, or an `n` that would make
   * the value non-finite, is dropped and counted.
   */
  inc(n = 1): void {
    if (Number.isFinite(n) && Number.isFinite(this.#value + n)) this.#value += n;
    else this.#invalid.count++;
  }

  /** Subtracts `n` from a settable gauge (default 1). Invalid input is dropped and counted. */
  dec(n = 1): void {
    if (typeof n === 'number') this.inc(-n);
    else this.#invalid.count++;
  }

  /**
   * The value now: a settable gauge's value, a sync callback's result, or an async
   * callback's last settled result (a refresh is started if none is running).
   * `null` if reading failed.
   */
  get value(): number | null {
    return this.snapshot().value;
  }

  #reading(): GaugeSnapshot {
    return this.#error === undefined && !Number.isNaN(this.#value)
      ? { type: 'gauge', value: this.#value }
      : { type: 'gauge', value: null, error: this.#error ?? 'no value' };
  }

  /** @internal Replaces the callback (hot reload). */
  setReader(reader: GaugeReader): void {
    this.#reader = reader;
  }

  /** @internal The current callback. */
  get reader(): GaugeReader | null {
    return this.#reader;
  }

  #accept(result: unknown): void {
    if (typeof result === 'number' && Number.isFinite(result)) {
      this.#value = result;
      this.#error = undefined;
    } else {
      this.#value = Number.NaN;
      this.#error = `returned ${show(result)}, not a finite number`;
    }
  }

  #fail(error: unknown): void {
    this.#value = Number.NaN;
    this.#error = describe(error);
  }

  /** Calls the reader; for a promise, starts tracking it. Never throws. */
  #start(): void {
    const reader = this.#reader;
    if (reader === null || this.#pending !== null) return;
    let result: unknown;
    try {
      result = reader();
    } catch (error) {
      this.#fail(error);
      return;
    }
    if (!isThenable(result)) {
      this.#accept(result);
      return;
    }
    if (Number.isNaN(this.#value) && this.#error === undefined) this.#error = 'pending: the async gauge has not settled yet';
    const pending = Promise.resolve(result).then(
      (v) => { this.#accept(v); },
      (error: unknown) => { this.#fail(error); },
    );
    this.#pending = pending;
    void pending.finally(() => {
      if (this.#pending === pending) this.#pending = null;
    });
  }

  /**
   * Reads the gauge synchronously: async callbacks contribute their last settled value.
   */
  snapshot(): GaugeSnapshot {
    if (!this.settable) this.#start();
    return this.#reading();
  }

  /**
   * Reads the gauge, waiting for an async callback up to its timeout. A callback that
   * never settles is reported as timed out and is not called again until it settles.
   *
   * @param boundMs - wait at most this long, if shorter than the gauge's own timeout
   *   (a reporter's `stop()` bounds the read by what is left of its budget).
   */
  async collect(boundMs?: number): Promise<GaugeSnapshot> {
    if (!this.settable) {
      const timeoutMs = boundMs === undefined || !(boundMs < this.#timeoutMs) ? this.#timeoutMs : Math.max(0, boundMs);
      this.#start();
      const pending = this.#pending;
      if (pending !== null) {
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          pending.then(() => false),
          new Promise<boolean>((resolve) => {
            // Not unref()ed: a short script awaiting collect() must see the timeout, not
            // exit early; the timer is cleared as soon as the gauge settles.
            timer = setTimeout(resolve, timeoutMs, true);
          }),
        ]);
        clearTimeout(timer);
        if (timedOut) return { type: 'gauge', value: null, error: `timed out after ${timeoutMs} ms` };
      }
    }
    return this.#reading();
  }
}
Object.defineProperty(Gauge.prototype, 'type', { value: 'gauge', enumerable: false, writable: false, configurable: false });
Object.defineProperty(Gauge.prototype, 'settable', { value: true, enumerable: false, writable: false, configurable: false });

/**
 * A gauge read from a callback: `set()`, `inc()` and `dec()` are dropped and counted in
 * `registry.invalidValues`, as a non-finite value is. A class of its own so that a
 * settable gauge's `set()` tests nothing but its value (one field store, the floor).
 *
 * @internal Use `registry.gauge(name, callback)`.
 */
export class CallbackGauge extends Gauge {
  /** Dropped and counted: a callback gauge is not set by hand. */
  override set(_value: number): void {
    super.set(Number.NaN);
  }

  /** Dropped and counted: a callback gauge is not set by hand. */
  override inc(_n?: number): void {
    super.inc(Number.NaN);
  }
}
Object.defineProperty(CallbackGauge.prototype, 'settable', { value: false, enumerable: false, writable: false, configurable: false });
