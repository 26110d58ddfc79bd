/**
 * Node.js runtime metrics: event-loop delay and utilisation, GC pauses, memory, CPU and
 * active resources, sampled by one `unref()`ed timer.
 *
 * @module tapemeasure/runtime
 */
/// <reference types="node" preserve="true" />

import { constants, monitorEventLoopDelay, performance, PerformanceObserver, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import { InvalidOptionError, show } from '../errors.js';
import type { Counter } from '../metrics/counter.js';
import type { Gauge } from '../metrics/gauge.js';
import type { Histogram } from '../metrics/histogram.js';
import type { Timer } from '../metrics/timer.js';
import { validateName, type Tags } from '../names.js';
import type { MetricFactory } from '../registry/types.js';

/** Options of {@link collectRuntimeMetrics}. */
export type RuntimeMetricsOptions = {
  /**
   * The prefix of every series name.
   *
   * @defaultValue `'runtime'`
   */
  readonly prefix?: string;
  /**
   * How often the sampler reads the runtime, in milliseconds (at least 100). Gauges hold
   * the last sample; utilisations cover the time since the previous sample.
   *
   * @defaultValue 10000
   */
  readonly intervalMs?: number;
  /**
   * The sampling period of the event-loop delay monitor, in milliseconds (at least 1).
   *
   * @defaultValue 10
   */
  readonly eventLoopResolutionMs?: number;
  /**
   * Whether GC pauses are timed (a `PerformanceObserver` on `'gc'` entries).
   *
   * @defaultValue true
   */
  readonly gc?: boolean;
  /** Tags of every series. */
  readonly tags?: Tags;
};

/** What {@link collectRuntimeMetrics} returns: the running sampler. */
export interface RuntimeMetrics {
  /** Whether the sampler is running. */
  readonly running: boolean;
  /** Samples now (also done by the timer every `intervalMs`). Never throws. */
  sample(): void;
  /** Takes a last sample, then stops the timer, the event-loop monitor and the GC observer. Idempotent. */
  stop(): void;
}

/**
 * The most values one sample copies from the event-loop monitor into the histogram; above
 * it, the counts of each percentile bracket are scaled down alike.
 */
const MAX_DELAY_RECORDS = 10_000;

const GC_KINDS: Readonly<Record<number, string>> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

const running = new WeakMap<MetricFactory, Set<string>>();

function positive(value: unknown, name: string, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new InvalidOptionError(`collectRuntimeMetrics(): ${name} must be a finite number >= ${min}, received ${show(value)}`);
  }
  return value;
}

/**
 * Copies what an event-loop delay monitor saw into a histogram, in milliseconds beyond the
 * monitor's own period. Node's monitor keeps an HDR histogram but exposes only percentile
 * points (0, 50, 75, 87.5, ... 100); each sample is recorded at the upper value of its
 * percentile bracket, so quantiles are as exact as those points and the maximum is exact.
 *
 * @internal
 */
export function transferDelays(monitor: IntervalHistogram, histogram: Histogram, resolutionMs: number): number {
  const total = monitor.count;
  if (!(total > 0)) return 0;
  const scale = total > MAX_DELAY_RECORDS ? MAX_DELAY_RECORDS / total : 1;
  const points = [...monitor.percentiles].sort((a, b) => a[0] - b[0]);
  let previous = 0;
  let recorded = 0;
  for (const [percentile, valueNs] of points) {
    const cumulative = Math.round((percentile / 100) * total);
    let n = cumulative - previous;
    previous = cumulative;
    if (n <= 0) continue;
    if (scale !== 1) n = Math.max(1, Math.round(n * scale));
    const delayMs = Math.max(0, valueNs / 1e6 - resolutionMs);
    for (let i = 0; i < n; i++) histogram.record(delayMs);
    recorded += n;
  }
  return recorded;
}

