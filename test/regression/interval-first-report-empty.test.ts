// Regression: with `distribution: 'interval'` (StatsD's default), a reporter opened its
// interval readers at start(), or at a metric's first report, so the values recorded
// before that never reached StatsD or Graphite: before start(), with report()-only use,
// and with stop() on a reporter never started. A reporter's first interval now covers
// what was recorded since the reporter was created (or since the metric was, if later).
import { describe, expect, it } from 'vitest';
import { Registry } from '../../src/registry/registry.js';
import { GraphiteReporter } from '../../src/reporters/graphite-reporter.js';
import { StatsdReporter } from '../../src/reporters/statsd-reporter.js';
import { MemoryTransport } from '../../src/transports/memory.js';

function statsd() {
  const registry = new Registry();
  const transport = new MemoryTransport();
  const reporter = new StatsdReporter({ registry, transport, env: {}, statistics: ['count', 'max', 'p50'] });
  return { registry, transport, reporter };
}

describe('distribution: interval covers what was recorded before the first report', () => {
  it('values recorded before start() reach StatsD', async () => {
    const { registry, transport, reporter } = statsd();
    const timer = registry.timer('db.query');
    timer.update(42);
    reporter.start(3_600_000);
    await reporter.report();
    expect(transport.lines()).toEqual(['db.query.count:1|c', 'db.query.max:42|g', 'db.query.p50:42|g']);
    await reporter.stop();
  });

  it('report()-only use sends the first interval', async () => {
    const { registry, transport, reporter } = statsd();
    registry.histogram('size').record(7);
    await reporter.report();
    expect(transport.lines()).toContain('size.max:7|g');
    transport.clear();
    registry.histogram('size').record(9);
    await reporter.report();
    expect(transport.lines()).toEqual(['size.count:1|c', 'size.max:9|g', 'size.p50:9|g']);
    await reporter.stop();
  });

  it('stop() of a reporter never started sends what was recorded', async () => {
    const { registry, transport, reporter } = statsd();
    registry.timer('job').update(5);
    await reporter.stop();
    expect(transport.lines()).toContain('job.max:5|g');
  });

  it('a metric created after the reporter is covered from its creation', async () => {
    const { registry, transport, reporter } = statsd();
    registry.timer('late').update(3);
    await reporter.stop();
    expect(transport.lines()).toContain('late.max:3|g');
  });

  it('values recorded before the reporter was created are not in its first interval', async () => {
    const registry = new Registry();
    registry.timer('old').update(100);
    const transport = new MemoryTransport();
    const reporter = new StatsdReporter({ registry, transport, env: {}, statistics: ['count', 'max'] });
    registry.timer('old').update(1);
    await reporter.stop();
    expect(transport.lines()).toEqual(['old.count:2|c', 'old.max:1|g']);
  });

  it('GraphiteReporter with distribution interval sends the first interval too', async () => {
    const registry = new Registry();
    const transport = new MemoryTransport();
    const reporter = new GraphiteReporter({ registry, transport, env: {}, distribution: 'interval', statistics: ['max'] });
    registry.timer('t').update(11);
    await reporter.report();
    expect(transport.lines().map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual(['t.max 11']);
    await reporter.stop();
  });
});
