import { describe, expect, it } from 'vitest';
import { ErrorCodes, ManualClock, Registry } from '../../src/index.js';

describe('Histogram', () => {
  it('keeps lifetime count and sum while the window slides', () => {
    const clock = new ManualClock();
    const h = new Registry({ clock }).histogram('sizes');
    for (let v = 1; v <= 100; v++) h.record(v);
    let s = h.statistics();
    expect(s).toMatchObject({ count: 100, sum: 5050, windowCount: 100, min: 1, max: 100, mean: 50.5 });
    clock.advance(30_000);
    for (let v = 1; v <= 10; v++) h.record(1000 + v);
    clock.advance(35_000); // the first batch's slice has left the 60 s window
    s = h.statistics();
    expect(s).toMatchObject({ count: 110, windowCount: 10, min: 1001, max: 1010 });
    clock.advance(60_000);
    s = h.statistics();
    expect(s.count).toBe(110);
    expect(s.windowCount).toBe(0);
    expect(s.p99).toBeNull();
    expect(s.min).toBeNull();
  });

  it('drops and counts NaN, infinities, negatives and non-numbers', () => {
    const r = new Registry({ clock: new ManualClock() });
    const h = r.histogram('h');
    for (const bad of [Number.NaN, Infinity, -Infinity, -1, '5', undefined, 1e300]) h.record(bad as number);
    expect(h.count).toBe(0);
    expect(r.invalidValues).toBe(7);
    h.record(0);
    expect(h.statistics().p50).toBe(0);
  });

  it('rejects bad window options at creation with a coded error', () => {
    const r = new Registry({ clock: new ManualClock() });
    expect(() => r.histogram('a', { significantDigits: 6 })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
    expect(() => r.histogram('b', { windowMs: 7_000 })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
    // 4 slices of 7.5 s: each slice must be whole 5 s ticks.
    expect(() => r.histogram('c', { windowMs: 30_000 })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
    expect(() => r.histogram('d', { resolution: 0 })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
    expect(r.size).toBe(0);
  });

  it('buckets by resolution: quantiles within it, min, max and sum exact', () => {
    const r = new Registry({ clock: new ManualClock() });
    const h = r.histogram('bytes', { resolution: 1 });
    for (const v of [0.4, 10.2, 10.7, 512]) h.record(v);
    const s = h.statistics();
    expect(s).toMatchObject({ min: 0.4, max: 512, sum: 0.4 + 10.2 + 10.7 + 512 });
    expect(Math.abs(s.p50! - 10.2)).toBeLessThanOrEqual(1);
  });

  it('exports its window to hdr-histogram-js, and snapshots as JSON', () => {
    const r = new Registry({ clock: new ManualClock() });
    const h = r.histogram('h', { resolution: 1 });
    expect(h.toHdrHistogram()).toBeNull();
    for (let v = 1; v <= 100; v++) h.record(v);
    expect(h.toHdrHistogram()!.totalCount).toBe(100);
    const snap = h.snapshot();
    expect(snap).toMatchObject({ type: 'histogram', count: 100, windowCount: 100, min: 1, max: 100 });
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  });
});
