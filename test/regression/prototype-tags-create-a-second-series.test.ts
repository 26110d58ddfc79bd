// Regression: tags inherited from an object's prototype made a second series of the same identity.
import { describe, expect, it } from 'vitest';
import { ManualClock, Registry } from '../../src/index.js';

describe('regression: prototype tags create a second series', () => {
  it('tags inherited from a prototype never create a second series', () => {
    const reg = new Registry({ clock: new ManualClock() });
    const tags = Object.create({ region: 'eu' }) as Record<string, string>;
    tags['host'] = 'a';
    expect(reg.counter('x', { tags })).toBe(reg.counter('x', { tags }));
    expect(reg.size).toBe(1);
  });
});
