import { describe, expect, it } from 'vitest';
import { ManualClock, Registry } from '../../src/index.js';

describe('Meter', () => {
  it('counts marks in the 5-second tick in which they happened', () => {
    const clock = new ManualClock();
    const m = new Registry({ clock }).meter('m');
    clock.advance(4_999);
    m.mark(5); // still tick 0
    clock.advance(1); // tick 1 begins
    m.mark(100); // belongs to tick 1, must not seed the first tick
    expect(m.m1Rate).toBeCloseTo(1, 12); // 5 events / 5 s
    clock.advance(5_000);
    const alpha = 1 - Math.exp(-5 / 60);
    expect(m.m1Rate).toBeCloseTo(1 + alpha * (20 - 1), 12);
    expect(m.count).toBe(105);
  });

  it('reads no clock on mark: a mark uses the shared tick even if the clock moved', () => {
    let reads = 0;
    const inner = new ManualClock();
    const clock = new (class extends ManualClock {
      override monotonicMs(): number {
        reads++;
        return inner.monotonicMs();
      }
    })();
    const m = new Registry({ clock }).meter('m');
    reads = 0;
    for (let i = 0; i < 1000; i++) m.mark();
    expect(reads).toBe(0);
  });

  it('has a lifetime mean rate and rates of 0 before the first tick', () => {
    const clock = new ManualClock();
    const m = new Registry({ clock }).meter('m');
    expect(m.meanRate).toBe(0);
    m.mark(10);
    clock.advance(2_000);
    expect(m.meanRate).toBe(5);
    expect(m.m1Rate).toBe(0);
    expect(m.m15Rate).toBe(0);
  });

  it('decays to exactly 0 after a year idle', () => {
    const clock = new ManualClock();
    const m = new Registry({ clock }).meter('m');
    m.mark(1_000_000);
    clock.advance(5_000);
    expect(m.m15Rate).toBeGreaterThan(0);
    clock.advance(365 * 24 * 3600 * 1000);
    expect(m.m1Rate).toBe(0);
    expect(m.m5Rate).toBe(0);
    expect(m.m15Rate).toBe(0);
  });

  it('drops negative, non-finite and non-number marks', () => {
    const r = new Registry({ clock: new ManualClock() });
    const m = r.meter('m');
    for (const bad of [-1, Number.NaN, Infinity, '2']) m.mark(bad as number);
    expect(m.count).toBe(0);
    expect(r.invalidValues).toBe(4);
    expect(m.snapshot()).toEqual({ type: 'meter', count: 0, meanRate: 0, m1Rate: 0, m5Rate: 0, m15Rate: 0 });
  });
});

describe('carried events (the cluster view meeting a past it did not see)', () => {
  it('count them, and feed no rate, not even the mean', () => {
    const clock = new ManualClock();
    const registry = new Registry({ clock });
    const meter = registry.meter('jobs');
    meter.mark(10);
    clock.advance(5_000);
    expect(meter.m1Rate).toBeCloseTo(2, 9); // 10 events in the first 5 s tick
    meter.carryEvents(1_000_000);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, 0]) meter.carryEvents(bad);
    expect(meter.count).toBe(1_000_010);
    expect(meter.meanRate).toBeCloseTo(2, 9);
    clock.advance(5_000);
    // The second tick saw no marked event: the average decays, it does not jump.
    expect(meter.m1Rate).toBeCloseTo(2 * Math.exp(-5 / 60), 9);
    expect(registry.invalidValues).toBe(0);
  });
});
