import { describe, expect, it } from 'vitest';
import { afterSettled, thenOf } from '../../src/internal/thenable.js';
import { unhandledDuring } from '../helpers/unhandled.js';

/** `done`'s calls, in order. */
function recorder(): { calls: boolean[]; done: (failed: boolean) => void } {
  const calls: boolean[] = [];
  return { calls, done: (failed) => void calls.push(failed) };
}

describe('thenOf', () => {
  it('finds the then method of thenables only', () => {
    const then = (): void => undefined;
    expect(thenOf({ then })).toBe(then);
    const fn = Object.assign(() => 1, { then });
    expect(thenOf(fn)).toBe(then);
    for (const plain of [null, undefined, 0, 'then', {}, { then: 1 }, []]) expect(thenOf(plain)).toBeUndefined();
  });

  it('treats a then getter that throws as no then at all', () => {
    const odd = Object.defineProperty({}, 'then', {
      get() {
        throw new Error('getter');
      },
    });
    expect(thenOf(odd)).toBeUndefined();
  });
});

describe('afterSettled', () => {
  it('returns a plain value as it is, done(false) once', () => {
    const { calls, done } = recorder();
    const value = { a: 1 };
    expect(afterSettled(() => value, done)).toBe(value);
    expect(calls).toEqual([false]);
  });

  it('calls done(true), then rethrows, when the call throws', () => {
    const { calls, done } = recorder();
    const error = new Error('sync');
    expect(() =>
      afterSettled(() => {
        throw error;
      }, done),
    ).toThrow(error);
    expect(calls).toEqual([true]);
  });

  it('calls done when a promise settles, and returns a derived promise that settles the same way', async () => {
    const fulfilled = recorder();
    let resolve!: (v: string) => void;
    const p = new Promise<string>((r) => (resolve = r));
    const got = afterSettled(() => p, fulfilled.done);
    expect(got).not.toBe(p);
    expect(fulfilled.calls).toEqual([]);
    resolve('ok');
    await expect(got).resolves.toBe('ok');
    expect(fulfilled.calls).toEqual([false]);

    const rejected = recorder();
    const error = new Error('async');
    await expect(afterSettled(() => Promise.reject(error), rejected.done)).rejects.toBe(error);
    expect(rejected.calls).toEqual([true]);
  });

  it('keeps the thenable kind: the result is result.then(...)', async () => {
    class Task<T> extends Promise<T> {}
    const got = afterSettled(() => Task.resolve(3), () => undefined);
    expect(got).toBeInstanceOf(Task);
    await expect(got).resolves.toBe(3);
  });

  it('counts a thenable that settles three times once', () => {
    const { calls, done } = recorder();
    afterSettled(
      () => ({
        then(onFulfilled: (v: unknown) => unknown, onRejected: (e: unknown) => unknown): void {
          onFulfilled(1);
          onFulfilled(2);
          expect(() => onRejected(new Error('late'))).toThrow('late');
        },
      }),
      done,
    );
    expect(calls).toEqual([false]);
  });

  it('treats a then that throws synchronously as settled, and returns the value', () => {
    const { calls, done } = recorder();
    const broken = {
      then(): never {
        throw new Error('then');
      },
    };
    expect(afterSettled(() => broken, done)).toBe(broken);
    expect(calls).toEqual([false]);
  });

  it('leaves an unhandled rejection unhandled, and a handled one handled', async () => {
    const error = new Error('unhandled');
    const { calls, done } = recorder();
    expect(await unhandledDuring(() => void afterSettled(() => Promise.reject(error), done))).toEqual([error]);
    expect(calls).toEqual([true]);
    expect(
      await unhandledDuring(() => {
        afterSettled(() => Promise.reject(error), done).catch(() => undefined);
      }),
    ).toEqual([]);
  });
});
