import { describe, expect, it } from 'vitest';
import { ErrorCodes, ManualClock, name, systemClock } from '../src/index.js';
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
    expect(tick).toBe(Math.floor(systemClock.monotonicMs() / TICK_MS));
    expect(ticker.tick).toBe(tick);
  });
});

describe('name()', () => {
  it('joins parts with dots, skipping empty ones', () => {
    expect(name('http', '', undefined, 'requests', null, 'get')).toBe('http.requests.get');
    expect(name()).toBe('');
    expect(name('a.b', 'c')).toBe('a.b.c');
  });
});
