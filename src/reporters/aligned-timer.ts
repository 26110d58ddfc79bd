/**
 * The timer of scheduled reporters: it fires at wall-clock multiples of an interval
 * (every 10 s: at :00, :10, :20, ...) on one `unref()`ed `setTimeout`, and tells each
 * firing the boundary it stands for, realigning at once when the wall clock jumps.
 *
 * @module
 * @internal
 */

import type { Clock } from '../clock.js';
import { MAX_TIMER_MS } from './reporter-options.js';

/**
 * Fires `onDue(boundaryMs)` at every wall-clock multiple of `intervalMs` until stopped.
 * It never keeps the process alive.
 *
 * @internal
 */
export class AlignedTimer {
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #onDue: (boundaryMs: number) => void;
  #timer: NodeJS.Timeout | null = null;
  #lastScheduledMs = Number.NEGATIVE_INFINITY;
  #stopped = false;

  /**
   * Starts at once: the first firing is at the next multiple of `intervalMs`.
   *
   * @param clock - the wall clock (`now()`).
   * @param intervalMs - the interval, in milliseconds (already checked).
   * @param onDue - called with the boundary each firing stands for, in epoch milliseconds.
   */
  constructor(clock: Clock, intervalMs: number, onDue: (boundaryMs: number) => void) {
    this.#clock = clock;
    this.#intervalMs = intervalMs;
    this.#onDue = onDue;
    this.#schedule();
  }

  /** Stops: no firing after this. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(): void {
    const nowMs = this.#clock.now();
    const interval = this.#intervalMs;
    // The next multiple of the interval after now, and never the one already used (a
    // timer can fire a little before the wall clock reaches its boundary).
    // (If the wall clock was set back by more than an interval, start afresh from now.)
    let next = (Math.floor(nowMs / interval) + 1) * interval;
    if (next <= this.#lastScheduledMs && this.#lastScheduledMs - nowMs <= interval) next = this.#lastScheduledMs + interval;
    this.#lastScheduledMs = next;
    const delay = Math.min(Math.max(next - nowMs, 0), MAX_TIMER_MS);
    const timer = setTimeout(() => {
      this.#fire(next);
    }, delay);
    timer.unref();
    this.#timer = timer;
  }

  #fire(dueMs: number): void {
    if (this.#stopped) return;
    // The firing stands for the boundary it was due at; if the wall clock jumped
    // meanwhile (NTP, a suspended VM), for the boundary it is at now.
    const nowMs = this.#clock.now();
    const interval = this.#intervalMs;
    const boundaryMs = Math.abs(nowMs - dueMs) < interval ? dueMs : Math.floor(nowMs / interval) * interval;
    this.#schedule();
    this.#onDue(boundaryMs);
  }
}
