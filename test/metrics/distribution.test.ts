import { describe, expect, it } from 'vitest';
import { ErrorCodes, ManualClock } from '../../src/index.js';
import { tickerFor } from '../../src/clock.js';
import { readOptions } from '../../src/internal/options.js';
import { InvalidValueTally } from '../../src/metrics/metric.js';
import { DEFAULT_WINDOW, Distribution, WINDOW_SCHEMA, windowConfig, windowDifferences } from '../../src/metrics/distribution.js';

const configOf = (options: object, resolution?: number) =>
  windowConfig('histogram "h"', readOptions('histogram "h"', options, WINDOW_SCHEMA), resolution);

describe('window options', () => {
  it('are interned: equal options, however spelled, are one frozen config', () => {
    const a = configOf({});
    expect(configOf({ significantDigits: DEFAULT_WINDOW.significantDigits, windowMs: 60_000, windowSlices: 4 }, 0.001)).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(a).toEqual({ significantDigits: 2, resolution: 0.001, ticksPerSlice: 3, slices: 4 });
    expect(configOf({ windowSlices: 2, windowMs: 30_000 })).not.toBe(a);
  });

  it('need whole 5-second slices', () => {
    expect(() => configOf({ windowMs: 10_000, windowSlices: 3 })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
    expect(configOf({ windowMs: 15_000, windowSlices: 3 }).ticksPerSlice).toBe(1);
  });

  it('differ in the words of the options', () => {
    const pairs = windowDifferences(configOf({}), configOf({ windowMs: 120_000, significantDigits: 3 }, 1), 'resolutionMs').map((d) => d.pair);
    expect(pairs).toEqual(['significantDigits 2 vs 3', 'windowMs 60000 vs 120000', 'resolutionMs 0.001 vs 1']);
    expect(windowDifferences(configOf({}), configOf({}), 'resolution')).toEqual([]);
  });
});

describe('Distribution', () => {
  it('keeps lifetime count and sum apart from the window, and feeds open readers', () => {
    const clock = new ManualClock();
    const d = new Distribution({ clock, ticker: tickerFor(clock), invalid: new InvalidValueTally() }, configOf({}));
    const reader = d.openInterval();
    d.record(2);
    d.record(4);
    clock.advance(120_000);
    expect(d.fields()).toMatchObject({ count: 2, sum: 6, windowCount: 0, p50: null });
    expect(d.toHdr()).toBeNull();
    expect(reader.take()).toMatchObject({ count: 2, sum: 6, min: 2, max: 4 });
    reader.close();
    d.record(1);
    expect(reader.take().count).toBe(0);
  });
});
