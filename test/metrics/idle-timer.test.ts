/**
 * An idle timer or histogram holds no window (it is created with the first value) and
 * keeps its rates in its own fields: these tests pin down that nothing a reader can see
 * depends on that.
 */

import { describe, expect, it } from 'vitest';
import { ManualClock, Registry } from '../../src/index.js';

const EMPTY = { windowCount: 0, min: null, max: null, mean: null, stddev: null, p50: null, p99: null, p999: null };

/** Moves the clock forward in 5-second ticks, as the coarse ticker's timer would. */
function pass(clock: ManualClock, ms: number): void {
  for (let t = 0; t < ms; t += 5_000) clock.advance(5_000);
}

describe('an idle timer', () => {
  it('snapshots as it always did: zero counts and rates, an empty window', () => {
    const clock = new ManualClock();
    const t = new Registry({ clock }).timer('t');
    pass(clock, 3 * 60_000);
    expect(t.snapshot()).toEqual({
      type: 'timer', count: 0, sum: 0, meanRate: 0, m1Rate: 0, m5Rate: 0, m15Rate: 0,
      windowCount: 0, min: null, max: null, mean: null, stddev: null,
      p50: null, p75: null, p95: null, p98: null, p99: null, p999: null,
    });
    expect(t.toHdrHistogram()).toBeNull();
    expect(t.type).toBe('timer');
  });

  it('records into the current window after idling for longer than a window', () => {
    const clock = new ManualClock();
    const t = new Registry({ clock }).timer('t');
    pass(clock, 2 * 60_000 + 5_000);
    t.update(4);
    t.update(8);
    expect(t.statistics()).toMatchObject({ count: 2, sum: 12, windowCount: 2, min: 4, max: 8 });
    // The value leaves the window a whole window later, not earlier.
    pass(clock, 45_000);
    expect(t.statistics()).toMatchObject({ windowCount: 2 });
    pass(clock, 20_000);
    expect(t.statistics()).toMatchObject({ count: 2, ...EMPTY });
  });

  it('rates an idle start like a meter: the first busy tick decays from the idle seed', () => {
    const clock = new ManualClock();
    const r = new Registry({ clock });
    const t = r.timer('t');
    const m = r.meter('m');
    pass(clock, 30_000); // idle ticks seed both with 0
    for (let i = 0; i < 50; i++) {
      t.update(1);
      m.mark();
    }
    pass(clock, 5_000);
    expect(t.m1Rate).toBeGreaterThan(0);
    expect(t.m1Rate).toBe(m.m1Rate);
    expect(t.m5Rate).toBe(m.m5Rate);
    expect(t.m15Rate).toBe(m.m15Rate);
    expect(t.count).toBe(50);
  });

  it('counts events merged through its meter handle, and drops invalid ones', () => {
    const clock = new ManualClock();
    const r = new Registry({ clock });
    const t = r.timer('t');
    t.meter.mark(3);
    t.meter.mark(-1);
    t.meter.mark(Number.NaN);
    expect(t.count).toBe(3);
    expect(r.invalidValues).toBe(2);
    expect(t.statistics()).toMatchObject({ count: 0, windowCount: 0 }); // the distribution saw none
  });

  it('drops a duration above the range and counts it, before and after its window exists', () => {
    const r = new Registry({ clock: new ManualClock() });
    const t = r.timer('t', { resolutionMs: 1 });
    t.update(Number.MAX_SAFE_INTEGER + 2);
    expect(r.invalidValues).toBe(1);
    t.update(Number.MAX_SAFE_INTEGER);
    t.update(Number.MAX_SAFE_INTEGER * 2);
    expect(r.invalidValues).toBe(2);
    expect(t.count).toBe(1);
  });

  it('reads lifetime buckets of zero while idle, then counts every value', () => {
    const clock = new ManualClock();
    const t = new Registry({ clock }).timer('t', { buckets: [1, 10] });
    expect(t.lifetimeBuckets()).toMatchObject({ count: 0 });
    expect(Array.from(t.lifetimeBuckets()!.cumulative)).toEqual([0, 0]);
    t.update(0.5);
    t.update(5);
    pass(clock, 2 * 60_000); // both leave the window into the lifetime buckets
    t.update(50);
    const read = t.lifetimeBuckets()!;
    expect(read.count).toBe(3);
    expect(Array.from(read.cumulative)).toEqual([1, 2]);
  });

  it('opens an interval reader while idle and sees what is recorded next', () => {
    const t = new Registry({ clock: new ManualClock() }).timer('t');
    const reader = t.openInterval();
    expect(reader.take()).toMatchObject({ count: 0, windowCount: 0, p50: null });
    t.update(3);
    expect(reader.take()).toMatchObject({ count: 1, min: 3, max: 3 });
    reader.close();
  });

  it('expires idle and comes back when asked again, then records', () => {
    const clock = new ManualClock();
    const r = new Registry({ clock, expireAfterMs: 60_000 });
    const t = r.timer('t');
    pass(clock, 2 * 60_000);
    expect(r.size).toBe(0);
    expect(r.timer('t')).toBe(t); // revived: the same series
    t.update(2);
    expect(r.snapshot()).toMatchObject({ t: { type: 'timer', count: 1, windowCount: 1, max: 2 } });
  });
});

describe('an idle histogram', () => {
  it('reads an empty window, then records after idling', () => {
    const clock = new ManualClock();
    const h = new Registry({ clock }).histogram('h');
    expect(h.snapshot()).toMatchObject({ type: 'histogram', count: 0, sum: 0, ...EMPTY });
    pass(clock, 90_000);
    h.record(7);
    expect(h.statistics()).toMatchObject({ count: 1, windowCount: 1, min: 7, max: 7 });
  });
});
