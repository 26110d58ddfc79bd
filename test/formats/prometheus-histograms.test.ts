import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { formatPrometheus } from '../../src/formats/prometheus.js';
import { prometheusSeriesOf } from '../../src/formats/prometheus-read.js';
import { Registry } from '../../src/registry/registry.js';

const golden = (name: string): string => fileURLToPath(new URL(`./golden/${name}`, import.meta.url));

function readGolden(name: string, actual: string): string {
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden(name), actual);
  return readFileSync(golden(name), 'utf8');
}

function registryWithHistograms(): Registry {
  const clock = new ManualClock({ monotonicMs: 0 });
  const registry = new Registry({ clock });
  const t = registry.timer('db.query', { buckets: 'prometheus', tags: { table: 'users' } });
  for (const ms of [1, 7, 30, 120, 9000, 20000]) t.update(ms);
  registry.timer('db.query', { tags: { table: 'idle' } });
  const sizes = registry.histogram('payload.bytes', { buckets: [100, 1000, 10000], resolution: 1, summary: true });
  for (const v of [5, 500, 500, 50000]) sizes.record(v);
  registry.histogram('native.only', { nativeHistogram: true }).record(2);
  registry.histogram('plain').record(3);
  return registry;
}

const series = (registry: Registry) => [...registry.metrics()].map((m) => prometheusSeriesOf(m, undefined));

describe('histogram families', () => {
  it('write cumulative lifetime buckets in text 0.0.4 (golden file)', () => {
    const text = formatPrometheus(series(registryWithHistograms()), 'prometheus');
    expect(text).toBe(readGolden('prometheus-histograms-0.0.4.txt', text));
  });

  it('write cumulative lifetime buckets in OpenMetrics 1.0 (golden file)', () => {
    const text = formatPrometheus(series(registryWithHistograms()), 'openmetrics');
    expect(text).toBe(readGolden('openmetrics-histograms-1.0.txt', text));
  });

  it('keep counting after the window has rotated every value out: buckets are lifetime, never windowed', () => {
    const clock = new ManualClock({ monotonicMs: 0 });
    const registry = new Registry({ clock });
    const t = registry.timer('t', { buckets: [10, 100] });
    t.update(5);
    t.update(50);
    clock.advance(600_000);
    expect(t.statistics().windowCount).toBe(0);
    const text = formatPrometheus(series(registry), 'prometheus');
    expect(text).toContain('t_seconds_bucket{le="0.01"} 1\n');
    expect(text).toContain('t_seconds_bucket{le="0.1"} 2\n');
    expect(text).toContain('t_seconds_bucket{le="+Inf"} 2\n');
    expect(text).toContain('t_seconds_count 2\n');
  });

  it('leave out a metric whose _bucket name collides with an earlier one', () => {
    const registry = new Registry();
    registry.histogram('x', { buckets: [1] }).record(1);
    registry.gauge('x_bucket').set(1);
    const collisions: string[] = [];
    const text = formatPrometheus(series(registry), 'prometheus', { onCollision: (name, other) => collisions.push(`${name}/${other}`) });
    expect(collisions).toEqual(['x_bucket/x']);
    expect(text).not.toContain('# TYPE x_bucket');
  });
});

describe('prometheusSeriesOf', () => {
  it('reads a histogram of another copy of tapemeasure that has no lifetime buckets as a summary', () => {
    const registry = new Registry();
    const h = registry.histogram('old');
    h.record(1);
    // What a Histogram of an older copy looks like: no lifetimeBuckets method.
    const older = Object.assign(Object.create(null) as object, { type: 'histogram', name: h.name, tags: h.tags, snapshot: () => h.snapshot() });
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- the point: an object that is no Histogram of this copy
    const s = prometheusSeriesOf(older as typeof h, undefined);
    expect(s.buckets).toBeNull();
    expect(formatPrometheus([s], 'prometheus')).toContain('# TYPE old summary');
  });
});
