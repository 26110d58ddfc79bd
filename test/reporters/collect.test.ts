import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { Registry } from '../../src/registry/registry.js';
import { collectSeries, snapshotOf } from '../../src/reporters/collect.js';
import { ReportCollector } from '../../src/reporters/report-collector.js';

const options = {
  filter: undefined,
  statistics: ['count', 'max', 'p99', 'm1Rate'],
  rateUnit: 's',
  durationUnit: 'ms',
  distribution: 'window',
} as const;

describe('collectSeries', () => {
  it('awaits callback gauges first, in parallel, then reads everything in registry order', async () => {
    const registry = new Registry({ clock: new ManualClock() });
    const order: string[] = [];
    registry.counter('a').inc();
    registry.gauge('slow', async () => {
      order.push('slow gauge started');
      await new Promise((resolve) => setImmediate(resolve));
      order.push('slow gauge done');
      return 1;
    });
    registry.gauge('fast', async () => {
      order.push('fast gauge started');
      return 2;
    });
    registry.gauge('set').set(3);
    const series = await collectSeries(registry, {
      filter: undefined,
      onFilterError: () => {},
      read: (metric, gaugeRead) => {
        order.push(`read ${metric.name}`);
        return snapshotOf(metric, gaugeRead);
      },
    });
    expect(order).toEqual(['slow gauge started', 'fast gauge started', 'slow gauge done', 'read a', 'read slow', 'read fast', 'read set']);
    expect(series!.map((s) => [s.name, s.snapshot])).toEqual([
      ['a', { type: 'counter', count: 1 }],
      ['slow', { type: 'gauge', value: 1 }],
      ['fast', { type: 'gauge', value: 2 }],
      ['set', { type: 'gauge', value: 3 }],
    ]);
  });

  it('leaves out a metric whose filter throws, and says which', async () => {
    const registry = new Registry({ clock: new ManualClock() });
    registry.counter('ok');
    registry.counter('bad');
    const failed: string[] = [];
    const series = await collectSeries(registry, {
      filter: (m) => {
        if (m.name === 'bad') throw new Error('no');
        return true;
      },
      onFilterError: (metric) => failed.push(metric.name),
      read: snapshotOf,
    });
    expect(series!.map((s) => s.name)).toEqual(['ok']);
    expect(failed).toEqual(['bad']);
  });

  it('stops at the next slice once aborted', async () => {
    const registry = new Registry({ clock: new ManualClock() });
    for (let i = 0; i < 50; i++) registry.counter(`c${i}`);
    let reads = 0;
    const series = await collectSeries(registry, {
      filter: undefined,
      onFilterError: () => {},
      read: (metric) => {
        reads++;
        // Make every read take a whole slice, so the collector yields after each.
        const until = performance.now() + 10;
        while (performance.now() < until) {
          // busy
        }
        return metric.name;
      },
      aborted: () => reads >= 2,
    });
    expect(series).toBeNull();
    expect(reads).toBe(2);
  });
});

describe('ReportCollector', () => {
  it('keeps count deltas of its own, and converts units', async () => {
    const clock = new ManualClock();
    const registry = new Registry({ clock });
    const timer = registry.timer('t');
    timer.update(1.5);
    const collector = new ReportCollector(registry, { ...options, durationUnit: 'us', rateUnit: 'min', onError: () => {} });
    const [first] = await collector.collect();
    expect(first!.countDelta).toBe(1);
    expect(first!.fields.find((f) => f.statistic === 'max')!.value).toBeCloseTo(1500, 0);
    timer.update(2);
    timer.update(2);
    const [second] = await collector.collect();
    expect([second!.count, second!.countDelta]).toEqual([3, 2]);
  });

  it('reports a failed gauge as an error of kind gauge, without fields', async () => {
    const registry = new Registry({ clock: new ManualClock() });
    registry.gauge('g', () => {
      throw new Error('down');
    });
    const errors: string[] = [];
    const collector = new ReportCollector(registry, { ...options, onError: (kind, _error, message) => errors.push(`${kind}: ${message}`) });
    const [series] = await collector.collect();
    expect(series!.fields).toEqual([]);
    expect(errors).toEqual(['gauge: gauge "g" failed: Error: down']);
  });

  it('with distribution interval, reads what was recorded since its previous report', async () => {
    const registry = new Registry({ clock: new ManualClock() });
    const h = registry.histogram('h', { resolution: 1 });
    const collector = new ReportCollector(registry, { ...options, distribution: 'interval', onError: () => {} });
    collector.open();
    h.record(10);
    expect((await collector.collect())[0]!.fields.map((f) => [f.statistic, f.value])).toEqual([['count', 1], ['max', 10], ['p99', 10]]);
    // Nothing since: no statistics but the count.
    expect((await collector.collect())[0]!.fields.map((f) => f.statistic)).toEqual(['count']);
    collector.close();
  });

  it('when told to hurry, keeps counts and leaves out statistics and rates, saying so', async () => {
    const registry = new Registry({ clock: new ManualClock() });
    const h = registry.histogram('h', { resolution: 1 });
    const t = registry.timer('t');
    registry.counter('c').inc(4);
    h.record(10);
    t.update(5);
    const errors: string[] = [];
    const collector = new ReportCollector(registry, {
      ...options,
      statistics: ['count', 'max', 'p99', 'meanRate'],
      onError: (kind, _error, message) => errors.push(`${kind}: ${message}`),
    });
    let calls = 0;
    // Hurry from the second series on: the histogram (first) is read in full.
    const series = await collector.collect({ hurry: () => ++calls > 1 });
    expect(series.map((s) => [s.name, s.countDelta, s.fields.map((f) => f.statistic)])).toEqual([
      ['h', 1, ['count', 'max', 'p99']],
      ['t', 1, ['count']],
      ['c', 4, ['count']],
    ]);
    expect(errors).toEqual([
      'stop-timeout: the report left out the distribution statistics of 1 series to fit in stopTimeoutMs (their counts went)',
    ]);
  });

  it('bounds each callback gauge read by gaugeBoundMs, whatever its own timeout', async () => {
    const registry = new Registry({ clock: new ManualClock() });
    registry.gauge('hangs', () => new Promise<number>(() => {}), { timeoutMs: 60_000 });
    registry.gauge('quick', async () => 7, { timeoutMs: 60_000 });
    const collector = new ReportCollector(registry, { ...options, onError: () => {} });
    const started = performance.now();
    const [hangs, quick] = await collector.collect({ gaugeBoundMs: 20 });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(hangs!.error).toBe('timed out after 20 ms');
    expect(quick!.value).toBe(7);
  });
});
