/**
 * Expiry of idle series (`expireAfterMs`): a series whose count (counters, meters,
 * histograms, timers) or value (settable gauges) has not changed for that long is
 * removed from the registry, and so from every output. Callback gauges never expire:
 * the application answers for them at each read.
 *
 * Idle detection costs the hot paths nothing: a sweep on the registry's coarse 5-second
 * tick (one shared `unref()`ed timer, or a `ManualClock`'s `advance()`) compares each
 * series' count with the one it saw last. Sweeps run every quarter of `expireAfterMs`
 * (at least every tick) and are sliced: they yield to the event loop whenever a slice
 * has run its time, so a registry of 100,000 series never stalls the application.
 *
 * An expired series is not lost if someone still holds it. The registry keeps a weak
 * reference to it: asking for the same name and tags again brings the same object back
 * (its counts intact), and a held handle that records again is put back by the next
 * sweep. Listeners are told `onRemoved(metric, 'expired')` at expiry (the final count
 * is `metric.count` then: a reporter that sends deltas sends what it has not sent yet)
 * and `onAdded(metric, 'revived')` when it comes back.
 *
 * @module
 */

import { TICK_MS } from '../clock.js';
import { sliceYielder } from '../internal/slicer.js';
import type { MetricType } from '../metrics/metric.js';
import type { Tags } from '../names.js';
import type { FamilyOptions } from './conflicts.js';
import { SeriesIndex } from './series-index.js';
import type { Metric } from './types.js';

/** What the registry keeps of an expired series. @internal */
export type Expired = {
  readonly ref: WeakRef<Metric>;
  readonly type: MetricType;
  readonly name: string;
  readonly tags: Tags;
  readonly options: FamilyOptions;
  /** The count or value at expiry: a change means a held handle recorded again. */
  readonly mark: number;
};

/** What the sweeps do to the registry. @internal */
export type ExpiryHost = {
  /** Removes an idle series, telling listeners `onRemoved(metric, 'expired')`. */
  expire(metric: Metric): void;
  /** Puts an expired series back, telling listeners `onAdded(metric, 'revived')`; false if its place is taken. */
  revive(expired: Expired, metric: Metric): boolean;
};

type Watch = { mark: number; seenTick: number; readonly options: FamilyOptions };

/** How many series are checked between two looks at the slice's clock. */
const CHECKS_PER_LOOK = 256;

/** What tells a series' activity: its count, or a settable gauge's value; `undefined` never expires. */
function markOf(metric: Metric): number | undefined {
  if (metric.type !== 'gauge') return metric.count;
  return metric.settable ? (metric.value ?? Number.NaN) : undefined;
}

/** @internal */
export class Expiry {
  /** How long a series may stay idle. */
  readonly expireAfterMs: number;
  /** Whole ticks a series must have been seen idle: one more than `expireAfterMs` covers, for the tick's granularity. */
  readonly #idleTicks: number;
  /** Ticks between two sweeps. */
  readonly #everyTicks: number;
  readonly #host: ExpiryHost;
  readonly #watched = new Map<Metric, Watch>();
  /** Expired series by name and tags, for lookups, and all of them, for the sweeps. */
  readonly #byName = new Map<string, SeriesIndex<Expired>>();
  readonly #expired = new Set<Expired>();
  #lastSweepTick: number;
  #sweeping = false;

  constructor(expireAfterMs: number, host: ExpiryHost, tick: number) {
    this.expireAfterMs = expireAfterMs;
    this.#host = host;
    this.#idleTicks = Math.ceil(expireAfterMs / TICK_MS) + 1;
    this.#everyTicks = Math.max(1, Math.floor(this.#idleTicks / 4));
    this.#lastSweepTick = tick;
  }

  /** The number of expired series still referenced (for tests and diagnostics). */
  get expiredCount(): number {
    return this.#expired.size;
  }

  /** Starts watching a new (or revived) series. */
  added(metric: Metric, options: FamilyOptions, tick: number): void {
    const mark = markOf(metric);
    if (mark !== undefined) this.#watched.set(metric, { mark, seenTick: tick, options });
  }

  /** Stops watching a removed series. */
  removed(metric: Metric): void {
    this.#watched.delete(metric);
  }

  /** The expired series of this name and tags, taken out of the expired ones, if it is still alive. */
  take(name: string, tags: Tags): { expired: Expired; metric: Metric } | undefined {
    const expired = this.#byName.get(name)?.get(tags);
    if (expired === undefined) return undefined;
    this.#forget(expired);
    const metric = expired.ref.deref();
    return metric === undefined ? undefined : { expired, metric };
  }

  /** Called at each tick: starts a sweep when one is due and none is running. */
  onTick(tick: number): void {
    if (this.#sweeping || tick - this.#lastSweepTick < this.#everyTicks) return;
    this.#lastSweepTick = tick;
    this.#sweeping = true;
    void this.#sweep(tick);
  }

  /** One sweep: expires idle series, drops collected ones, revives those recorded again. Never rejects. */
  async #sweep(tick: number): Promise<void> {
    // The flag is reset in this function's own finally: a sweep that never had to yield
    // is over, synchronously, before onTick returns.
    try {
      const pause = sliceYielder();
      let checks = 0;
      // A Map's iteration sees deletions and additions made meanwhile, so the series that
      // expire (deleted) and those added while the sweep yields are handled correctly.
      for (const [metric, watch] of this.#watched) {
        const mark = markOf(metric);
        if (mark !== watch.mark) {
          watch.mark = mark ?? Number.NaN;
          watch.seenTick = tick;
        } else if (tick - watch.seenTick >= this.#idleTicks) {
          this.#watched.delete(metric);
          this.#remember(metric, watch);
          this.#host.expire(metric);
        }
        if (++checks % CHECKS_PER_LOOK === 0) {
          const wait = pause();
          if (wait !== undefined) await wait;
        }
      }
      for (const expired of this.#expired) {
        const metric = expired.ref.deref();
        if (metric === undefined) this.#forget(expired);
        else if (markOf(metric) !== expired.mark) {
          this.#forget(expired);
          this.#host.revive(expired, metric);
        }
        if (++checks % CHECKS_PER_LOOK === 0) {
          const wait = pause();
          if (wait !== undefined) await wait;
        }
      }
    } finally {
      this.#sweeping = false;
    }
  }

  #remember(metric: Metric, watch: Watch): void {
    const expired: Expired = {
      ref: new WeakRef(metric),
      type: metric.type,
      name: metric.name,
      tags: metric.tags,
      options: watch.options,
      mark: watch.mark,
    };
    const previous = this.#byName.get(metric.name)?.get(metric.tags);
    if (previous !== undefined) this.#forget(previous);
    let index = this.#byName.get(metric.name);
    if (index === undefined) {
      index = new SeriesIndex<Expired>();
      this.#byName.set(metric.name, index);
    }
    index.set(metric.tags, expired);
    this.#expired.add(expired);
  }

  #forget(expired: Expired): void {
    this.#expired.delete(expired);
    const index = this.#byName.get(expired.name);
    if (index === undefined) return;
    index.delete(expired.tags, expired);
    if (index.size === 0) this.#byName.delete(expired.name);
  }
}
