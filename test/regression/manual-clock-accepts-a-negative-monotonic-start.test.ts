// Regression: a ManualClock accepted a negative monotonic start, and window slots went negative with it.
import { describe, expect, it } from 'vitest';
import { ErrorCodes, ManualClock } from '../../src/index.js';
import { WindowedHistogram } from '../../src/stats/windowed-histogram.js';

describe('regression: manual clock accepts a negative monotonic start', () => {
  it('a ManualClock refuses a negative monotonic start, and slots never go negative', () => {
    expect(() => new ManualClock({ monotonicMs: -20_000 })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
    const w = new WindowedHistogram({ significantDigits: 2, resolution: 1, ticksPerSlice: 1, slices: 4 }, -5);
    for (let v = 1; v <= 10; v++) w.record(v, -5);
    expect(w.statistics(-5)).toMatchObject({ count: 10, p50: 5 });
  });
});
