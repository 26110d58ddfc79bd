import { describe, expect, it, vi } from 'vitest';
import { ErrorCodes, ManualClock, MetricsError, Registry, systemClock, type Clock } from '../src/index.js';
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

function errorOf(fn: () => unknown): MetricsError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(MetricsError);
    return error as MetricsError;
  }
  throw new Error('expected a MetricsError');
}

describe('ManualClock options (table-driven)', () => {
  const bad: Record<string, unknown[]> = {
    nowMs: [Number.NaN, Infinity, '0', null],
    monotonicMs: [-1, Number.NaN, Infinity, '0'],
  };
  for (const [option, values] of Object.entries(bad)) {
    it(`rejects bad values of '${option}'`, () => {
      for (const value of values) {
        expect(errorOf(() => new ManualClock({ [option]: value })).code).toBe(ErrorCodes.INVALID_OPTION);
      }
    });
  }

  it('rejects an unknown key, suggesting the nearest valid one', () => {
    expect(errorOf(() => new ManualClock({ now: 5 } as never))).toMatchObject({
      code: ErrorCodes.UNKNOWN_OPTION,
      suggestion: 'nowMs',
    });
    expect(errorOf(() => new ManualClock({ monotonic: 5 } as never))).toMatchObject({ suggestion: 'monotonicMs' });
  });

  it('checks the arguments of advance() and setNow()', () => {
    const clock = new ManualClock({ nowMs: 10, monotonicMs: 5 });
    for (const bad of [-1, Number.NaN, Infinity, '1']) {
      expect(errorOf(() => clock.advance(bad as number)).code).toBe(ErrorCodes.INVALID_OPTION);
    }
    for (const bad of [Number.NaN, -Infinity, '1']) {
      expect(errorOf(() => clock.setNow(bad as number)).code).toBe(ErrorCodes.INVALID_OPTION);
    }
    expect([clock.now(), clock.monotonicMs()]).toEqual([10, 5]);
  });
});

describe('tick listeners', () => {
  it('isolates a throwing tick listener with a TICK_FAILED warning; the others still tick', () => {
    const clock = new ManualClock();
    const ticker = tickerFor(clock);
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const bad = { onTick: (): void => { throw new Error('tick bug'); } };
      const seen: number[] = [];
      const good = { onTick: (tick: number): void => void seen.push(tick) };
      ticker.subscribe(bad);
      ticker.subscribe(good);
      clock.advance(TICK_MS);
      clock.advance(TICK_MS);
      expect(seen).toEqual([1, 2]);
      expect(warn).toHaveBeenCalledOnce(); // one a minute
      expect(warn.mock.calls[0]![1]).toEqual({ type: 'TapemeasureWarning', code: ErrorCodes.TICK_FAILED });
      // Held until here: the ticker holds its listeners weakly.
      expect([bad, good]).toHaveLength(2);
    } finally {
      warn.mockRestore();
    }
  });
});
