// Regression: a histogram read after the clock crossed a slice boundary, but before the shared ticker's
// timer fired, rotated the window early; values recorded next fell out of the window.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Registry, type Clock } from '../../src/index.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('regression: window drops values after a read ahead of the ticker', () => {
  it('values recorded after a read that ran ahead of the ticker stay in the window', () => {
    vi.useFakeTimers();
    let nowMs = 0;
    const clock: Clock = { now: () => nowMs, monotonicMs: () => nowMs };
    const h = new Registry({ clock }).histogram('h', { windowMs: 5_000, windowSlices: 1 });
    h.record(1);
    nowMs = 5_000.5; // the clock has crossed the boundary; the ticker's timer has not fired
    expect(h.statistics().windowCount).toBe(0);
    h.record(2);
    h.record(3);
    expect(h.statistics()).toMatchObject({ windowCount: 2, min: 2, max: 3 });
  });
});
