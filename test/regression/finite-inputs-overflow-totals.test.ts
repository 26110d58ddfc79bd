// Regression (issue 11 #9): finite inputs could overflow a total. `counter.inc(1e308)`
// twice reached Infinity and counted nothing invalid, so Prometheus then served `+Inf`
// for ever. A value that would make a total non-finite is now dropped and counted.
import { describe, expect, it } from 'vitest';
import { ManualClock, Registry } from '../../src/index.js';

describe('finite inputs never make a total non-finite', () => {
  it('counter.inc(1e308) twice keeps 1e308 and counts one invalid value', () => {
    const r = new Registry({ clock: new ManualClock() });
    const c = r.counter('c');
    c.inc(1e308);
    c.inc(1e308);
    expect(c.count).toBe(1e308);
    expect(r.invalidValues).toBe(1);
  });

  it('counter.dec(1e308) twice keeps -1e308 and counts one invalid value', () => {
    const r = new Registry({ clock: new ManualClock() });
    const c = r.counter('c');
    c.dec(1e308);
    c.dec(1e308);
    expect(c.count).toBe(-1e308);
    expect(r.invalidValues).toBe(1);
  });

  it('meter.mark(1e308) twice keeps the count and the mean rate finite', () => {
    const clock = new ManualClock();
    const r = new Registry({ clock });
    const m = r.meter('m');
    m.mark(1e308);
    m.mark(1e308);
    expect(m.count).toBe(1e308);
    expect(r.invalidValues).toBe(1);
    clock.advance(1_000);
    // count * 1000 overflowed before the division.
    expect(m.meanRate).toBe(1e308);
    clock.advance(5_000);
    expect(Number.isFinite(m.m1Rate)).toBe(true);
  });

  it('a settable gauge inc/dec that would overflow is dropped and counted', () => {
    const r = new Registry({ clock: new ManualClock() });
    const g = r.gauge('g');
    g.set(1.5e308);
    g.inc(1.5e308);
    g.dec(-1.5e308);
    expect(g.value).toBe(1.5e308);
    expect(r.invalidValues).toBe(2);
  });
});
