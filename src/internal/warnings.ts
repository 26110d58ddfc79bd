/**
 * The one warnings limiter. Everything that tells the operator about a condition it
 * does not throw for (a transport failing, a reporter's gauge timing out, a series cap
 * reached) emits a `process.emitWarning` of type `TapemeasureWarning` with the
 * condition's code from `ErrorCodes`, through here: the first of each key at once, then
 * at most one per interval, saying how many were suppressed meanwhile.
 *
 * @module
 * @internal
 */

import type { MetricsError } from '../errors.js';

/** The type of every warning tapemeasure emits. */
export const WARNING_TYPE = 'TapemeasureWarning';

/** The default gap between two warnings of the same key. */
export const WARNING_INTERVAL_MS = 60_000;

/** Emits `error` as one warning of type {@link WARNING_TYPE} with its code. */
export function emitWarning(error: MetricsError, suffix = ''): void {
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  process.emitWarning(`${error.message}${cause}${suffix}`, { type: WARNING_TYPE, code: error.code });
}

type KeyState = { lastMs: number; suppressed: number };

/**
 * Rate-limits warnings by key (by default the error's code): the first at once, then at
 * most one per `intervalMs`. `intervalMs: Infinity` warns once per key, ever.
 */
export class WarningLimiter {
  readonly #intervalMs: number;
  readonly #nowMs: () => number;
  readonly #keys = new Map<string, KeyState>();
  /** The most distinct keys remembered; beyond it the oldest is forgotten (bounded memory). */
  static readonly MAX_KEYS = 256;

  /**
   * @param intervalMs - the least time between two warnings of one key.
   * @param nowMs - a monotonic time source in milliseconds.
   */
  constructor(intervalMs = WARNING_INTERVAL_MS, nowMs: () => number = () => performance.now()) {
    this.#intervalMs = intervalMs;
    this.#nowMs = nowMs;
  }

  /**
   * Emits `error` unless a warning of the same key was emitted within the interval.
   *
   * @returns whether it was emitted.
   */
  warn(error: MetricsError, key: string = error.code): boolean {
    const now = this.#nowMs();
    const state = this.#keys.get(key);
    if (state !== undefined && now - state.lastMs < this.#intervalMs) {
      state.suppressed++;
      return false;
    }
    const suppressed = state?.suppressed ?? 0;
    if (state !== undefined) {
      // Re-inserted, so the Map's order is the order of last emission and the key
      // forgotten first is the one whose interval is the most likely to be over.
      this.#keys.delete(key);
    } else if (this.#keys.size >= WarningLimiter.MAX_KEYS) {
      const oldest = this.#keys.keys().next().value;
      if (oldest !== undefined) this.#keys.delete(oldest);
    }
    this.#keys.set(key, { lastMs: now, suppressed: 0 });
    emitWarning(error, suppressed > 0 ? ` (${suppressed} more since the last warning)` : '');
    return true;
  }
}
