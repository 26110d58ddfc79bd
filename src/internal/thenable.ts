/**
 * The one timing helper: `timer.time(fn)`, the decorators and the HTTP middleware all
 * learn when a call is over through {@link afterSettled}, so they share one rejection
 * policy.
 *
 * @module
 * @internal
 */

/**
 * The `then` method of `value` if it is a thenable, else `undefined`. A `then` getter
 * that throws makes the value a plain value (it is not a usable thenable), never an
 * exception here.
 */
export function thenOf(value: unknown): ((onFulfilled: unknown, onRejected: unknown) => unknown) | undefined {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined;
  try {
    const then = (value as { then?: unknown }).then;
    return typeof then === 'function' ? (then as (a: unknown, b: unknown) => unknown) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Calls `call`, then `done(failed)` exactly once: when it returns, when it throws (then
 * rethrows), or, when it returns a thenable, when that settles.
 *
 * A thenable comes back as `result.then(...)`: a derived promise (of the thenable's own
 * kind) that settles the same way after `done` ran, so a rejection nobody handles is
 * still reported as an unhandled rejection, never swallowed. A thenable that calls its
 * callbacks more than once is counted once; one whose `then` throws is treated as a
 * plain value.
 */
export function afterSettled<R>(call: () => R, done: (failed: boolean) => void): R {
  let result: R;
  try {
    result = call();
  } catch (error) {
    done(true);
    throw error;
  }
  const then = thenOf(result);
  if (then === undefined) {
    done(false);
    return result;
  }
  let finished = false;
  const finish = (failed: boolean): void => {
    if (finished) return;
    finished = true;
    done(failed);
  };
  try {
    return then.call(
      result,
      (value: unknown) => {
        finish(false);
        return value;
      },
      (error: unknown) => {
        finish(true);
        throw error;
      },
    ) as R;
  } catch {
    // A `then` that throws synchronously: the call is over as far as we can tell.
    finish(false);
    return result;
  }
}
