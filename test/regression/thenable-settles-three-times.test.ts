// Regression (issue 11 #11): a thenable that called its callbacks three times (fulfilled,
// fulfilled again, then rejected) made `timer.time()` record three durations. A call is
// timed once, when it first settles.
import { describe, expect, it } from 'vitest';
import { ManualClock, Registry } from '../../src/index.js';

describe('a thenable that settles three times', () => {
  it('records one duration, the one of its first settlement', () => {
    const clock = new ManualClock();
    const t = new Registry({ clock }).timer('t');
    let settle!: () => void;
    const unruly = {
      then(onFulfilled: (v: unknown) => unknown, onRejected: (e: unknown) => unknown): void {
        settle = () => {
          onFulfilled(1);
          onFulfilled(2);
          try {
            onRejected(new Error('late'));
          } catch {
            // the derived rejection handler rethrows: expected
          }
        };
      },
    };
    t.time(() => unruly);
    expect(t.count).toBe(0);
    clock.advance(7);
    settle();
    clock.advance(5);
    expect(t.count).toBe(1);
    expect(t.snapshot()).toMatchObject({ count: 1, min: 7, max: 7 });
  });
});
