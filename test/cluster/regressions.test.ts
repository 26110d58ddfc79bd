// Regressions of tapemeasure/cluster, each failing on the code before its fix.
import { describe, expect, it } from 'vitest';
import { ManualClock, Registry } from '../../src/index.js';
import { aggregate } from '../../src/cluster/index.js';

describe('cluster regressions', () => {
  // staleAfterMs shorter than intervalMs counted the primary's own in-process session out
  // between two of its pushes: tapemeasure.fleet.workers fell to 0 with nothing wrong.
  it('the primary merged in is never stale, even with staleAfterMs < intervalMs', async () => {
    const clock = new ManualClock();
    const primary = new Registry({ clock });
    primary.counter('jobs').inc(3);
    const fleet = aggregate({ workers: [], primary, clock, intervalMs: 1_000, staleAfterMs: 100 });
    try {
      await fleet.settled();
      expect(fleet.workers).toBe(1);
      clock.advance(500); // between two pushes of the primary, past staleAfterMs
      expect(fleet.workers).toBe(1);
      expect(fleet.registry.snapshot()).toMatchObject({ jobs: { count: 3 } });
    } finally {
      await fleet.stop();
    }
  });
});
