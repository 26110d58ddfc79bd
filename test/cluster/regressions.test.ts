// Regressions of tapemeasure/cluster, each failing on the code before its fix.
import { describe, expect, it } from 'vitest';
import { ManualClock, Registry, type Meter, type Timer } from '../../src/index.js';
import { aggregate } from '../../src/cluster/index.js';
import { LocalChannel } from '../../src/cluster/channel.js';
import { FleetState } from '../../src/cluster/fleet-state.js';
import { Forwarder } from '../../src/cluster/forwarder.js';

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

describe('an aggregator that restarts', () => {
  // A new aggregator met a worker's totals, its whole past, in one push: the 1-minute rate
  // of the fleet jumped to (total / 5 s) after a restart, a burst nothing happened in.
  it('carries the totals a worker brings after a restart into the counts, not the rates', async () => {
    const fleetClock = new ManualClock();
    let target: FleetState | undefined;
    const newAggregator = (): FleetState =>
      new FleetState({
        registry: new Registry({ clock: fleetClock }),
        maxMessageBytes: 1 << 20,
        staleAfterMs: undefined,
        sessionTtlMs: 60_000,
        nowMs: () => fleetClock.monotonicMs(),
      });
    const clock = new ManualClock();
    const registry = new Registry({ clock });
    const link = { reconnects: true };
    const forwarder = new Forwarder({
      registry,
      channel: new LocalChannel((frame) => target?.receive(frame, link)),
      worker: '1',
      intervalMs: 1_000,
      maxMessageBytes: 262_144,
      perWorker: () => false,
      onError: () => {},
    });
    const jobs = registry.meter('jobs');
    const rpc = registry.timer('rpc');
    const record = (n: number): void => {
      jobs.mark(n);
      for (let i = 0; i < n; i++) rpc.update(5);
    };
    try {
      // The worker runs for a while with no aggregator to see it (or one that then died).
      record(600_000);
      await forwarder.push();
      record(400_000);
      await forwarder.push();
      // The aggregator (re)starts; the worker's next push brings its totals.
      target = newAggregator();
      record(50);
      await forwarder.push();
      await target.settled();
      fleetClock.advance(5_000); // one rate tick
      const meter = target.registry.get('jobs') as Meter;
      const timer = target.registry.get('rpc') as Timer;
      expect(meter.count).toBe(1_000_050);
      expect(timer.count).toBe(1_000_050);
      // No burst: on the old code 1,000,050 events fell into one 5 s tick (m1 = 200,010/s).
      expect(meter.m1Rate).toBe(0);
      expect(timer.m1Rate).toBe(0);
      expect(meter.meanRate).toBe(0);
      // What it records from then on feeds the rates.
      record(5_000);
      await forwarder.push();
      await target.settled();
      fleetClock.advance(5_000);
      expect(meter.count).toBe(1_005_050);
      expect(meter.m1Rate).toBeCloseTo(1_000 * (1 - Math.exp(-5 / 60)), 6);
      expect(timer.m1Rate).toBeCloseTo(1_000 * (1 - Math.exp(-5 / 60)), 6);
    } finally {
      await forwarder.stop();
      target?.stop();
    }
  });

  it('marks what a worker brings in its very first push (it started after the aggregator)', async () => {
    const fleetClock = new ManualClock();
    const state = new FleetState({
      registry: new Registry({ clock: fleetClock }),
      maxMessageBytes: 1 << 20,
      staleAfterMs: undefined,
      sessionTtlMs: 60_000,
      nowMs: () => fleetClock.monotonicMs(),
    });
    const registry = new Registry({ clock: new ManualClock() });
    const link = { reconnects: false };
    const forwarder = new Forwarder({
      registry,
      channel: new LocalChannel((frame) => state.receive(frame, link)),
      worker: '1',
      intervalMs: 1_000,
      maxMessageBytes: 262_144,
      perWorker: () => false,
      onError: () => {},
    });
    try {
      registry.meter('jobs').mark(5_000);
      await forwarder.push();
      await state.settled();
      fleetClock.advance(5_000);
      const meter = state.registry.get('jobs') as Meter;
      expect(meter.count).toBe(5_000);
      // The first tick seeds the averages with its rate: 5,000 events in 5 s.
      expect(meter.m1Rate).toBeCloseTo(1_000, 6);
    } finally {
      await forwarder.stop();
      state.stop();
    }
  });
});
