import { describe, expect, it } from 'vitest';
import { ErrorCodes, ManualClock, Registry, type Timer } from '../../src/index.js';
import { unhandledDuring } from '../helpers/unhandled.js';

describe('Timer', () => {
  function setup(): { clock: ManualClock; registry: Registry } {
    const clock = new ManualClock();
    return { clock, registry: new Registry({ clock }) };
  }

  it('times a sync function and returns exactly its result', () => {
    const { clock, registry } = setup();
    const t = registry.timer('t');
    const value = { answer: 42 };
    const got = t.time(() => {
      clock.advance(12.5);
      return value;
    });
    expect(got).toBe(value);
    expect(t.count).toBe(1);
    expect(t.statistics()).toMatchObject({ min: 12.5, max: 12.5, sum: 12.5 });
  });

  it('records then rethrows when the function throws', () => {
    const { clock, registry } = setup();
    const t = registry.timer('t');
    const error = new Error('boom');
    expect(() =>
      t.time(() => {
        clock.advance(3);
        throw error;
      }),
    ).toThrow(error);
    expect(t.statistics()).toMatchObject({ count: 1, max: 3 });
  });

  it('records when a returned promise fulfils, and returns a promise of the same value', async () => {
    const { clock, registry } = setup();
    const t = registry.timer('t');
    let resolve!: (v: string) => void;
    const promise = new Promise<string>((r) => (resolve = r));
    const got = t.time(() => promise);
    expect(got).toBeInstanceOf(Promise);
    expect(t.count).toBe(0);
    clock.advance(40);
    resolve('ok');
    await expect(got).resolves.toBe('ok');
    await Promise.resolve();
    expect(t.statistics()).toMatchObject({ count: 1, max: 40 });
  });

  it('records when an async function rejects, and the caller still sees the rejection', async () => {
    const { clock, registry } = setup();
    const t = registry.timer('t');
    const p = t.time(async () => {
      clock.advance(7);
      await Promise.resolve();
      throw new Error('nope');
    });
    await expect(p).rejects.toThrow('nope');
    await Promise.resolve();
    expect(t.statistics()).toMatchObject({ count: 1, max: 7 });
  });

  it('has a stopwatch that records once, and works with using', () => {
    const { clock, registry } = setup();
    const t = registry.timer('t');
    const sw = t.start();
    clock.advance(5);
    expect(sw.stop()).toBe(5);
    clock.advance(5);
    expect(sw.stop()).toBe(5);
    expect(t.count).toBe(1);
    {
      using _sw = t.start();
      clock.advance(2);
    }
    expect(t.count).toBe(2);
    expect(t.statistics().min).toBe(2);
  });

  it('is a meter of timed events too', () => {
    const { clock, registry } = setup();
    const t = registry.timer('t');
    t.update(1);
    t.update(2);
    t.update(3);
    clock.advance(5_000);
    expect(t.m1Rate).toBeCloseTo(0.6, 12);
    const snap = t.snapshot();
    expect(snap).toMatchObject({ type: 'timer', count: 3, sum: 6, m1Rate: 0.6, min: 1, max: 3, mean: 2 });
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  });

  it('drops invalid durations', () => {
    const { registry } = setup();
    const t = registry.timer('t');
    t.update(-1);
    t.update(Number.NaN);
    expect(t.count).toBe(0);
    expect(registry.invalidValues).toBe(2);
  });

  describe('time() and promises', () => {
    it('throws ERR_TAPEMEASURE_INVALID_ARGUMENT for a promise or any non-function, and records nothing', async () => {
      const { registry } = setup();
      const t = registry.timer('t');
      const promise = Promise.resolve(1);
      for (const bad of [promise, 42, undefined, null, 'fn', { then: 1 }]) {
        expect(() => t.time(bad as unknown as () => unknown)).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_ARGUMENT }));
      }
      await promise;
      expect(t.count).toBe(0);
      expect(t.statistics().windowCount).toBe(0);
    });

    it('returns a derived promise: an unhandled rejection stays reported as unhandled, once recorded', async () => {
      const { registry } = setup();
      const t = registry.timer('t');
      const error = new Error('nobody handles me');
      const reasons = await unhandledDuring(() => {
        void t.time(() => Promise.reject(error)).then(undefined, undefined); // still unhandled: no onRejected
        void t.time(() => Promise.reject(error)); // dropped on the floor (void handles nothing)
      });
      expect(reasons).toEqual([error, error]);
      expect(t.count).toBe(2);
    });

    it('does not report a rejection the caller handles', async () => {
      const { registry } = setup();
      const t = registry.timer('t');
      const caught: unknown[] = [];
      const reasons = await unhandledDuring(() => {
        t.time(() => Promise.reject(new Error('handled'))).catch((e: unknown) => caught.push(e));
      });
      expect(reasons).toEqual([]);
      expect(caught).toHaveLength(1);
      expect(t.count).toBe(1);
    });

    it('treats a thenable whose then getter throws as a plain value (recorded at once)', () => {
      const { clock, registry } = setup();
      const t = registry.timer('t');
      const odd = Object.defineProperty({}, 'then', {
        get() {
          throw new Error('getter');
        },
      });
      const got = t.time(() => {
        clock.advance(2);
        return odd;
      });
      expect(got).toBe(odd);
      expect(t.statistics()).toMatchObject({ count: 1, max: 2 });
    });

    it('records one duration for a thenable that calls its callbacks three times', () => {
      const { clock, registry } = setup();
      const t = registry.timer('t');
      const noisy = {
        then(onFulfilled: (v: number) => unknown, onRejected: (e: unknown) => unknown): void {
          clock.advance(4);
          onFulfilled(1);
          clock.advance(4);
          onFulfilled(2);
          try {
            onRejected(new Error('late'));
          } catch {
            // the helper rethrows the reason, as a then callback must
          }
        },
      };
      t.time(() => noisy);
      expect(t.statistics()).toMatchObject({ count: 1, min: 4, max: 4 });
    });

    it('returns a thenable of the same kind as fn returned', async () => {
      const { registry } = setup();
      const t: Timer = registry.timer('t');
      class Task<T> extends Promise<T> {}
      const got = t.time(() => Task.resolve(7));
      expect(got).toBeInstanceOf(Task);
      await expect(got).resolves.toBe(7);
    });
  });
});
