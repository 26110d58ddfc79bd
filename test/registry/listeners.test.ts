import { describe, expect, it, vi } from 'vitest';
import { ErrorCodes, ManualClock, Registry } from '../../src/index.js';

const registry = (options: { maxSeriesPerName?: number } = {}): Registry =>
  new Registry({ clock: new ManualClock(), ...options });

describe('registry listeners', () => {
  it('isolates a throwing listener', () => {
    const r = registry();
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const seen: string[] = [];
      r.addListener({ onAdded: () => { throw new Error('listener bug'); } });
      r.addListener({ onAdded: (m) => void seen.push(m.name) });
      expect(r.counter('ok').count).toBe(0);
      expect(r.counter('ok2').count).toBe(0);
      expect(seen).toEqual(['ok', 'ok2']); // the other listener still ran
      expect(warn).toHaveBeenCalledOnce(); // rate-limited: one a minute
      expect(warn.mock.calls[0]![1]).toEqual({ type: 'TapemeasureWarning', code: ErrorCodes.LISTENER_FAILED });
    } finally {
      warn.mockRestore();
    }
  });
});
