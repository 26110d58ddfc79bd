/**
 * The dashboard's sampler: the history ring exists only while someone looks. The first
 * feed request creates the ring, takes a sample at once and starts one `unref()`ed
 * interval timer; every `intervalMs` a sample reads the registry (yielding to the event
 * loop every few milliseconds, like a scrape); when no feed request has come for
 * `idleTimeoutMs`, the timer stops and the ring is dropped. Before the first request
 * nothing runs and nothing is allocated.
 *
 * Per sample and series: a counter's and a timer's rate come from their count's change
 * since the previous sample (events per second over the last interval); a meter's rate is
 * its 1-minute rate; quantiles are the metric's own window quantiles. The rows of HTTP
 * routes gather the timers tagged `route` (and `method`, `status`, as the HTTP
 * integrations tag `http.server.requests`) per family, route and method.
 *
 * @module
 * @internal
 */

import { ErrorCodes, MetricsError } from '../../errors.js';
import { sliceYielder } from '../../internal/slicer.js';
import type { Metric } from '../../registry/types.js';
import type { MetricSnapshot } from '../../metrics/snapshot.js';
import { layoutOf, runtimeRole } from './fields.js';
import { HistoryRing, type Track } from './history.js';
import { mixtureQuantile, type MixturePart } from './mixture-quantile.js';
import type { DashboardConfig } from './options.js';

/** Runs a function every `intervalMs` until cancelled: injectable, so tests drive time. */
export type Scheduler = {
  /** Starts calling `run` every `intervalMs`; returns the function that stops it. */
  repeat(intervalMs: number, run: () => void): () => void;
};

/** The real scheduler: one `unref()`ed `setInterval` (it never keeps the process alive). */
export const TIMER_SCHEDULER: Scheduler = Object.freeze({
  repeat(intervalMs: number, run: () => void): () => void {
    const timer = setInterval(run, intervalMs);
    timer.unref();
    return () => {
      clearInterval(timer);
    };
  },
});

/** The most HTTP route rows (family, route, method) the history records. */
export const MAX_ROUTES = 1_000;

/** What one sample gathers of one route (family, route and method) across its status series. */
type RouteSample = {
  readonly name: string;
  readonly route: string;
  readonly method: string | undefined;
  events: number;
  eventsKnown: boolean;
  window: number;
  errors: number;
  readonly parts: MixturePart[];
};

/** Whether a timer belongs to the HTTP routes table: tagged with a `route`. */
function isRouteTimer(metric: Metric): boolean {
  return metric.type === 'timer' && metric.tags.route !== undefined;
}

function valueOr(value: number | null | undefined): number {
  return value ?? Number.NaN;
}

/** The sampler of one dashboard: owns the ring and its timer. */
export class Sampler {
  readonly #config: DashboardConfig;
  readonly #scheduler: Scheduler;
  readonly #report: (error: MetricsError) => void;
  #ring: HistoryRing | null = null;
  #cancel: (() => void) | null = null;
  #sampling: Promise<void> | null = null;
  #lastDemandMs = 0;
  /** The count of each route timer at the previous sample. */
  #routeCounts = new Map<Metric, number>();

  /**
   * @param config - the dashboard's options.
   * @param scheduler - runs the sampling timer.
   * @param report - told about a filter that threw.
   */
  constructor(config: DashboardConfig, scheduler: Scheduler, report: (error: MetricsError) => void) {
    this.#config = config;
    this.#scheduler = scheduler;
    this.#report = report;
  }

  /** The ring, while sampling runs; `null` before the first request and after a quiet period. */
  get ring(): HistoryRing | null {
    return this.#ring;
  }

