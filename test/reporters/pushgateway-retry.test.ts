import fc from 'fast-check';
import { backoffDelayMs as delayOf } from '../../src/transports/backoff.js';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, withRetries, type PushTimers, type RetryPolicy } from '../../src/reporters/pushgateway-retry.js';

/** Timers on a manual clock: a wait advances the clock at once (no real time passes). */
class FakeTimers implements PushTimers {
  now = 0;
  readonly waits: number[] = [];
  constructor(readonly randomValue = 0.5) {}
  nowMs(): number {
    return this.now;
  }
  setTimeout(callback: () => void, ms: number): () => void {
    this.waits.push(ms);
    let cancelled = false;
    queueMicrotask(() => {
      if (cancelled) return;
      this.now += ms;
      callback();
    });
    return () => {
      cancelled = true;
    };
  }
  readonly random = (): number => this.randomValue;
}

const policy = (overrides: Partial<RetryPolicy> = {}): RetryPolicy => ({ ...DEFAULT_RETRY_POLICY, ...overrides });

/** An attempt that fails `failures` times (taking `costMs` of fake time each), then succeeds. */
function flaky(timers: FakeTimers, failures: number, costMs = 0, error: unknown = new Error('down')) {
  const timeouts: number[] = [];
  const attempt = async (timeoutMs: number): Promise<string> => {
    timeouts.push(timeoutMs);
    timers.now += costMs;
    if (timeouts.length <= failures) throw error;
    return 'ok';
  };
  return { attempt, timeouts };
}

describe('backoffDelayMs (the Pushgateway retry policy)', () => {
  it('doubles from initialBackoffMs up to maxBackoffMs, jittered into the upper half', () => {
    const p = policy({ initialBackoffMs: 100, maxBackoffMs: 1_000 });
    expect([1, 2, 3, 4, 5, 6].map((n) => delayOf(n, p.initialBackoffMs, p.maxBackoffMs, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 6].map((n) => delayOf(n, p.initialBackoffMs, p.maxBackoffMs, () => 0.999_999))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('stays within [ceiling / 2, ceiling] for any jitter', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (retry, r) => {
        const p = policy({ initialBackoffMs: 7, maxBackoffMs: 3_000 });
        const ceiling = Math.min(3_000, 7 * 2 ** (retry - 1));
        const delay = delayOf(retry, p.initialBackoffMs, p.maxBackoffMs, () => r);
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }),
    );
  });
});

describe('withRetries', () => {
  it('returns the first success, counting attempts, with the backoff waits in between', async () => {
    const timers = new FakeTimers(0);
    const { attempt } = flaky(timers, 2);
    const outcome = await withRetries(policy({ initialBackoffMs: 100 }), timers, attempt, () => true);
    expect(outcome).toEqual({ ok: true, value: 'ok', attempts: 3 });
    expect(timers.waits).toEqual([50, 100]);
  });

  it('gives up after `retries` retries with the last error', async () => {
    const timers = new FakeTimers();
    const error = new Error('still down');
    const { attempt, timeouts } = flaky(timers, 100, 0, error);
    const outcome = await withRetries(policy({ retries: 3 }), timers, attempt, () => true);
    expect(outcome).toEqual({ ok: false, error, attempts: 4 });
    expect(timeouts).toHaveLength(4);
  });

  it('does not retry an error that is not retryable', async () => {
    const timers = new FakeTimers();
    const { attempt } = flaky(timers, 100);
    const outcome = await withRetries(policy(), timers, attempt, () => false);
    expect(outcome.attempts).toBe(1);
    expect(timers.waits).toEqual([]);
  });

  it('with retries: 0, makes one request', async () => {
    const timers = new FakeTimers();
    const { attempt } = flaky(timers, 100);
    expect((await withRetries(policy({ retries: 0 }), timers, attempt, () => true)).attempts).toBe(1);
  });

  it('never exceeds totalTimeoutMs: no wait that reaches it, the last attempt gets only what is left', async () => {
    const timers = new FakeTimers(1);
    // Each attempt times out after its full timeout.
    const { attempt, timeouts } = flaky(timers, 100, 0);
    const timed = async (timeoutMs: number): Promise<string> => {
      timers.now += timeoutMs;
      return attempt(timeoutMs);
    };
    const p = policy({ retries: 100, timeoutMs: 1_000, initialBackoffMs: 100, maxBackoffMs: 400, totalTimeoutMs: 3_000 });
    const outcome = await withRetries(p, timers, timed, () => true);
    expect(outcome.ok).toBe(false);
    // 1000 + wait 100 + 1000 + wait 200 + 700 (what was left) = 3000; the next wait would pass the deadline.
    expect(timeouts).toEqual([1_000, 1_000, 700]);
    expect(timers.waits).toEqual([100, 200]);
    expect(timers.now).toBeLessThanOrEqual(3_000);
  });

  it('stops at once when the signal aborts, during a wait or before a retry', async () => {
    const timers = new FakeTimers();
    const controller = new AbortController();
    const attempt = async (): Promise<string> => {
      controller.abort();
      throw new Error('x');
    };
    const outcome = await withRetries(policy(), timers, attempt, () => true, controller.signal);
    expect(outcome.attempts).toBe(1);
    expect(timers.waits).toEqual([]);

    // Aborted while waiting: the wait ends early, no further attempt.
    const waiting = new FakeTimers();
    const never: PushTimers = { nowMs: () => waiting.now, random: () => 0.5, setTimeout: () => () => {} };
    const late = new AbortController();
    let calls = 0;
    const pending = withRetries(policy(), never, async () => {
      calls++;
      queueMicrotask(() => late.abort());
      throw new Error('x');
    }, () => true, late.signal);
    expect((await pending).attempts).toBe(1);
    expect(calls).toBe(1);
  });
});
