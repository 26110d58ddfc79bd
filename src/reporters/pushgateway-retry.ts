/**
 * Retries of a push: exponential backoff with jitter, bounded in count (`retries`) and in
 * time (`totalTimeoutMs`, waits and requests together), each request bounded by
 * `timeoutMs`. Time and waits come from an injected {@link PushTimers}, so tests drive
 * them without sleeping.
 *
 * @module
 * @internal
 */

import { backoffDelayMs } from '../transports/backoff.js';

/** How a push is retried. All times in milliseconds. @internal */
export type RetryPolicy = {
  /** Retries after the first request (0: one request only). */
  readonly retries: number;
  /** The wait before the first retry, before jitter. */
  readonly initialBackoffMs: number;
  /** The longest wait between two requests, before jitter. */
  readonly maxBackoffMs: number;
  /** The longest one request may take, from sending to the end of the answer. */
  readonly timeoutMs: number;
  /** The longest the whole push may take, every request and wait included. */
  readonly totalTimeoutMs: number;
};

/** The defaults of {@link RetryPolicy} (documented on the options). @internal */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  retries: 3,
  initialBackoffMs: 200,
  maxBackoffMs: 5_000,
  timeoutMs: 5_000,
  totalTimeoutMs: 15_000,
});

/** Time, timers and randomness of a push; {@link systemTimers} outside tests. @internal */
export type PushTimers = {
  /** Monotonic time in milliseconds. */
  nowMs(): number;
  /** Calls `callback` after `ms`; returns a function that cancels it. */
  setTimeout(callback: () => void, ms: number): () => void;
  /** A number in [0, 1). */
  random(): number;
};

/**
 * The real clock and timers. With `unref`, pending timers do not keep the process alive
 * (scheduled pushes of a reporter); without, they do (a push the application awaits).
 *
 * @internal
 */
export function systemTimers(unref: boolean): PushTimers {
  return {
    nowMs: () => performance.now(),
    setTimeout(callback, ms) {
      const timer = setTimeout(callback, ms);
      if (unref) timer.unref();
      return () => {
        clearTimeout(timer);
      };
    },
    random: Math.random,
  };
}

/** What {@link withRetries} ends with. @internal */
export type RetryOutcome<T> =
  | { readonly ok: true; readonly value: T; readonly attempts: number }
  | { readonly ok: false; readonly error: unknown; readonly attempts: number };

function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/** Waits `ms`, or less if `signal` aborts first. Never rejects. */
function wait(timers: PushTimers, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      cancel();
      resolve();
    };
    const cancel = timers.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it resolves, the error is not `retryable`, `policy.retries` retries
 * are spent, the next wait would reach `totalTimeoutMs`, or `signal` aborts. Each attempt
 * is given the time it may take: `timeoutMs`, or less when the total budget is nearly
 * spent. Never rejects.
 *
 * @internal
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  timers: PushTimers,
  attempt: (timeoutMs: number) => Promise<T>,
  retryable: (error: unknown) => boolean,
  signal?: AbortSignal,
): Promise<RetryOutcome<T>> {
  const deadline = timers.nowMs() + policy.totalTimeoutMs;
  let attempts = 0;
  for (;;) {
    const left = deadline - timers.nowMs();
    attempts++;
    let error: unknown;
    try {
      return { ok: true, value: await attempt(Math.max(1, Math.min(policy.timeoutMs, Math.ceil(left)))), attempts };
    } catch (caught) {
      error = caught;
    }
    if (aborted(signal) || attempts > policy.retries || !retryable(error)) return { ok: false, error, attempts };
    const delay = backoffDelayMs(attempts, policy.initialBackoffMs, policy.maxBackoffMs, () => timers.random());
    // A retry needs time of its own after the wait: give up now rather than wait to no end.
    if (timers.nowMs() + delay >= deadline) return { ok: false, error, attempts };
    await wait(timers, delay, signal);
    if (aborted(signal) || timers.nowMs() >= deadline) return { ok: false, error, attempts };
  }
}
