import { describe, expect, it } from 'vitest';
import { ManualClock, Registry } from '../../src/index.js';

describe('Counter', () => {
  it('counts up and down and is never reset by reading', () => {
    const r = new Registry({ clock: new ManualClock() });
    const c = r.counter('jobs');
    c.inc();
    c.inc(5);
    c.dec(2);
    expect(c.count).toBe(4);
    expect(c.snapshot()).toEqual({ type: 'counter', count: 4 });
    expect(c.count).toBe(4);
  });

  it('drops and counts invalid increments without throwing', () => {
    const r = new Registry({ clock: new ManualClock() });
    const c = r.counter('jobs');
    for (const bad of [Number.NaN, Infinity, -Infinity, '3', null, {}]) c.inc(bad as number);
    c.dec(Number.NaN);
    expect(c.count).toBe(0);
    expect(r.invalidValues).toBe(7);
  });
});
