// Regression: a new tag set of a name created with options took the defaults instead of those options.
import { describe, expect, it } from 'vitest';
import { ErrorCodes, ManualClock, Registry } from '../../src/index.js';

describe('regression: new tag set ignores the options of its name', () => {
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
});
