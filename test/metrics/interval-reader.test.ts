import { describe, expect, it } from 'vitest';
import { ManualClock, Registry } from '../../src/index.js';

describe('IntervalReader', () => {
  it('gives each reader the values since its own last take', () => {
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

  it('reads timers too, in milliseconds, whatever the window does meanwhile', () => {
    const clock = new ManualClock();
    const t = new Registry({ clock }).timer('t');
    const reader = t.openInterval();
    t.update(5);
    clock.advance(120_000); // the window has emptied; the interval has not
    expect(t.statistics().windowCount).toBe(0);
    expect(reader.take()).toMatchObject({ count: 1, sum: 5, min: 5, max: 5, p50: 5 });
    reader.close();
  });
});
