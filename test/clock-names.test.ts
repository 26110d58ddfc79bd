import { describe, expect, it, vi } from 'vitest';
import { ErrorCodes, ManualClock, name, Registry, systemClock, type Clock } from '../src/index.js';
import { currentTick, TICK_MS, tickerFor } from '../src/clock.js';

describe('ManualClock', () => {
  it('moves only when told, and moves its ticker with it', () => {
    const clock = new ManualClock({ nowMs: 1_700_000_000_000 });
    const ticker = tickerFor(clock);
    expect(clock.now()).toBe(1_700_000_000_000);
    expect(ticker.tick).toBe(0);
    clock.advance(TICK_MS * 2 + 1);
    expect(clock.monotonicMs()).toBe(TICK_MS * 2 + 1);
    expect(ticker.tick).toBe(2);
    clock.setNow(5);
    expect(clock.now()).toBe(5);
    expect(clock.monotonicMs()).toBe(TICK_MS * 2 + 1);
  });

  it('rejects going backwards or non-finite steps', () => {
    const clock = new ManualClock();
    expect(() => clock.advance(-1)).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
    expect(() => clock.advance(Number.NaN)).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
  });
});

describe('system clock ticker', () => {
  it('is shared per clock and never behind the clock on reads', () => {
    const ticker = tickerFor(systemClock);
    expect(tickerFor(systemClock)).toBe(ticker);
    const tick = currentTick(systemClock, ticker);
    expect(tick).toBeLessThanOrEqual(Math.floor(systemClock.monotonicMs() / TICK_MS));
    expect(ticker.tick).toBeLessThanOrEqual(tick);
  });

  it('delivers each boundary from one timer, so marks count in the tick in which they happened', () => {
    vi.useFakeTimers();
    try {
      let nowMs = 1_000;
      const clock: Clock = { now: () => nowMs, monotonicMs: () => nowMs };
      const meter = new Registry({ clock }).meter('m');
      meter.mark(5);
      nowMs = TICK_MS + 2;
      vi.advanceTimersByTime(TICK_MS); // the ticker's timer fires just after the boundary
      meter.mark(100); // tick 1: must not be folded into tick 0
      expect(meter.m1Rate).toBeCloseTo(1, 12);
      expect(meter.count).toBe(105);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('name()', () => {
  it('joins parts with dots, skipping empty ones', () => {
    expect(name('http', '', undefined, 'requests', null, 'get')).toBe('http.requests.get');
    expect(name()).toBe('');
    expect(name('a.b', 'c')).toBe('a.b.c');
  });
});