/**
 * Starts collecting Node.js runtime metrics into `registry`, with one `unref()`ed sampler
 * (it never keeps the process alive). Series, with the default prefix `runtime`:
 *
 * - `runtime.event_loop.delay_ms` (histogram): event-loop delay beyond the monitor's
 *   period, from `perf_hooks.monitorEventLoopDelay()`; the monitor is this collector's own
 *   and is reset after each sample, so other readers (another library's monitor) are not
 *   disturbed.
 * - `runtime.event_loop.utilization` (gauge, 0 to 1): `performance.eventLoopUtilization()`
 *   over the last interval.
 * - `runtime.gc.pause` (timer, ms, tagged `kind`: `major`, `minor`, `incremental`,
 *   `weakcb`): each GC pause.
 * - `runtime.memory.heap_used_bytes`, `.heap_total_bytes`, `.rss_bytes`, `.external_bytes`,
 *   `.array_buffers_bytes` (gauges): `process.memoryUsage()`.
 * - `runtime.cpu.user_ms`, `runtime.cpu.system_ms` (counters): CPU time used;
 *   `runtime.cpu.utilization` (gauge): CPU time over wall time in the last interval (1 = one core).
 * - `runtime.handles.active` (gauge): `process.getActiveResourcesInfo().length` (handles,
 *   requests and timers keeping the loop alive).
 *
 * @param registry - a registry or a scope of one.
 * @param options - prefix, interval and what to collect.
 * @returns the sampler, to sample on demand or stop.
 * @throws `InvalidOptionError` (`ERR_TAPEMEASURE_INVALID_OPTION`) for a bad option, or if runtime metrics are already
 *   being collected into this registry under this prefix.
 *
 * @example
 * ```ts
 * import { collectRuntimeMetrics, defaultRegistry } from 'tapemeasure';
 *
 * const runtime = collectRuntimeMetrics(defaultRegistry, { intervalMs: 5_000 });
 * // ... later, on shutdown:
 * runtime.stop();
 * ```
 */
export function collectRuntimeMetrics(registry: MetricFactory, options: RuntimeMetricsOptions = {}): RuntimeMetrics {
  if (registry === null || typeof registry !== 'object' || typeof registry.histogram !== 'function') {
    throw new InvalidOptionError(`collectRuntimeMetrics(): registry must be a Registry or a scope, received ${show(registry)}`);
  }
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError(`collectRuntimeMetrics(): options must be an object, received ${show(options)}`);
  }
  const prefix = options.prefix ?? 'runtime';
  try {
    validateName(prefix);
  } catch (error) {
    throw new InvalidOptionError(`collectRuntimeMetrics(): prefix ${show(prefix)} is not a valid name: ${(error as Error).message}`);
  }
  const intervalMs = positive(options.intervalMs ?? 10_000, 'intervalMs', 100);
  const resolutionMs = Math.round(positive(options.eventLoopResolutionMs ?? 10, 'eventLoopResolutionMs', 1));
  const gc = options.gc ?? true;
  if (typeof gc !== 'boolean') {
    throw new InvalidOptionError(`collectRuntimeMetrics(): gc must be a boolean, received ${show(options.gc)}`);
  }
  const active = running.get(registry) ?? new Set<string>();
  if (active.has(prefix)) {
    throw new InvalidOptionError(
      `collectRuntimeMetrics(): runtime metrics are already collected into this registry under ${show(prefix)}; stop() the first collector`,
    );
  }
  return new RuntimeCollector(registry, prefix, options.tags, intervalMs, resolutionMs, gc, active);
}

class RuntimeCollector implements RuntimeMetrics {
  readonly #registry: MetricFactory;
  readonly #prefix: string;
  readonly #tags: Tags | undefined;
  readonly #active: Set<string>;
  readonly #resolutionMs: number;
  readonly #monitor: IntervalHistogram;
  readonly #observer: PerformanceObserver | null;
  readonly #timer: NodeJS.Timeout;
  readonly #delay: Histogram;
  readonly #utilization: Gauge;
  readonly #heapUsed: Gauge;
  readonly #heapTotal: Gauge;
  readonly #rss: Gauge;
  readonly #external: Gauge;
  readonly #arrayBuffers: Gauge;
  readonly #cpuUser: Counter;
  readonly #cpuSystem: Counter;
  readonly #cpuUtilization: Gauge;
  readonly #handles: Gauge;
  readonly #gcTimers = new Map<string, Timer>();
  #lastElu: EventLoopUtilization;
  #lastCpu: NodeJS.CpuUsage;
  #lastMs: number;
  #running = true;
  #warned = false;

