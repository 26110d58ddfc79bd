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
