import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { collectRuntimeMetrics, type RuntimeMetrics, type RuntimeMetricsOptions } from '../../src/integrations/runtime.js';
import { transferDelays } from '../../src/integrations/runtime/event-loop-delay.js';
import type { Counter } from '../../src/metrics/counter.js';
import type { Gauge } from '../../src/metrics/gauge.js';
import type { Histogram } from '../../src/metrics/histogram.js';
import type { Timer } from '../../src/metrics/timer.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import { Registry } from '../../src/registry/registry.js';
import { waitUntil } from '../helpers/wait.js';

/** Burns CPU on this thread for `ms` of CPU time (a busy loop, not a sleep). */
function burnCpu(ms: number): void {
  const end = process.cpuUsage().user + ms * 1000;
  let x = 0;
  while (process.cpuUsage().user < end) x += Math.sqrt(x + 1);
  expect(x).toBeGreaterThan(0);
}

const started: RuntimeMetrics[] = [];
function collect(registry: Registry, options?: Omit<RuntimeMetricsOptions, 'registry'>): RuntimeMetrics {
  const runtime = collectRuntimeMetrics({ registry, ...options });
  started.push(runtime);
  return runtime;
}

afterEach(async () => {
  for (const runtime of started.splice(0)) await runtime.stop();
  vi.useRealTimers();
});

