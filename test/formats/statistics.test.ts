import { describe, expect, it } from 'vitest';
import {
  ALL_STATISTICS,
  DEFAULT_STATISTICS,
  DISTRIBUTION_STATISTICS,
  DURATION_STATISTICS,
  durationConverter,
  EMPTY_WINDOW,
  QUANTILE_STATISTICS,
  RATE_STATISTIC_HELP,
  RATE_STATISTIC_ORDER,
  RATE_STATISTICS,
  rateConverter,
  STATISTIC_SUFFIX,
  TIME_UNIT_MS,
  TIME_UNITS,
} from '../../src/formats/statistics.js';

describe('the statistics table', () => {
  it('is consistent: every list is drawn from ALL_STATISTICS, every statistic has a suffix', () => {
    for (const s of [...DEFAULT_STATISTICS, ...DISTRIBUTION_STATISTICS, ...RATE_STATISTIC_ORDER, ...DURATION_STATISTICS, ...RATE_STATISTICS]) {
      expect(ALL_STATISTICS).toContain(s);
    }
    for (const s of ALL_STATISTICS) expect(STATISTIC_SUFFIX[s]).toMatch(/^[a-z0-9_]+$/);
    expect(new Set(ALL_STATISTICS.map((s) => STATISTIC_SUFFIX[s])).size).toBe(ALL_STATISTICS.length);
    expect([...DURATION_STATISTICS]).toEqual(['sum', ...DISTRIBUTION_STATISTICS]);
    expect([...RATE_STATISTICS]).toEqual([...RATE_STATISTIC_ORDER]);
    expect(Object.keys(RATE_STATISTIC_HELP)).toEqual([...RATE_STATISTIC_ORDER]);
    expect(TIME_UNITS).toEqual(Object.keys(TIME_UNIT_MS));
  });

  it('names each quantile statistic by its quantile', () => {
    for (const { statistic, quantile, label } of QUANTILE_STATISTICS) {
      expect(DISTRIBUTION_STATISTICS).toContain(statistic);
      expect(statistic).toBe(`p${label.slice(2).padEnd(2, '0')}`);
      expect(Number(label)).toBe(quantile);
    }
  });

  it('has an empty window of nulls, never zeros', () => {
    expect(EMPTY_WINDOW).toEqual({ windowCount: 0, ...Object.fromEntries(DISTRIBUTION_STATISTICS.map((s) => [s, null])) });
    expect(Object.isFrozen(EMPTY_WINDOW)).toBe(true);
  });
});

describe('unit converters', () => {
  it('convert exactly where the factor is a power of ten', () => {
    expect(durationConverter('ns')(1.5)).toBe(1_500_000);
    expect(durationConverter('s')(1500)).toBe(1.5);
    expect(durationConverter('min')(90_000)).toBe(1.5);
    expect(rateConverter('min')(0.5)).toBe(30);
    expect(rateConverter('ms')(1000)).toBe(1);
  });
});
