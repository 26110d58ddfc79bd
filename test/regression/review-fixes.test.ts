// Regressions for bugs found in review, one test each, named after what broke.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCodes, IntervalReader, ManualClock, Registry, StatsdReporter, type Clock } from '../../src/index.js';
import { tickerFor } from '../../src/clock.js';
import { WindowedHistogram } from '../../src/stats/windowed-histogram.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('review regressions', () => {
  it('values recorded after a read that ran ahead of the ticker stay in the window', () => {
    vi.useFakeTimers();
    let nowMs = 0;
    const clock: Clock = { now: () => nowMs, monotonicMs: () => nowMs };
    const h = new Registry({ clock }).histogram('h', { windowMs: 5_000, windowSlices: 1 });
    h.record(1);
    nowMs = 5_000.5; // the clock has crossed the boundary; the ticker's timer has not fired
    expect(h.statistics().windowCount).toBe(0);
    h.record(2);
    h.record(3);
    expect(h.statistics()).toMatchObject({ windowCount: 2, min: 2, max: 3 });
  });

  it('a ManualClock refuses a negative monotonic start, and slots never go negative', () => {
    expect(() => new ManualClock({ monotonicMs: -20_000 })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
    const w = new WindowedHistogram({ significantDigits: 2, resolution: 1, ticksPerSlice: 1, slices: 4 }, -5);
    for (let v = 1; v <= 10; v++) w.record(v, -5);
    expect(w.statistics(-5)).toMatchObject({ count: 10, p50: 5 });
  });

  it('an interval reader of an idle metric frees its arrays', () => {
    const reg = new Registry({ clock: new ManualClock() });
    const reader = reg.histogram('h').openInterval() as unknown as { take(): unknown };
    const h = reg.histogram('h');
    h.record(5);
    reader.take();
    reader.take(); // an empty interval: arrays released
    h.record(7);
    expect(reader.take()).toMatchObject({ count: 1, min: 7, p50: 7 });
  });

  it('a widened slice is reused at rotation and counts stay exact', () => {
    const w = new WindowedHistogram({ significantDigits: 2, resolution: 1, ticksPerSlice: 1, slices: 2 }, 0);
    for (let i = 0; i < 70_000; i++) w.record(3, 0);
    for (let i = 0; i < 70_000; i++) w.record(4, 2); // the slot of slice 0, reused widened
    expect(w.statistics(2)).toMatchObject({ count: 70_000, min: 4, max: 4, p50: 4 });
  });

  it('a reporter used only through report() closes readers of removed metrics', async () => {
    const close = vi.spyOn(IntervalReader.prototype, 'close');
    const reg = new Registry({ clock: new ManualClock() });
    const reporter = new StatsdReporter({ registry: reg, host: '127.0.0.1', port: 9, protocol: 'udp' });
    reg.histogram('tmp.h').record(1);
    await reporter.report(); // no start(): readers are opened lazily here
    expect(close).not.toHaveBeenCalled();
    expect(reg.remove('tmp.h')).toBe(true);
    expect(close).toHaveBeenCalledTimes(1);
    await reporter.stop();
    close.mockRestore();
  });

  it('tags inherited from a prototype never create a second series', () => {
    const reg = new Registry({ clock: new ManualClock() });
    const tags = Object.create({ region: 'eu' }) as Record<string, string>;
    tags['host'] = 'a';
    expect(reg.counter('x', { tags })).toBe(reg.counter('x', { tags }));
    expect(reg.size).toBe(1);
  });

  it('a new tag set of a name created with options takes those options', () => {
    const reg = new Registry({ clock: new ManualClock() });
    const a = reg.timer('cfg', { windowMs: 120_000 });
    const b = reg.timer('cfg', { tags: { a: 'b' } });
    expect(b).not.toBe(a);
    expect(reg.scope('cfg2', { k: 'v' }).histogram('h', { significantDigits: 3 })).toBe(
      reg.histogram('cfg2.h', { significantDigits: 3, tags: { k: 'v' } }),
    );
    expect(() => reg.timer('cfg', { tags: { a: 'c' }, windowMs: 60_000 })).toThrow(
      expect.objectContaining({ code: ErrorCodes.OPTIONS_CONFLICT }),
    );
  });

  it('the tick timer of a custom clock starts only when someone listens, once', () => {
    vi.useFakeTimers();
    const nowMs = 0;
    const clock: Clock = { now: () => nowMs, monotonicMs: () => nowMs };
    const ticker = tickerFor(clock) as unknown as { listened: boolean; subscribe(l: { onTick(): void }): void };
    expect(vi.getTimerCount()).toBe(0);
    const listener = { onTick: (): void => undefined };
    ticker.subscribe(listener);
    expect(vi.getTimerCount()).toBe(1);
    ticker.subscribe({ onTick: () => undefined }); // a second subscriber starts no second timer
    expect(vi.getTimerCount()).toBe(1);
    expect(ticker.listened).toBe(true);
  });

  it('the overflow series does not count towards the cap, and keeps its first gauge callback', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const reg = new Registry({ clock: new ManualClock(), maxSeriesPerName: 2 });
      reg.counter('c', { tags: { k: '1' } });
      reg.counter('c', { tags: { k: '2' } });
      const overflow = reg.counter('c', { tags: { k: '3' } });
      expect(overflow.tags).toEqual({ tapemeasure_overflow: 'true' });
      reg.remove('c', { k: '1' });
      expect(reg.counter('c', { tags: { k: '4' } }).tags).toEqual({ k: '4' });
      reg.gauge('g', () => 1, { tags: { k: '1' } });
      reg.gauge('g', () => 1, { tags: { k: '2' } });
      const first = reg.gauge('g', () => 3, { tags: { k: '3' } });
      reg.gauge('g', () => 4, { tags: { k: '4' } });
      expect(first.value).toBe(3);
    } finally {
      warn.mockRestore();
    }
  });
});
