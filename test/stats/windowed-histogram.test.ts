import { describe, expect, it } from 'vitest';
import { WindowedHistogram, type WindowedHistogramConfig } from '../../src/stats/windowed-histogram.js';

function config(overrides: Partial<WindowedHistogramConfig> = {}): WindowedHistogramConfig {
  return { significantDigits: 2, resolution: 0.001, ticksPerSlice: 3, slices: 4, ...overrides };
}

describe('WindowedHistogram window', () => {
  it('is empty (statistics null, not 0) once the window has passed with no data', () => {
    const h = new WindowedHistogram(config({ ticksPerSlice: 3, slices: 4 }), 0);
    h.record(5, 0);
    expect(h.statistics(11).count).toBe(1);
    const s = h.statistics(12);
    expect(s).toEqual({
      count: 0, sum: 0, min: null, max: null, mean: null, stddev: null,
      p50: null, p75: null, p95: null, p98: null, p99: null, p999: null,
    });
  });

  it('lets recent data replace old data slice by slice', () => {
    const h = new WindowedHistogram(config({ ticksPerSlice: 1, slices: 2 }), 0);
    for (let i = 0; i < 100; i++) h.record(1000, 0);
    for (let i = 0; i < 100; i++) h.record(5, 1);
    let s = h.statistics(1);
    expect(s.count).toBe(200);
    expect(s.max).toBe(1000);
    s = h.statistics(2);
    expect(s.count).toBe(100);
    expect(s.max).toBe(5);
    expect(s.p99).toBe(5);
    h.record(7, 3);
    s = h.statistics(3);
    expect(s.count).toBe(1);
    expect(s.min).toBe(7);
  });

  it('allocates no counts until a value lands, and frees them when the window empties', () => {
    const h = new WindowedHistogram(config(), 0);
    expect(h.countsBytes).toBe(0);
    h.record(1.5, 0);
    expect(h.countsBytes).toBeGreaterThan(0);
    h.statistics(100);
    expect(h.countsBytes).toBe(0);
  });

  it('never wraps narrow counts: 70,000 equal values keep exact quantiles', () => {
    const h = new WindowedHistogram(config({ resolution: 1 }), 0);
    for (let i = 0; i < 70_000; i++) h.record(42, 0);
    h.record(1_000_000, 0);
    const s = h.statistics(0);
    expect(s.count).toBe(70_001);
    expect(s.p50).toBe(42);
    expect(s.p999).toBe(42);
    expect(s.max).toBe(1_000_000);
  });

  it('resets to empty and records again', () => {
    const h = new WindowedHistogram(config(), 0);
    for (let i = 0; i < 10; i++) h.record(i, 0);
    h.reset();
    expect(h.statistics(0).count).toBe(0);
    h.record(3, 0);
    expect(h.statistics(0).p50).toBe(3);
  });

  it('exports the window to an hdr-histogram-js histogram with the same counts', () => {
    const h = new WindowedHistogram(config({ resolution: 1 }), 0);
    for (let v = 1; v <= 1000; v++) h.record(v, v % 2 === 0 ? 0 : 3);
    const hdr = h.toHdr(3)!;
    expect(hdr.totalCount).toBe(1000);
    expect(hdr.getValueAtPercentile(50)).toBeGreaterThanOrEqual(500);
    expect(hdr.getValueAtPercentile(50)).toBeLessThanOrEqual(504);
    expect(hdr.maxValue).toBeGreaterThanOrEqual(1000);
    expect(new WindowedHistogram(config(), 0).toHdr(0)).toBeNull();
  });
});
