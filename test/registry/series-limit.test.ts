import { describe, expect, it, vi } from 'vitest';
import { ErrorCodes, ManualClock, OVERFLOW_TAGS, Registry } from '../../src/index.js';

const registry = (options: { maxSeriesPerName?: number } = {}): Registry =>
  new Registry({ clock: new ManualClock(), ...options });

describe('maxSeriesPerName', () => {
  it('caps series per name with one overflow series and one warning', () => {
    const r = registry({ maxSeriesPerName: 3 });
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      r.counter('req');
      for (let i = 0; i < 10; i++) r.counter('req', { tags: { path: `/p${i}` } }).inc();
      expect(r.size).toBe(5); // untagged + 3 + overflow
      const overflow = r.get('req', OVERFLOW_TAGS)!;
      expect(overflow.type === 'counter' && overflow.count).toBe(7);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0]![1]).toEqual({ type: 'TapemeasureWarning', code: ErrorCodes.SERIES_LIMIT });
      // Once per name: another name warns too.
      for (let i = 0; i < 5; i++) r.counter('other', { tags: { path: `/p${i}` } });
      expect(warn).toHaveBeenCalledTimes(2);
    } finally {
      warn.mockRestore();
    }
  });

  it('counts neither the untagged series nor the overflow one, and keeps known tag sets', () => {
    const r = registry({ maxSeriesPerName: 2 });
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const a = r.timer('t', { tags: { k: 'a' } });
      r.timer('t', { tags: { k: 'b' } });
      r.timer('t');
      expect(r.timer('t', { tags: { k: 'c' } }).tags).toBe(OVERFLOW_TAGS);
      expect(r.timer('t', { tags: { k: 'd' } })).toBe(r.get('t', OVERFLOW_TAGS));
      expect(r.timer('t', { tags: { k: 'a' } })).toBe(a);
      expect(r.size).toBe(4);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('maxSeries (the registry-wide cap)', () => {
  const quiet = (): { calls: unknown[][]; restore: () => void } => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    return { calls: warn.mock.calls, restore: () => warn.mockRestore() };
  };

  it('sends new series beyond the cap to one overflow series per type, counted, with one warning', () => {
    const r = new Registry({ clock: new ManualClock(), maxSeries: 3 });
    const warn = quiet();
    try {
      r.counter('a').inc();
      r.counter('b', { tags: { k: '1' } }).inc();
      r.meter('c').mark();
      expect(r.size).toBe(3);
      for (let i = 0; i < 10; i++) r.counter(`user.u${i}`).inc(2);
      const overflow = r.get('tapemeasure.overflow.counter', OVERFLOW_TAGS);
      expect(overflow?.type === 'counter' && overflow.count).toBe(20);
      expect(r.counter('user.u0')).toBe(overflow); // asked again: still the overflow series
      expect(r.overflowed).toBe(11);
      for (let i = 0; i < 3; i++) r.counter('b', { tags: { k: `x${i}` } }).inc(); // a new tag set of an existing name too
      expect(overflow?.type === 'counter' && overflow.count).toBe(23);
      r.meter('m2').mark(5);
      r.histogram('h2').record(4);
      r.timer('t2').update(7);
      r.gauge('g2').set(9);
      r.gauge('cg2', () => 11);
      expect(r.get('tapemeasure.overflow.meter', OVERFLOW_TAGS)?.snapshot()).toMatchObject({ count: 5 });
      expect(r.get('tapemeasure.overflow.histogram', OVERFLOW_TAGS)?.snapshot()).toMatchObject({ count: 1, max: 4 });
      expect(r.get('tapemeasure.overflow.timer', OVERFLOW_TAGS)?.snapshot()).toMatchObject({ count: 1, max: 7 });
      expect(r.get('tapemeasure.overflow.gauge', OVERFLOW_TAGS)?.snapshot()).toEqual({ type: 'gauge', value: 9 });
      expect(r.get('tapemeasure.overflow.callback_gauge', OVERFLOW_TAGS)?.snapshot()).toEqual({ type: 'gauge', value: 11 });
      expect(r.size).toBe(3 + 6); // the cap, and one overflow series per type (two for gauges)
      expect(r.invalidValues).toBe(0);
      expect(warn.calls).toHaveLength(1); // rate-limited: one a minute
      expect(warn.calls[0]![1]).toEqual({ type: 'TapemeasureWarning', code: ErrorCodes.REGISTRY_LIMIT });
    } finally {
      warn.restore();
    }
  });

  it('takes any options for the overflow histograms and timers, and keeps existing series reachable', () => {
    const r = new Registry({ clock: new ManualClock(), maxSeries: 1 });
    const warn = quiet();
    try {
      const t = r.timer('t');
      const a = r.timer('x', { significantDigits: 3 });
      const b = r.timer('y', { windowMs: 120_000 });
      expect(b).toBe(a);
      expect(r.timer('t')).toBe(t);
      expect(r.overflowed).toBe(2);
    } finally {
      warn.restore();
    }
  });

  it('is shared by scopes, and a removed series frees its room', () => {
    const r = new Registry({ clock: new ManualClock(), maxSeries: 2 });
    const warn = quiet();
    try {
      const s1 = r.scope('one');
      const s2 = r.scope('two', { team: 'b' });
      s1.counter('c');
      s2.counter('c');
      expect(s1.counter('d').name).toBe('tapemeasure.overflow.counter');
      expect(s2.overflowed).toBe(1);
      expect(r.remove('one.c')).toBe(true);
      expect(s1.counter('d').name).toBe('one.d');
      expect(r.size).toBe(3);
    } finally {
      warn.restore();
    }
  });

  it('per-name overflow series count towards the registry cap, and are reused beyond it', () => {
    const r = new Registry({ clock: new ManualClock(), maxSeriesPerName: 1, maxSeries: 3 });
    const warn = quiet();
    try {
      r.counter('req', { tags: { u: '1' } });
      const perName = r.counter('req', { tags: { u: '2' } });
      expect(perName.tags).toBe(OVERFLOW_TAGS);
      expect(perName.name).toBe('req');
      r.counter('other');
      expect(r.counter('req', { tags: { u: '3' } })).toBe(perName); // exists: no new series
      expect(r.counter('req2', { tags: { u: '1' } }).name).toBe('tapemeasure.overflow.counter');
      expect(r.overflowed).toBe(3);
      expect(warn.calls.map((c) => (c[1] as { code: string }).code)).toEqual([
        ErrorCodes.SERIES_LIMIT,
        ErrorCodes.REGISTRY_LIMIT,
      ]);
    } finally {
      warn.restore();
    }
  });

  it('defaults to 50,000 series', () => {
    expect(new Registry({ clock: new ManualClock() }).maxSeries).toBe(50_000);
  });
});

describe('the registry overflow series, when the application took their names', () => {
  it('still never throws: the value goes to a series of no registry', () => {
    const r = new Registry({ clock: new ManualClock(), maxSeries: 1 });
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      r.gauge('tapemeasure.overflow', () => 1); // a leaf where the overflow's branch would be
      const c = r.counter('c');
      c.inc();
      expect(c.name).toBe('tapemeasure.overflow.counter');
      expect(r.get('tapemeasure.overflow.counter', OVERFLOW_TAGS)).toBeUndefined();
      expect(r.size).toBe(1);
      expect(r.overflowed).toBe(1);
    } finally {
      warn.mockRestore();
    }
  });
});
