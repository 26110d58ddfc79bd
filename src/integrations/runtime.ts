/**
 * Node.js runtime metrics: event-loop delay and utilisation, GC pauses, memory, CPU and
 * active resources, sampled by one `unref()`ed timer. Import from `tapemeasure/runtime`.
 *
 * @module tapemeasure/runtime
 */
/// <reference types="node" preserve="true" />

import { boolean, integer, readOptions } from '../internal/options.js';
import type { Tags } from '../names.js';
import { REGISTRY_OPTION, registryOf } from '../registry/registry-option.js';
import type { MetricRegistry } from '../registry/types.js';
import { metricNameCheck, tagsCheck } from './name-checks.js';
import { RuntimeCollector } from './runtime/collector.js';

/** Options of {@link collectRuntimeMetrics}. */
export type RuntimeMetricsOptions = {
  /**
   * Where the metrics go: a registry, a scope of one, or any registry with the
   * tapemeasure brand.
   *
   * @defaultValue the default registry
   */
  readonly registry?: MetricRegistry;
  /**
   * The prefix of every series name.
   *
   * @defaultValue `'runtime'`
   */
  readonly prefix?: string;
  /**
   * How often the sampler reads the runtime, in milliseconds (100 to 2147483647). Gauges
   * hold the last sample; utilisations cover the time since the previous sample.
   *
   * @defaultValue 10000
   */
  readonly intervalMs?: number;
  /**
   * The sampling period of the event-loop delay monitor, in whole milliseconds (1 to 60000).
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
  /**
   * Tags of every series.
   *
   * @defaultValue none
   */
  readonly tags?: Tags;
};

/**
 * What {@link collectRuntimeMetrics} returns: the running sampler. It starts when created
 * (there is no `start()`: a stopped sampler is not restarted, create another), and
 * `await using runtime = collectRuntimeMetrics()` stops it at the end of the scope.
 */
export interface RuntimeMetrics extends AsyncDisposable {
  /** Whether the sampler is running. */
  readonly running: boolean;
  /** Samples now (also done by the timer every `intervalMs`). Never throws. */
  sample(): void;
  /**
   * Takes a last sample, then stops the timer, the event-loop monitor and the GC
   * observer, and frees the registry and prefix for another collector. Idempotent;
   * resolves at once (nothing to flush).
   */
  stop(): Promise<void>;
  /** The same as {@link RuntimeMetrics.stop}. */
  [Symbol.asyncDispose](): Promise<void>;
}

const RUNTIME_OPTIONS = Object.freeze({
  ...REGISTRY_OPTION,
  prefix: metricNameCheck(512),
  intervalMs: integer(100, 2 ** 31 - 1),
  eventLoopResolutionMs: integer(1, 60_000),
  gc: boolean,
  tags: tagsCheck,
});

/**
 * Starts collecting Node.js runtime metrics, with one `unref()`ed sampler (it never keeps
 * the process alive). Series, with the default prefix `runtime`:
 *
 * - `runtime.event_loop.delay_ms` (histogram): event-loop delay beyond the monitor's
 *   period, from `perf_hooks.monitorEventLoopDelay()`; the monitor is this collector's own
 *   and is reset after each sample, so other readers (another library's monitor) are not
 *   disturbed.
 * - `runtime.event_loop.utilization` (gauge, 0 to 1): `performance.eventLoopUtilization()`
 *   over the last interval.
 * - `runtime.gc.pause` (timer, ms, tagged `kind`: `major`, `minor`, `incremental`,
 *   `weakcb`, `other`): each GC pause.
 * - `runtime.memory.heap_used_bytes`, `.heap_total_bytes`, `.rss_bytes`, `.external_bytes`,
 *   `.array_buffers_bytes` (gauges): `process.memoryUsage()`.
 * - `runtime.cpu.user_ms`, `runtime.cpu.system_ms` (counters): CPU time used;
 *   `runtime.cpu.utilization` (gauge): CPU time over wall time in the last interval (1 = one core).
 * - `runtime.handles.active` (gauge): `process.getActiveResourcesInfo().length` (handles,
 *   requests and timers keeping the loop alive).
 *
 * A sample that fails is warned about (`ERR_TAPEMEASURE_RUNTIME_SAMPLE_FAILED`,
 * rate-limited); later samples still run.
 *
 * @param options - registry, prefix, interval and what to collect.
 * @returns the running sampler, to sample on demand or stop.
 * @throws `InvalidOptionError` (`ERR_TAPEMEASURE_INVALID_OPTION`) for a bad option,
 *   `UnknownOptionError` (`ERR_TAPEMEASURE_UNKNOWN_OPTION`) for an unknown one,
 *   `MetricsError` (`ERR_TAPEMEASURE_RUNTIME_METRICS_RUNNING`) if runtime metrics are
 *   already being collected into this registry under this prefix.
 *
 * @example
 * ```ts
 * import { Registry } from 'tapemeasure';
 * import { collectRuntimeMetrics } from 'tapemeasure/runtime';
 *
 * const registry = new Registry();
 * const runtime = collectRuntimeMetrics({ registry, intervalMs: 5_000 });
 * // ... later, on shutdown:
 * await runtime.stop();
 * ```
 */
export function collectRuntimeMetrics(options?: RuntimeMetricsOptions): RuntimeMetrics {
  const o = readOptions('collectRuntimeMetrics()', options, RUNTIME_OPTIONS);
  return new RuntimeCollector({
    registry: registryOf(o),
    prefix: o.prefix ?? 'runtime',
    tags: o.tags,
    intervalMs: o.intervalMs ?? 10_000,
    resolutionMs: o.eventLoopResolutionMs ?? 10,
    gc: o.gc ?? true,
  });
}
