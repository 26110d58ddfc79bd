// Regression: a slice whose counts had been widened past 16 bits was reused at rotation with wrong counts.
import { describe, expect, it } from 'vitest';
import { WindowedHistogram } from '../../src/stats/windowed-histogram.js';

describe('regression: widened slice reused at rotation loses counts', () => {
  it('a widened slice is reused at rotation and counts stay exact', () => {
    const w = new WindowedHistogram({ significantDigits: 2, resolution: 1, ticksPerSlice: 1, slices: 2 }, 0);
    for (let i = 0; i < 70_000; i++) w.record(3, 0);
    for (let i = 0; i < 70_000; i++) w.record(4, 2); // the slot of slice 0, reused widened
    expect(w.statistics(2)).toMatchObject({ count: 70_000, min: 4, max: 4, p50: 4 });
  });
});
