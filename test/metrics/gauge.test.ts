import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock, Registry } from '../../src/index.js';

const registry = (): Registry => new Registry({ clock: new ManualClock() });

describe('Gauge', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads a sync callback at snapshot time', () => {
    const r = registry();
    let depth = 3;
    const g = r.gauge('queue.depth', () => depth);
    expect(g.value).toBe(3);
    depth = 8;
    expect(r.snapshot()).toEqual({ queue: { depth: { type: 'gauge', value: 8 } } });
  });

  it('is settable without a callback, and ignores invalid values', () => {
    const r = registry();
    const g = r.gauge('temp');
    g.set(-21.5);
    g.set(Number.NaN);
    expect(g.value).toBe(-21.5);
    g.inc(1.5);
    g.dec();
    expect(g.value).toBe(-21);
    expect(r.invalidValues).toBe(1);
    g.dec('5' as unknown as number); // regression: the minus used to coerce the string
    expect(g.value).toBe(-21);
    expect(r.invalidValues).toBe(2);
  });

  it('drops and counts set(), inc() and dec() on a callback gauge, which keeps reading its callback', () => {
    const r = registry();
    const g = r.gauge('depth', () => 7);
    g.set(3);
    g.inc(2);
    g.dec();
    expect(g.value).toBe(7);
    expect(g.settable).toBe(false);
    expect(r.gauge('temp').settable).toBe(true);
    expect(r.invalidValues).toBe(3);
  });

  it('reports a throwing gauge as an error for that gauge only', () => {
    const r = registry();
    r.gauge('bad', () => {
      throw new TypeError('broken');
    });
    r.gauge('nan', () => Number.NaN);
    r.counter('ok').inc();
    const snap = r.snapshot();
    expect(snap).toEqual({
      bad: { type: 'gauge', value: null, error: 'TypeError: broken' },
      nan: { type: 'gauge', value: null, error: 'returned NaN, not a finite number' },
      ok: { type: 'counter', count: 1 },
    });
  });

  it('awaits async callbacks in collect(), and reports their last value in snapshot()', async () => {
    const r = registry();
    let n = 0;
    const g = r.gauge('pool.size', async () => {
      await Promise.resolve();
      return ++n;
    });
    expect(r.snapshot()).toEqual({ pool: { size: { type: 'gauge', value: null, error: 'pending: the async gauge has not settled yet' } } });
    expect(await r.collect()).toEqual({ pool: { size: { type: 'gauge', value: 1 } } });
    expect(g.value).toBe(1);
    expect(await g.collect()).toEqual({ type: 'gauge', value: 2 });
  });

  it('times out an async gauge that never settles, without calling it again meanwhile', async () => {
    vi.useFakeTimers();
    const r = registry();
    let calls = 0;
    r.gauge('stuck', () => {
      calls++;
      return new Promise<number>(() => undefined);
    }, { timeoutMs: 250 });
    r.gauge('fine', async () => 1);
    const collecting = r.collect();
    await vi.advanceTimersByTimeAsync(250);
    expect(await collecting).toEqual({
      stuck: { type: 'gauge', value: null, error: 'timed out after 250 ms' },
      fine: { type: 'gauge', value: 1 },
    });
    const again = r.collect();
    await vi.advanceTimersByTimeAsync(250);
    await again;
    expect(calls).toBe(1);
  });

  it('reports a rejecting gauge as an error', async () => {
    const r = registry();
    r.gauge('down', () => Promise.reject(new Error('db down')));
    expect(await r.collect()).toEqual({ down: { type: 'gauge', value: null, error: 'Error: db down' } });
  });

  it('replaces the callback when asked again with another one (hot reload)', () => {
    const r = registry();
    const a = r.gauge('g', () => 1);
    const b = r.gauge('g', () => 2);
    expect(b).toBe(a);
    expect(a.value).toBe(2);
  });
});