  constructor(
    registry: MetricFactory,
    prefix: string,
    tags: Tags | undefined,
    intervalMs: number,
    resolutionMs: number,
    gc: boolean,
    active: Set<string>,
  ) {
    this.#registry = registry;
    this.#prefix = prefix;
    this.#tags = tags;
    this.#active = active;
    this.#resolutionMs = resolutionMs;
    const opts = tags === undefined ? undefined : { tags };
    // Create every series first: a name conflict throws here, before anything is started.
    this.#delay = registry.histogram(`${prefix}.event_loop.delay_ms`, opts);
    this.#utilization = registry.gauge(`${prefix}.event_loop.utilization`, { ...opts });
    this.#heapUsed = registry.gauge(`${prefix}.memory.heap_used_bytes`, { ...opts });
    this.#heapTotal = registry.gauge(`${prefix}.memory.heap_total_bytes`, { ...opts });
    this.#rss = registry.gauge(`${prefix}.memory.rss_bytes`, { ...opts });
    this.#external = registry.gauge(`${prefix}.memory.external_bytes`, { ...opts });
    this.#arrayBuffers = registry.gauge(`${prefix}.memory.array_buffers_bytes`, { ...opts });
    this.#cpuUser = registry.counter(`${prefix}.cpu.user_ms`, opts);
    this.#cpuSystem = registry.counter(`${prefix}.cpu.system_ms`, opts);
    this.#cpuUtilization = registry.gauge(`${prefix}.cpu.utilization`, { ...opts });
    this.#handles = registry.gauge(`${prefix}.handles.active`, { ...opts });
    if (gc) for (const kind of [...Object.values(GC_KINDS), 'other']) this.#gcTimer(kind);

    this.#monitor = monitorEventLoopDelay({ resolution: resolutionMs });
    this.#monitor.enable();
    this.#lastElu = performance.eventLoopUtilization();
    this.#lastCpu = process.cpuUsage();
    this.#lastMs = performance.now();
    this.#observer = gc ? this.#observeGc() : null;
    this.#timer = setInterval(() => {
      this.sample();
    }, intervalMs);
    this.#timer.unref();
    active.add(prefix);
    running.set(registry, active);
    this.#sampleMemory();
  }

  get running(): boolean {
    return this.#running;
  }

  #gcTimer(kind: string): Timer {
    let timer = this.#gcTimers.get(kind);
    if (timer === undefined) {
      timer = this.#registry.timer(`${this.#prefix}.gc.pause`, { tags: { ...this.#tags, kind } });
      this.#gcTimers.set(kind, timer);
    }
    return timer;
  }

  #observeGc(): PerformanceObserver {
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const detail = (entry as { readonly detail?: { readonly kind?: number } | null }).detail;
        const kind = GC_KINDS[detail?.kind ?? -1] ?? 'other';
        this.#gcTimers.get(kind)?.update(entry.duration);
      }
    });
    observer.observe({ entryTypes: ['gc'] });
    return observer;
  }

  #sampleMemory(): void {
    const memory = process.memoryUsage();
    this.#heapUsed.set(memory.heapUsed);
    this.#heapTotal.set(memory.heapTotal);
    this.#rss.set(memory.rss);
    this.#external.set(memory.external);
    this.#arrayBuffers.set(memory.arrayBuffers);
    this.#handles.set(process.getActiveResourcesInfo().length);
  }

  sample(): void {
    if (!this.#running) return;
    try {
      transferDelays(this.#monitor, this.#delay, this.#resolutionMs);
      this.#monitor.reset();

      const elu = performance.eventLoopUtilization();
      this.#utilization.set(performance.eventLoopUtilization(elu, this.#lastElu).utilization);
      this.#lastElu = elu;

      const nowMs = performance.now();
      const cpu = process.cpuUsage();
      const userMs = (cpu.user - this.#lastCpu.user) / 1000;
      const systemMs = (cpu.system - this.#lastCpu.system) / 1000;
      this.#cpuUser.inc(userMs);
      this.#cpuSystem.inc(systemMs);
      const elapsedMs = nowMs - this.#lastMs;
      if (elapsedMs > 0) this.#cpuUtilization.set((userMs + systemMs) / elapsedMs);
      this.#lastCpu = cpu;
      this.#lastMs = nowMs;

      this.#sampleMemory();
    } catch (error) {
      if (this.#warned) return;
      this.#warned = true;
      process.emitWarning(`tapemeasure runtime metrics could not sample: ${String(error)}`, {
        code: 'TAPEMEASURE_RUNTIME_METRICS',
      });
    }
  }

  stop(): void {
    if (!this.#running) return;
    this.sample();
    this.#running = false;
    clearInterval(this.#timer);
    this.#monitor.disable();
    this.#observer?.disconnect();
    this.#active.delete(this.#prefix);
  }
}
