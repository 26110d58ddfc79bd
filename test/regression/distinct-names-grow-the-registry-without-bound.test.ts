// Regression (issue 11 #4): 100,000 distinct names (which encodeSegment invites) grew the
// heap by 224 MB with no warning: only the series per name were capped. The registry now
// holds at most maxSeries series (50,000 by default); beyond it new series share one
// overflow series per type, each diversion counted, with a coded warning.
import { describe, expect, it, vi } from 'vitest';
import { ErrorCodes, ManualClock, OVERFLOW_TAGS, Registry, encodeSegment } from '../../src/index.js';

describe('regression: distinct names grow the registry without bound', () => {
  it('stops at the default maxSeries, counts and warns', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const r = new Registry({ clock: new ManualClock() });
      for (let i = 0; i < 50_010; i++) r.counter(`users.${encodeSegment(`user ${i}`)}`).inc();
      expect(r.size).toBe(50_001);
      const overflow = r.get('tapemeasure.overflow.counter', OVERFLOW_TAGS);
      expect(overflow?.type === 'counter' && overflow.count).toBe(10);
      expect(r.overflowed).toBe(10);
      expect(warn.mock.calls.map((c) => (c[1] as { code: string }).code)).toEqual([ErrorCodes.REGISTRY_LIMIT]);
    } finally {
      warn.mockRestore();
    }
  });
});
