// Regression (issue 11 #11): a value whose `then` getter throws made `timer.time()` throw.
// Such a value is not a usable thenable: time() returns it as a plain value and records
// one duration at once.
import { describe, expect, it } from 'vitest';
import { ManualClock, Registry } from '../../src/index.js';

describe('a thenable whose then getter throws', () => {
  it('is returned by time() as a plain value, with one duration recorded', () => {
    const clock = new ManualClock();
    const t = new Registry({ clock }).timer('t');
    let reads = 0;
    const odd = Object.defineProperty({}, 'then', {
      get() {
        reads++;
        throw new Error('then getter');
      },
    });
    expect(t.time(() => odd)).toBe(odd);
    expect(reads).toBeGreaterThan(0); // the getter was really consulted
    expect(t.count).toBe(1);
  });
});
