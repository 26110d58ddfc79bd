import { describe, expect, it } from 'vitest';
import { ManualClock, Registry } from '../../src/index.js';
import { ewmaAlpha, ewmaTick } from '../../src/stats/ewma.js';

/** A tiny stateful wrapper over the pure function, as a meter holds it. */
class Ewma {
  ratePerSecond = 0;
  #seeded = false;
  readonly #alpha: number;
  constructor(alpha: number) {
    this.#alpha = alpha;
  }
  tick(events: number, ticks: number): void {
    this.ratePerSecond = ewmaTick(this.ratePerSecond, this.#seeded, this.#alpha, events, ticks);
    this.#seeded = true;
  }
}

// Dropwizard Metrics' EWMATest reference values: mark 3, one tick, then one value per
// elapsed minute (12 ticks), each within 1e-6.
const REFERENCE = {
  1: [
    0.6, 0.22072766, 0.08120117, 0.02987224, 0.01098938, 0.00404277, 0.00148725, 0.00054713, 0.00020128,
    0.00007405, 0.00002724, 0.00001002, 0.00000369, 0.00000136, 0.0000005, 0.00000018,
  ],
  5: [
    0.6, 0.49123845, 0.40219203, 0.32928698, 0.26959738, 0.22072766, 0.18071653, 0.14795818, 0.12113791,
    0.09917933, 0.08120117, 0.0664819, 0.05443077, 0.04456415, 0.03648604, 0.02987224,
  ],
  15: [
    0.6, 0.56130419, 0.52510399, 0.49123845, 0.459557, 0.42991879, 0.40219203, 0.37625345, 0.35198773,
    0.32928698, 0.30805027, 0.28818318, 0.26959738, 0.25221023, 0.23594443, 0.22072766,
  ],
} as const;

const rateOf = { 1: 'm1Rate', 5: 'm5Rate', 15: 'm15Rate' } as const;

describe('ewmaTick', () => {
  for (const minutes of [1, 5, 15] as const) {
    it(`reproduces Dropwizard's ${minutes}-minute reference values tick by tick`, () => {
      const ewma = new Ewma(ewmaAlpha(minutes));
      ewma.tick(3, 1);
      const seen = [ewma.ratePerSecond];
      for (let m = 1; m < REFERENCE[minutes].length; m++) {
        for (let t = 0; t < 12; t++) ewma.tick(0, 1);
        seen.push(ewma.ratePerSecond);
      }
      seen.forEach((rate, i) => expect(rate).toBeCloseTo(REFERENCE[minutes][i]!, 6));
    });

    it(`reproduces them through a Meter whose reads catch up a minute at a time (${minutes} min)`, () => {
      const clock = new ManualClock();
      const meter = new Registry({ clock }).meter('jobs');
      meter.mark(3);
      clock.advance(5_000);
      for (let m = 0; m < REFERENCE[minutes].length; m++) {
        expect(Math.abs(meter[rateOf[minutes]] - REFERENCE[minutes][m]!)).toBeLessThan(1e-6);
        clock.advance(60_000);
      }
    });
  }

  it('applies n idle ticks in closed form exactly as n single ticks', () => {
    const a = new Ewma(ewmaAlpha(1));
    const b = new Ewma(ewmaAlpha(1));
    a.tick(7, 1);
    b.tick(7, 1);
    a.tick(2, 37);
    b.tick(2, 1);
    for (let i = 1; i < 37; i++) b.tick(0, 1);
    expect(a.ratePerSecond).toBeCloseTo(b.ratePerSecond, 12);
    expect(a.ratePerSecond).toBeGreaterThan(0);
  });

  it('becomes exactly 0 after a year idle, in O(1)', () => {
    const ewma = new Ewma(ewmaAlpha(15));
    ewma.tick(1e9, 1);
    ewma.tick(0, (365 * 24 * 3600) / 5);
    expect(ewma.ratePerSecond).toBe(0);
    expect(Object.is(ewma.ratePerSecond, 0)).toBe(true);
  });

  it('is seeded by its first tick, even an empty one', () => {
    const ewma = new Ewma(ewmaAlpha(1));
    ewma.tick(0, 1);
    ewma.tick(5, 1);
    expect(ewma.ratePerSecond).toBeCloseTo(ewmaAlpha(1) * 1, 12);
  });
});
