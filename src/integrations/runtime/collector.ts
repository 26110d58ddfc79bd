/**
 * The runtime sampler: one `unref()`ed timer that reads the event-loop monitor, event-loop
 * utilisation, CPU time, memory and active resources into a registry's series, and a GC
 * observer that times each pause.
 *
 * @module
 * @internal
 */

import { constants, monitorEventLoopDelay, performance, PerformanceObserver, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import { ErrorCodes, MetricsError, show } from '../../errors.js';
import { WarningLimiter } from '../../internal/warnings.js';
import type { Counter } from '../../metrics/counter.js';
import type { Gauge } from '../../metrics/gauge.js';
import type { Histogram } from '../../metrics/histogram.js';
import type { Timer } from '../../metrics/timer.js';
import type { Tags } from '../../names.js';
import type { MetricRegistry } from '../../registry/types.js';
import { transferDelays } from './event-loop-delay.js';

/** What the collector is built from: the options, read and checked. @internal */
export type RuntimeSettings = {
  readonly registry: MetricRegistry;
  readonly prefix: string;
  readonly tags: Tags | undefined;
  readonly intervalMs: number;
  readonly resolutionMs: number;
  readonly gc: boolean;
};

const GC_KINDS: Readonly<Record<number, string>> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/** The prefixes collected into, per registry: two collectors on one would count CPU time twice. */
const collecting = new WeakMap<MetricRegistry, Set<string>>();

/**
 * Samples the runtime into a registry until stopped.
 *
 * @internal
 */
export class RuntimeCollector implements AsyncDisposable {
  readonly #prefix: string;
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
  readonly #warnings = new WarningLimiter();
  #lastElu: EventLoopUtilization;
  #lastCpu: NodeJS.CpuUsage;
  #lastMs: number;
  #running = true;

  /**
   * Creates the series, then starts the monitor, the GC observer and the timer.
   *
   * @throws `MetricsError` (`ERR_TAPEMEASURE_RUNTIME_METRICS_RUNNING`) if another collector
   *   runs on this registry and prefix; what the registry throws for a name conflict.
   */
  constructor(s: RuntimeSettings) {
    const { registry, prefix, tags } = s;
    const active = collecting.get(registry) ?? new Set<string>();
    if (active.has(prefix)) {
      throw new MetricsError(
        ErrorCodes.RUNTIME_METRICS_RUNNING,
        `collectRuntimeMetrics(): runtime metrics are already collected into this registry under ${show(prefix)}; stop() the first collector`,
      );
    }
    this.#prefix = prefix;
    this.#active = active;
    this.#resolutionMs = s.resolutionMs;
    const opts = tags === undefined ? undefined : { tags };
    // Every series first: a name conflict throws here, before anything is started.
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
    if (s.gc) {
      for (const kind of [...Object.values(GC_KINDS), 'other']) {
        this.#gcTimers.set(kind, registry.timer(`${prefix}.gc.pause`, { tags: { ...tags, kind } }));
      }
    }

    this.#monitor = monitorEventLoopDelay({ resolution: s.resolutionMs });
    this.#monitor.enable();
    this.#lastElu = performance.eventLoopUtilization();
    this.#lastCpu = process.cpuUsage();
    this.#lastMs = performance.now();
    this.#observer = s.gc ? this.#observeGc() : null;
    this.#timer = setInterval(() => {
      this.sample();
    }, s.intervalMs);
    this.#timer.unref();
    active.add(prefix);
    collecting.set(registry, active);
    this.#sampleMemory();
  }

  get running(): boolean {
    return this.#running;
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
      this.#warnings.warn(
        new MetricsError(ErrorCodes.RUNTIME_SAMPLE_FAILED, 'tapemeasure runtime metrics could not sample; later samples still run', {
          cause: error,
        }),
      );
    }
  }

  stop(): Promise<void> {
    if (this.#running) {
      this.sample();
      this.#running = false;
      clearInterval(this.#timer);
      this.#monitor.disable();
      this.#observer?.disconnect();
      this.#active.delete(this.#prefix);
    }
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
