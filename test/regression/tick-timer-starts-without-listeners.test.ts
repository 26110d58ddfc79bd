// Regression: the tick timer of a custom clock started before anyone listened, or once per subscriber.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Clock } from '../../src/index.js';
import { tickerFor } from '../../src/clock.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('regression: tick timer starts without listeners', () => {
  it('the tick timer of a custom clock starts only when someone listens, once', () => {
    vi.useFakeTimers();
    const nowMs = 0;
    const clock: Clock = { now: () => nowMs, monotonicMs: () => nowMs };
    const ticker = tickerFor(clock) as unknown as { listened: boolean; subscribe(l: { onTick(): void }): void };
    expect(vi.getTimerCount()).toBe(0);
    const listener = { onTick: (): void => undefined };
    ticker.subscribe(listener);
    expect(vi.getTimerCount()).toBe(1);
    ticker.subscribe({ onTick: () => undefined }); // a second subscriber starts no second timer
    expect(vi.getTimerCount()).toBe(1);
    expect(ticker.listened).toBe(true);
  });
});
