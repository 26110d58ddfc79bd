/**
 * A timer of the StatsD client: times code and sends each duration as a StatsD timing.
 *
 * @module
 */

import type { Clock } from '../clock.js';
import { Stopwatch, timeCall, type DurationSink } from '../metrics/timer.js';
import type { StatsdCallOptions, StatsdClient } from './statsd-client.js';

/**
 * Times code and sends each duration as a StatsD timing (`|ms`). Get one from
 * {@link StatsdClient.timer}.
 */
export class StatsdTimer implements DurationSink {
  readonly #client: StatsdClient;
  readonly #name: string;
  readonly #options: StatsdCallOptions | undefined;
  readonly #clock: Clock;

  /** @internal Use `client.timer(name)`. */
  constructor(client: StatsdClient, name: string, options: StatsdCallOptions | undefined, clock: Clock) {
    this.#client = client;
    this.#name = name;
    this.#options = options;
    this.#clock = clock;
  }

  /** Starts a {@link Stopwatch}; its `stop()` sends the elapsed time once. */
  start(): Stopwatch {
    return new Stopwatch(this, this.#clock);
  }

  /**
   * Calls `fn` and sends how long it took; returns exactly what `fn` returns. For a
   * promise, the time is sent when it settles (fulfilled or rejected); if `fn` throws,
   * the time is sent and the error rethrown.
   *
   * @throws {@link InvalidArgumentError} if `fn` is not a function (nothing is sent).
   */
  time<T>(fn: () => T): T {
    return timeCall(this.#clock, this, fn);
  }

  /** Sends one duration in milliseconds as a timing, like `client.timing(name, durationMs)`. */
  update(durationMs: number): void {
    this.#client.timing(this.#name, durationMs, this.#options);
  }
}