describe('collectRuntimeMetrics', () => {
  it('creates its series and samples memory at once', () => {
    const registry = new Registry();
    collect(registry);
    const names = [...registry.metrics()].map((m) => m.name);
    expect(new Set(names)).toEqual(
      new Set([
        'runtime.event_loop.delay_ms',
        'runtime.event_loop.utilization',
        'runtime.memory.heap_used_bytes',
        'runtime.memory.heap_total_bytes',
        'runtime.memory.rss_bytes',
        'runtime.memory.external_bytes',
        'runtime.memory.array_buffers_bytes',
        'runtime.cpu.user_ms',
        'runtime.cpu.system_ms',
        'runtime.cpu.utilization',
        'runtime.handles.active',
        'runtime.gc.pause',
      ]),
    );
    const gauge = (name: string) => (registry.get(name) as Gauge).value!;
    expect(gauge('runtime.memory.heap_used_bytes')).toBeGreaterThan(1_000_000);
    expect(gauge('runtime.memory.rss_bytes')).toBeGreaterThan(gauge('runtime.memory.heap_used_bytes'));
    expect(gauge('runtime.handles.active')).toBeGreaterThanOrEqual(0);
  });

  it('records a blocked event loop in the delay histogram', async () => {
    // A second monitor shows when the collector's monitor (same period, started together) has ticked.
    const witness = monitorEventLoopDelay({ resolution: 5 });
    witness.enable();
    const registry = new Registry();
    const runtime = collect(registry, { eventLoopResolutionMs: 5 });
    const delay = registry.get('runtime.event_loop.delay_ms') as Histogram;
    let witnessMinMs = 0;
    try {
      // Node drops each monitor's first tick: wait until both have surely ticked more than once.
      await waitUntil(() => witness.count >= 5, { what: 'the witness monitor to tick' });
      const start = Date.now();
      while (Date.now() - start < 80); // block the loop
      await waitUntil(() => witness.max >= 50e6 && witness.count >= 8, { what: 'the witness to see the block' });
      witnessMinMs = witness.min / 1e6;
    } finally {
      witness.disable();
    }
    runtime.sample();
    const stats = delay.statistics();
    expect(stats.max!).toBeGreaterThanOrEqual(50);
    // Delays are reported beyond the monitor's own 5 ms period, which Node's values include.
    expect(stats.min!).toBeLessThan(Math.max(witnessMinMs - 1, 0.5));
  });

  it('resets only its own monitor: another reader keeps its samples', async () => {
    const other = monitorEventLoopDelay({ resolution: 5 });
    other.enable();
    try {
      const registry = new Registry();
      const runtime = collect(registry, { eventLoopResolutionMs: 5 });
      await waitUntil(() => other.count >= 3, { what: 'the other monitor to tick' });
      const before = other.count;
      runtime.sample();
      expect(other.count).toBeGreaterThanOrEqual(before);
    } finally {
      other.disable();
    }
  });

  it('measures CPU time and utilisation over the interval, on its timer', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const registry = new Registry();
    collect(registry, { intervalMs: 1_000 });
    expect(vi.getTimerCount()).toBe(1);
    burnCpu(30);
    vi.advanceTimersByTime(1_000);
    expect((registry.get('runtime.cpu.user_ms') as Counter).count).toBeGreaterThanOrEqual(25);
    expect((registry.get('runtime.cpu.utilization') as Gauge).value!).toBeGreaterThan(0.02);
    expect((registry.get('runtime.event_loop.utilization') as Gauge).value!).toBeGreaterThan(0);
  });

  it('times GC pauses by kind', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const registry = new Registry();
    collect(registry);
    gc();
    const major = registry.get('runtime.gc.pause', { kind: 'major' }) as Timer;
    await waitUntil(() => major.count >= 1, { what: 'a major GC pause' });
    expect(major.statistics().max!).toBeGreaterThan(0);
  });

  it('keeps no process alive, stops, and refuses a second collector on the same prefix', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const registry = new Registry();
    const runtime = collect(registry);
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(before);
    expect(() => collectRuntimeMetrics({ registry })).toThrow(
      expect.objectContaining({ code: 'ERR_TAPEMEASURE_RUNTIME_METRICS_RUNNING' }),
    );
    collect(registry, { prefix: 'other', gc: false });
    await runtime.stop();
    await runtime.stop();
    expect(runtime.running).toBe(false);
    await collect(registry).stop();
  });

  it('stops at the end of an await using scope', async () => {
    const registry = new Registry();
    let kept: RuntimeMetrics | undefined;
    {
      await using runtime = collectRuntimeMetrics({ registry, gc: false });
      kept = runtime;
      expect(runtime.running).toBe(true);
    }
    expect(kept.running).toBe(false);
  });

  it('collects into the default registry, or into a scope', () => {
    const runtime = collectRuntimeMetrics({ prefix: 'test_runtime_default', gc: false });
    started.push(runtime);
    expect(defaultRegistry.get('test_runtime_default.memory.rss_bytes')).toBeDefined();
    const registry = new Registry();
    started.push(collectRuntimeMetrics({ registry: registry.scope('svc', { app: 'a' }), gc: false }));
    expect(registry.get('svc.runtime.memory.rss_bytes', { app: 'a' })).toBeDefined();
  });

  it('warns RUNTIME_SAMPLE_FAILED (rate-limited) when a sample fails, and keeps sampling', () => {
    const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const runtime = collect(new Registry(), { gc: false });
      vi.spyOn(process, 'memoryUsage').mockImplementation(() => {
        throw new Error('no memory for you');
      });
      runtime.sample();
      runtime.sample();
      expect(emitWarning.mock.calls.map((c) => (c[1] as { code?: string }).code)).toEqual(['ERR_TAPEMEASURE_RUNTIME_SAMPLE_FAILED']);
      expect(runtime.running).toBe(true);
    } finally {
      vi.restoreAllMocks();
    }
  });
});

describe('transferDelays', () => {
  it('rebuilds the distribution from the percentile points, scaled down when large', () => {
    const registry = new Registry();
    const histogram = registry.histogram('d');
    const percentiles = new Map([
      [0, 10e6],
      [50, 11e6],
      [75, 12e6],
      [100, 60e6],
    ]);
    const monitor = { count: 8, percentiles } as unknown as Parameters<typeof transferDelays>[0];
    expect(transferDelays(monitor, histogram, 10)).toBe(8);
    const stats = histogram.statistics();
    expect(stats.count).toBe(8);
    expect(stats.max).toBe(50);
    expect(stats.p50).toBeCloseTo(1, 1);
    const big = { count: 100_000, percentiles } as unknown as Parameters<typeof transferDelays>[0];
    expect(transferDelays(big, registry.histogram('e'), 10)).toBe(10_000);
  });
});
