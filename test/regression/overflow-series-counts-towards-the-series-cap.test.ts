// Regression: the overflow series of a name counted towards maxSeriesPerName, and lost its first gauge callback.
import { describe, expect, it, vi } from 'vitest';
import { ManualClock, Registry } from '../../src/index.js';

describe('regression: overflow series counts towards the series cap', () => {
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
