// Regression: a series that expired (the registry's expireAfterMs) between two reports
// left every delta reporter without its last change: StatsD never got the +2 a counter
// gained after the last report, nor a timer's last values.
import { describe, expect, it } from 'vitest';
import { GraphiteReporter, ManualClock, MemoryTransport, Registry, StatsdReporter } from '../../src/index.js';

const MINUTE = 60_000;

/** Moves the clock forward in 5-second ticks, as the coarse ticker's timer would. */
function pass(clock: ManualClock, ms: number): void {
  for (let t = 0; t < ms; t += 5_000) clock.advance(5_000);
}

describe('a series that expires between two reports', () => {
  it('sends its last delta to StatsD once, then forgets it (and counts on when revived)', async () => {
    const clock = new ManualClock();
    const registry = new Registry({ clock, expireAfterMs: MINUTE });
    const transport = new MemoryTransport();
    const reporter = new StatsdReporter({ registry, transport, selfMetrics: false, onError: () => {} });
    const jobs = registry.counter('jobs');
    const latency = registry.timer('latency');
    jobs.inc(10);
    latency.update(5);
    await reporter.report();
    jobs.inc(2);
    latency.update(7);
    pass(clock, 2 * MINUTE); // no report meanwhile: both expire
    expect(registry.size).toBe(0);
    transport.clear();
    await reporter.report();
    const lines = transport.lines();
    expect(lines).toContain('jobs:2|c');
    expect(lines).toContain('latency.count:1|c');
    expect(lines).toContain('latency.max:7|g');
    transport.clear();
    await reporter.report();
    expect(transport.lines().filter((l) => l.startsWith('jobs') || l.startsWith('latency'))).toEqual([]);
    jobs.inc(3); // the held handle records again: revived at the next sweep
    pass(clock, 20_000);
    transport.clear();
    await reporter.report();
    expect(transport.lines()).toContain('jobs:3|c');
    await reporter.stop();
  });

  it('sends its last count to Graphite once', async () => {
    const clock = new ManualClock();
    const registry = new Registry({ clock, expireAfterMs: MINUTE });
    const transport = new MemoryTransport();
    const reporter = new GraphiteReporter({ registry, transport, selfMetrics: false, onError: () => {} });
    const jobs = registry.counter('jobs');
    jobs.inc(10);
    await reporter.report();
    jobs.inc(2);
    pass(clock, 2 * MINUTE);
    transport.clear();
    await reporter.report();
    expect(transport.lines().some((l) => l.startsWith('jobs.count 12 '))).toBe(true);
    await reporter.stop();
  });
});
