import { describe, expect, it } from 'vitest';
import { ManualClock, type Metric } from '../../src/index.js';
import { Counter } from '../../src/metrics/counter.js';
import { Meter } from '../../src/metrics/meter.js';
import { NO_OPTIONS } from '../../src/registry/conflicts.js';
import { Registration } from '../../src/registry/registration.js';

describe('Registration', () => {
  it('creates a series once, with the registry context, and tells the listeners', () => {
    const clock = new ManualClock();
    const registration = new Registration(clock, { maxSeriesPerName: 10, maxSeries: 100, expireAfterMs: null });
    const added: Metric[] = [];
    registration.listeners.add({ onAdded: (m) => void added.push(m) });
    const a = registration.register('counter', 'jobs', undefined, NO_OPTIONS, (ctx) => new Counter(ctx));
    const b = registration.register('counter', 'jobs', undefined, NO_OPTIONS, (ctx) => new Counter(ctx));
    expect(b).toBe(a);
    expect(added).toEqual([a]);
    (a as Counter).inc(Number.NaN);
    expect(registration.invalid.count).toBe(1);
  });

  it('ticks the meters it holds, and stops when a meter is removed', () => {
    const clock = new ManualClock();
    const registration = new Registration(clock, { maxSeriesPerName: 10, maxSeries: 100, expireAfterMs: null });
    const meter = registration.register('meter', 'm', undefined, NO_OPTIONS, (ctx) => new Meter(ctx)) as Meter;
    meter.mark(5);
    clock.advance(5_000);
    const seeded = meter.rates().m1Rate;
    expect(seeded).toBe(1);
    const family = registration.families.get('m')!;
    registration.remove(family, meter);
    expect(registration.families.get('m')).toBeUndefined();
  });
});
