// Regression: an interval reader of an idle metric kept its HDR arrays after an empty interval.
import { describe, expect, it } from 'vitest';
import { ManualClock, Registry } from '../../src/index.js';

describe('regression: idle interval reader keeps its arrays', () => {
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
});
