/**
 * The StatsD reporter against the real StatsD daemon, over UDP and TCP: what StatsD
 * flushes must equal what the registry held.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { Registry } from '../../src/registry/registry.js';
import { StatsdReporter } from '../../src/reporters/statsd-reporter.js';
import type { ReporterError } from '../../src/reporters/scheduled-reporter.js';
import { startStatsd, type StatsdServer } from '../helpers/statsd-server.js';

let statsd: StatsdServer;
beforeAll(async () => {
  statsd = await startStatsd();
});
afterAll(async () => {
  await statsd.dispose();
});

/** A seeded PRNG so failures reproduce. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe.each(['udp', 'tcp'] as const)('StatsdReporter over %s with the real StatsD', (protocol) => {
  const setup = (prefix: string) => {
    const clock = new ManualClock({ nowMs: Date.UTC(2026, 0, 1), monotonicMs: 1_000_000 });
    const registry = new Registry({ clock });
    const errors: ReporterError[] = [];
    const reporter = new StatsdReporter({
      registry,
      host: '127.0.0.1',
      port: protocol === 'udp' ? statsd.udpPort : statsd.tcpPort,
      protocol,
      prefix,
      onError: (e) => errors.push(e),
      env: {},
    });
    reporter.start(3_600_000); // scheduled far away: the test drives report() itself
    return { clock, registry, reporter, errors };
  };

  it('counter deltas sum to the true count across many reports', async () => {
    const p = `${protocol}.counter`;
    const { registry, reporter, errors } = setup(p);
    const random = prng(42);
    const hits = registry.counter('hits');
    const tagged = registry.counter('requests', { tags: { route: '/users/:id', method: 'GET' } });
    for (let i = 0; i < 25; i++) {
      hits.inc(Math.floor(random() * 100));
      if (i % 5 === 4) hits.dec(7); // a counter that goes down sends a negative delta
      tagged.inc(i % 3);
      await reporter.report();
    }
    await reporter.stop();
    const totals = await statsd.waitFor(
      (t) => t.counters.get(`${p}.hits`) === hits.count && t.counters.get(`${p}.requests;method=GET;route=_2Fusers_2F_3Aid`) === tagged.count,
    );
    expect(totals.counters.get(`${p}.hits`)).toBe(hits.count);
    expect(totals.counters.get(`${p}.requests;method=GET;route=_2Fusers_2F_3Aid`)).toBe(tagged.count);
    expect(totals.badLines).toBe(0);
    expect(errors).toEqual([]);
    expect(reporter.stats.reports).toBe(26);
    expect(reporter.stats.dropped).toBe(0);
  });

  it('gauges arrive as set values, negative ones included', async () => {
    const p = `${protocol}.gauge`;
    const { registry, reporter } = setup(p);
    const g = registry.gauge('temperature');
    registry.gauge('callback', () => -42.25);
    // Reported back to back, so StatsD still holds the previous value when the next
    // arrives: a bare "-3.5|g" would be read as a decrement of it.
    const sequence = [10, -3.5, 0, -0.001, 7, -2];
    for (const v of sequence) {
      g.set(v);
      await reporter.report();
    }
    await statsd.waitFor((t) => t.gauges.get(`${p}.temperature`) === -2);
    const totals = await statsd.waitFor((t) => t.gauges.get(`${p}.callback`) === -42.25);
    const history = totals.gaugeHistory.get(`${p}.temperature`)!;
    expect(history.at(-1)).toBe(-2);
    for (const v of history) expect(sequence).toContain(v);
    expect(totals.gauges.get(`${p}.callback`)).toBe(-42.25);
    expect(totals.badLines).toBe(0);
    await reporter.stop();
  });

  it('meter counts and rates arrive exactly', async () => {
    const p = `${protocol}.meter`;
    const { clock, registry, reporter } = setup(p);
    const m = registry.meter('jobs');
    m.mark(30);
    clock.advance(5_000);
    m.mark(12);
    clock.advance(5_000);
    const expected = m.snapshot();
    await reporter.report();
    const totals = await statsd.waitFor((t) => t.gauges.has(`${p}.jobs.mean_rate`) && t.counters.has(`${p}.jobs.count`));
    expect(totals.counters.get(`${p}.jobs.count`)).toBe(42);
    expect(totals.gauges.get(`${p}.jobs.m1_rate`)).toBe(expected.m1Rate);
    expect(totals.gauges.get(`${p}.jobs.m5_rate`)).toBe(expected.m5Rate);
    expect(totals.gauges.get(`${p}.jobs.m15_rate`)).toBe(expected.m15Rate);
    expect(totals.gauges.get(`${p}.jobs.mean_rate`)).toBe(expected.meanRate);
    expect(expected.m1Rate).toBeGreaterThan(0);
    await reporter.stop();
  });

  it('histogram and timer statistics of each interval arrive, and nothing for an empty one', async () => {
    const p = `${protocol}.dist`;
    const { clock, registry, reporter } = setup(p);
    const h = registry.histogram('sizes', { resolution: 1 });
    const t = registry.timer('latency');
    const hOracle = h.openInterval();
    const tOracle = t.openInterval();
    const values: number[] = [];
    const random = prng(7);
    for (let i = 0; i < 2_000; i++) {
      const v = Math.floor(random() * 10_000);
      values.push(v);
      h.record(v);
      t.update(v / 100);
    }
    clock.advance(1_000);
    await reporter.report();
    const hs = hOracle.take();
    const ts = tOracle.take();
    const totals = await statsd.waitFor((x) => x.gauges.has(`${p}.latency.p999`) && x.gauges.has(`${p}.sizes.p999`));
    for (const stat of ['min', 'max', 'mean', 'stddev', 'p50', 'p75', 'p95', 'p98', 'p99', 'p999'] as const) {
      expect(totals.gauges.get(`${p}.sizes.${stat}`), stat).toBe(hs[stat]);
      expect(totals.gauges.get(`${p}.latency.${stat}`), stat).toBe(ts[stat]);
    }
    // ... and those are the true statistics, within the histogram's 1% precision
    const sorted = [...values].sort((a, b) => a - b);
    expect(totals.gauges.get(`${p}.sizes.min`)).toBe(sorted[0]);
    expect(totals.gauges.get(`${p}.sizes.max`)).toBe(sorted.at(-1));
    const p99 = sorted[Math.ceil(0.99 * sorted.length) - 1]!;
    expect(Math.abs(totals.gauges.get(`${p}.sizes.p99`)! - p99)).toBeLessThanOrEqual(p99 * 0.01 + 1);
    expect(totals.gauges.get(`${p}.latency.max`)).toBeCloseTo(sorted.at(-1)! / 100, 6);
    expect(totals.counters.get(`${p}.sizes.count`)).toBe(2_000);
    expect(totals.counters.get(`${p}.latency.count`)).toBe(2_000);
    expect(totals.gauges.has(`${p}.latency.m1_rate`)).toBe(true);

    // An interval with no values sends the count delta (0) and no statistics.
    const flushesBefore = statsd.flushes().length;
    await reporter.report();
    const after = await statsd.waitFor((x) => x.flushes >= flushesBefore + 3);
    const late = statsd.flushes().slice(flushesBefore);
    for (const f of late) {
      expect(Object.keys(f.gauges).filter((k) => k.startsWith(`${p}.sizes.`))).toEqual([]);
    }
    expect(after.counters.get(`${p}.sizes.count`)).toBe(2_000);
    expect(after.badLines).toBe(0);
    await reporter.stop();
  });

  it('stop() sends a final report and closes', async () => {
    const p = `${protocol}.final`;
    const { registry, reporter } = setup(p);
    registry.counter('last').inc(9);
    await reporter.stop();
    const totals = await statsd.waitFor((t) => t.counters.get(`${p}.last`) === 9);
    expect(totals.counters.get(`${p}.last`)).toBe(9);
    expect(reporter.transportStats.queuedBytes).toBe(0);
  });
});

describe('StatsdReporter options', () => {
  it('reads STATSD_* from the environment and rejects bad values', () => {
    const registry = new Registry();
    expect(() => new StatsdReporter({ registry, env: { STATSD_PORT: 'x' } })).toThrow(/STATSD_PORT/);
    expect(() => new StatsdReporter({ registry, env: { STATSD_PROTOCOL: 'quic' } })).toThrow(
      expect.objectContaining({ code: 'ERR_TAPEMEASURE_INVALID_OPTION' }),
    );
    expect(() => new StatsdReporter({ registry, closeTimeoutMs: -1 })).toThrow(/closeTimeoutMs/);
  });

  it('takes its options from the environment', async () => {
    const registry = new Registry();
    registry.counter('from_env').inc(3);
    const reporter = new StatsdReporter({
      registry,
      env: { STATSD_HOST: '127.0.0.1', STATSD_PORT: String(statsd.tcpPort), STATSD_PROTOCOL: 'tcp', STATSD_PREFIX: 'envtest' },
    });
    await reporter.stop();
    const totals = await statsd.waitFor((t) => t.counters.get('envtest.from_env') === 3);
    expect(totals.counters.get('envtest.from_env')).toBe(3);
  });
});
