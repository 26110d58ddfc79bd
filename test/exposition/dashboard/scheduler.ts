/**
 * A scheduler the tests drive by hand: `fire()` runs every repeating task once, as its
 * interval timer would. With a ManualClock, time passes only when the test says so.
 */

import type { Scheduler } from '../../../src/exposition/dashboard/sampler.js';

export class ManualScheduler implements Scheduler {
  readonly #tasks = new Set<() => void>();
  /** How many times `repeat()` was called (a timer was started). */
  started = 0;
  /** The interval asked for by the last `repeat()`. */
  intervalMs: number | undefined;

  repeat(intervalMs: number, run: () => void): () => void {
    this.started++;
    this.intervalMs = intervalMs;
    const task = (): void => {
      run();
    };
    this.#tasks.add(task);
    return () => {
      this.#tasks.delete(task);
    };
  }

  /** The number of running timers. */
  get running(): number {
    return this.#tasks.size;
  }

  /** Runs every task once. */
  fire(): void {
    for (const task of [...this.#tasks]) task();
  }
}
