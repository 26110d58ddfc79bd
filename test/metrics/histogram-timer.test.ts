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
    expect(() => r.histogram('b', { windowMs: 7_000 })).toThrow(/multiple of 5000/);
    expect(() => r.histogram('c', { resolution: 0 })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
  });

  it('gives each interval reader the values since its own last take', () => {
    const r = new Registry({ clock: new ManualClock() });
    const h = r.histogram('h');
    const a = h.openInterval();
    h.record(1);
    const b = h.openInterval();
    h.record(2);
    expect(a.take()).toMatchObject({ count: 2, min: 1, max: 2 });
    h.record(3);
    expect(b.take()).toMatchObject({ count: 2, min: 2, max: 3 });
    expect(a.take()).toMatchObject({ count: 1, min: 3, max: 3 });
    expect(a.take()).toMatchObject({ count: 0, min: null, p99: null });
    a.close();
    a.close();
    h.record(4);
    expect(a.take().count).toBe(0);
    expect(b.take().count).toBe(1);
  });
});

describe('Timer', () => {
  function setup(): { clock: ManualClock; registry: Registry } {
    const clock = new ManualClock();
    return { clock, registry: new Registry({ clock }) };
  }

  it('times a sync function and returns exactly its result', () => {
    const { clock, registry } = setup();
    const t = registry.timer('t');
    const value = { answer: 42 };
    const got = t.time(() => {
      clock.advance(12.5);
      return value;
    });
    expect(got).toBe(value);
    expect(t.count).toBe(1);
    expect(t.statistics()).toMatchObject({ min: 12.5, max: 12.5, sum: 12.5 });
  });

  it('records then rethrows when the function throws', () => {
    const { clock, registry } = setup();
    const t = registry.timer('t');
    const error = new Error('boom');
    expect(() =>
      t.time(() => {
        clock.advance(3);
        throw error;
      }),
    ).toThrow(error);
    expect(t.statistics()).toMatchObject({ count: 1, max: 3 });
  });

  it('records when a returned promise fulfils, and returns a promise of the same value', async () => {
    const { clock, registry } = setup();
    const t = registry.timer('t');
    let resolve!: (v: string) => void;
    const promise = new Promise<string>((r) => (resolve = r));
    const got = t.time(() => promise);
    expect(got).toBeInstanceOf(Promise);
    expect(t.count).toBe(0);
    clock.advance(40);
    resolve('ok');
    await expect(got).resolves.toBe('ok');
    await Promise.resolve();
    expect(t.statistics()).toMatchObject({ count: 1, max: 40 });
  });

  it('records when an async function rejects, and the caller still sees the rejection', async () => {
    const { clock, registry } = setup();
    const t = registry.timer('t');
    const p = t.time(async () => {
      clock.advance(7);
      await Promise.resolve();
      throw new Error('nope');
    });
    await expect(p).rejects.toThrow('nope');
    await Promise.resolve();
    expect(t.statistics()).toMatchObject({ count: 1, max: 7 });
  });

  it('has a stopwatch that records once, and works with using', () => {
    const { clock, registry } = setup();
    const t = registry.timer('t');
    const sw = t.start();
    clock.advance(5);
    expect(sw.stop()).toBe(5);
    clock.advance(5);
    expect(sw.stop()).toBe(5);
    expect(t.count).toBe(1);
    {
      using _sw = t.start();
      clock.advance(2);
    }
    expect(t.count).toBe(2);
    expect(t.statistics().min).toBe(2);
  });

  it('is a meter of timed events too', () => {
    const { clock, registry } = setup();
    const t = registry.timer('t');
    t.update(1);
    t.update(2);
    t.update(3);
    clock.advance(5_000);
    expect(t.m1Rate).toBeCloseTo(0.6, 12);
    const snap = t.snapshot();
    expect(snap).toMatchObject({ type: 'timer', count: 3, sum: 6, m1Rate: 0.6, min: 1, max: 3, mean: 2 });
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  });

  it('drops invalid durations', () => {
    const { registry } = setup();
    const t = registry.timer('t');
    t.update(-1);
    t.update(Number.NaN);
    expect(t.count).toBe(0);
    expect(registry.invalidValues).toBe(2);
  });
});