  /**
   * Called for every feed request: starts sampling if it is not running (taking a first
   * sample at once) and notes the demand. Resolves with the ring once it holds a sample.
   */
  async demand(): Promise<HistoryRing> {
    this.#lastDemandMs = this.#config.clock.monotonicMs();
    let ring = this.#ring;
    if (ring === null) {
      ring = new HistoryRing(this.#config.capacity);
      this.#ring = ring;
      this.#routeCounts = new Map();
      this.#cancel = this.#scheduler.repeat(this.#config.intervalMs, () => {
        this.#tick();
      });
    }
    if (ring.seq === 0) await this.sample();
    return ring;
  }

  #tick(): void {
    if (this.#config.clock.monotonicMs() - this.#lastDemandMs >= this.#config.idleTimeoutMs) {
      this.stop();
      return;
    }
    void this.sample();
  }

  /** Takes one sample now (or joins the one running). Never rejects. */
  sample(): Promise<void> {
    const ring = this.#ring;
    if (ring === null) return Promise.resolve();
    this.#sampling ??= this.#read(ring)
      .catch((error: unknown) => {
        this.#report(new MetricsError(ErrorCodes.ENDPOINT_FAILED, 'dashboard: a sample failed', { cause: error }));
      })
      .finally(() => {
        this.#sampling = null;
      });
    return this.#sampling;
  }

  /** Resolves when no sample is running. */
  async settled(): Promise<void> {
    await this.#sampling;
  }

  /** Stops the timer and frees the ring. A later request starts over. */
  stop(): void {
    this.#cancel?.();
    this.#cancel = null;
    this.#ring = null;
    this.#routeCounts = new Map();
  }

  #selected(metric: Metric): boolean {
    const filter = this.#config.filter;
    if (filter === undefined) return true;
    try {
      return filter(metric);
    } catch (error) {
      this.#report(
        new MetricsError(ErrorCodes.ENDPOINT_FAILED, `dashboard: the filter threw for ${metric.name}`, { cause: error }),
      );
      return false;
    }
  }

  async #read(ring: HistoryRing): Promise<void> {
    const { registry, clock, maxSeries } = this.#config;
    const wallMs = clock.now();
    const monotonicMs = clock.monotonicMs();
    const elapsedS = (monotonicMs - ring.lastMonotonicMs) / 1000;
    const seconds = elapsedS > 0 ? elapsedS : Number.NaN;
    const seq = ring.seq + 1;
    const slot = ring.slotOf(seq);
    const routes = new Map<string, RouteSample>();
    const counts = new Map<Metric, number>();
    let size = 0;
    let untracked = 0;
    // A series first seen now, when the previous sample tracked every series, was created
    // since then: all its count is new (as for the routes' status series below).
    const allNew = ring.seq > 0 && ring.untracked === 0;
    const pause = sliceYielder();
    for (const metric of registry.metrics()) {
      if (!this.#selected(metric)) continue;
      size++;
      let track = ring.series.get(metric);
      if (track === undefined) {
        if (ring.series.size < maxSeries) {
          track = ring.addSeries(metric, layoutOf(metric.type, metric.name), runtimeRole(metric.name));
          if (allNew) track.previousCount = 0;
        } else {
          untracked++;
        }
      }
      const route = isRouteTimer(metric);
      if (track !== undefined || route) {
        const snapshot = metric.snapshot();
        if (track !== undefined) record(track, snapshot, slot, seconds, seq);
        if (route && snapshot.type === 'timer') this.#gather(routes, counts, metric, snapshot, ring.seq > 0);
      }
      const wait = pause();
      if (wait !== undefined) await wait;
    }
    this.#routeCounts = counts;
    let untrackedRoutes = 0;
    for (const [key, r] of routes) {
      let track = ring.routes.get(key);
      if (track === undefined) {
        if (ring.routes.size >= MAX_ROUTES) {
          untrackedRoutes++;
          continue;
        }
        track = ring.addRoute(key, r.name, r.method === undefined ? { route: r.route } : { route: r.route, method: r.method });
      }
      const [rate, p50, p99, errors] = track.data as [Float32Array, Float32Array, Float32Array, Float32Array];
      rate[slot] = r.eventsKnown ? r.events / seconds : Number.NaN;
      p50[slot] = valueOr(mixtureQuantile(r.parts, 0.5));
      p99[slot] = valueOr(mixtureQuantile(r.parts, 0.99));
      errors[slot] = r.window > 0 ? r.errors / r.window : Number.NaN;
      track.lastSeenSeq = seq;
    }
    ring.size = size;
    ring.untracked = untracked;
    ring.untrackedRoutes = untrackedRoutes;
    ring.commit(wallMs, monotonicMs);
  }

  /** Adds one status series of a route to its row. */
  #gather(
    routes: Map<string, RouteSample>,
    counts: Map<Metric, number>,
    metric: Metric,
    snapshot: Extract<MetricSnapshot, { type: 'timer' }>,
    sampledBefore: boolean,
  ): void {
    const route = metric.tags.route!;
    const method = metric.tags.method;
    const key = `${metric.name}\u0000${route}\u0000${method ?? ''}`;
    let r = routes.get(key);
    if (r === undefined) {
      r = { name: metric.name, route, method, events: 0, eventsKnown: true, window: 0, errors: 0, parts: [] };
      routes.set(key, r);
    }
    const previous = this.#routeCounts.get(metric);
    // A series that appeared since the previous sample counted all its events since then.
    if (previous !== undefined) r.events += snapshot.count - previous;
    else if (sampledBefore) r.events += snapshot.count;
    else r.eventsKnown = false;
    counts.set(metric, snapshot.count);
    const n = snapshot.windowCount;
    if (n > 0 && snapshot.min !== null && snapshot.max !== null) {
      r.window += n;
      if (metric.tags.status?.startsWith('5') === true) r.errors += n;
      r.parts.push({
        count: n,
        points: [
          snapshot.min,
          valueOr(snapshot.p50),
          valueOr(snapshot.p75),
          valueOr(snapshot.p95),
          valueOr(snapshot.p98),
          valueOr(snapshot.p99),
          valueOr(snapshot.p999),
          snapshot.max,
        ],
      });
    }
  }
}

/** Writes one series' fields of sample `seq` into its slot. */
function record(track: Track, snapshot: MetricSnapshot, slot: number, seconds: number, seq: number): void {
  const d = track.data;
  switch (snapshot.type) {
    case 'counter':
      d[0]![slot] = (snapshot.count - track.previousCount) / seconds;
      track.previousCount = snapshot.count;
      break;
    case 'gauge':
      d[0]![slot] = valueOr(snapshot.value);
      break;
    case 'meter':
      d[0]![slot] = snapshot.m1Rate;
      break;
    case 'histogram':
      d[0]![slot] = valueOr(snapshot.p50);
      d[1]![slot] = valueOr(snapshot.p99);
      break;
    case 'timer':
      d[0]![slot] = (snapshot.count - track.previousCount) / seconds;
      d[1]![slot] = valueOr(snapshot.p50);
      d[2]![slot] = valueOr(snapshot.p99);
      track.previousCount = snapshot.count;
      break;
  }
  track.lastSeenSeq = seq;
}
