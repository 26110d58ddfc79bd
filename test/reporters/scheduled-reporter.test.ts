import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../../src/clock.js';
import { ErrorCodes } from '../../src/errors.js';
import { Registry } from '../../src/registry/registry.js';
import type { Report, ReporterError } from '../../src/reporters/report.js';
import { ScheduledReporter, type ScheduledReporterOptions } from '../../src/reporters/scheduled-reporter.js';

/** A clock that follows vitest's fake Date and performance. */
const fakeClock: Clock = { now: () => Date.now(), monotonicMs: () => performance.now() };
const START_MS = 1_700_000_001_234;

class MemoryReporter extends ScheduledReporter {
  readonly reports: Report[] = [];
  readonly errors: ReporterError[] = [];
  closed = 0;
  sendImpl: ((report: Report) => Promise<void> | void) | null = null;
  closeImpl: (() => Promise<void>) | null = null;

  constructor(options: ScheduledReporterOptions = {}) {
    const errors: ReporterError[] = [];
    super({ onError: (e: ReporterError) => errors.push(e), ...options }, { kind: 'memory', where: 'MemoryReporter' });
    this.errors = errors;
  }

  protected override async send(report: Report): Promise<void> {
    this.reports.push(report);
    if (this.sendImpl !== null) await this.sendImpl(report);
  }

  protected override async close(): Promise<void> {
    this.closed++;
    if (this.closeImpl !== null) await this.closeImpl();
  }

  bytes(n: number): void {
    this.countBytes(n);
  }
}

function field(report: Report, name: string, statistic: string): number | undefined {
  return report.series.find((s) => s.name === name)?.fields.find((f) => f.statistic === statistic)?.value;
}

describe('ScheduledReporter', () => {
  let registry: Registry;
  beforeEach(() => {
    vi.useFakeTimers({ now: START_MS, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
    registry = new Registry({ clock: fakeClock });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('aligns reports to wall-clock multiples of the interval', async () => {
    const reporter = new MemoryReporter({ registry }).start(1_000);
    registry.counter('a').inc();
    await vi.advanceTimersByTimeAsync(765);
    expect(reporter.reports).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(reporter.reports.map((r) => r.timestampMs)).toEqual([1_700_000_002_000]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(reporter.reports.map((r) => r.timestampMs)).toEqual([1_700_000_002_000, 1_700_000_003_000, 1_700_000_004_000]);
    await reporter.stop();
  });

  it('keeps reporting, aligned, when the wall clock is set back or jumps ahead', async () => {
    const reporter = new MemoryReporter({ registry }).start(1_000);
    await vi.advanceTimersByTimeAsync(766);
    expect(reporter.reports.map((r) => r.timestampMs)).toEqual([1_700_000_002_000]);
    vi.setSystemTime(Date.now() - 3_600_000); // an hour back, as NTP might
    await vi.advanceTimersByTimeAsync(2_000);
    expect(reporter.reports.map((r) => r.timestampMs)).toEqual([1_700_000_002_000, 1_699_996_403_000, 1_699_996_404_000]);
    vi.setSystemTime(Date.now() + 7_200_000); // two hours ahead
    await vi.advanceTimersByTimeAsync(1_000);
    expect(reporter.reports.at(-1)!.timestampMs).toBe(1_700_003_605_000);
    expect(reporter.reports.every((r) => r.timestampMs % 1_000 === 0)).toBe(true);
    await reporter.stop();
  });

  it('throws a coded error when started twice or after stop', async () => {
    const reporter = new MemoryReporter({ registry }).start(1_000);
    expect(() => reporter.start(1_000)).toThrow(expect.objectContaining({ code: 'ERR_TAPEMEASURE_REPORTER_STATE' }) as Error);
    await reporter.stop();
    expect(() => reporter.start(1_000)).toThrow(expect.objectContaining({ code: 'ERR_TAPEMEASURE_REPORTER_STATE' }) as Error);
    for (const bad of [0, -1, 1.5, 2 ** 31, '1000', Number.NaN]) {
      expect(() => new MemoryReporter({ registry }).start(bad as number)).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }) as Error);
    }
  });

  it('skips a scheduled report while the previous one is still running, and counts it', async () => {
    const reporter = new MemoryReporter({ registry });
    let release!: () => void;
    reporter.sendImpl = () => new Promise<void>((resolve) => (release = resolve));
    reporter.start(1_000);
    await vi.advanceTimersByTimeAsync(766);
    expect(reporter.reports).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(reporter.reports).toHaveLength(1);
    expect(reporter.stats.skipped).toBe(3);
    reporter.sendImpl = null;
    release();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(reporter.reports).toHaveLength(2);
    expect(reporter.stats.reports).toBe(2);
    await reporter.stop();
  });

  it('never runs send() concurrently, however report() is called', async () => {
    const reporter = new MemoryReporter({ registry });
    let running = 0;
    let most = 0;
    reporter.sendImpl = async () => {
      running++;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => setTimeout(resolve, 10));
      running--;
    };
    const all = Promise.all([reporter.report(), reporter.report(), reporter.report(), reporter.stop()]);
    await vi.advanceTimersByTimeAsync(100);
    await all;
    expect(reporter.reports).toHaveLength(4);
    expect(most).toBe(1);
    expect(reporter.reports.at(-1)!.final).toBe(true);
  });

  it('stop() sends one final report, closes once, and is safe to call twice', async () => {
    const reporter = new MemoryReporter({ registry }).start(60_000);
    registry.counter('jobs').inc(5);
    const first = reporter.stop();
    const second = reporter.stop();
    expect(second).toBe(first);
    await first;
    expect(reporter.reports).toHaveLength(1);
    expect(reporter.reports[0]!.final).toBe(true);
    expect(reporter.reports[0]!.series[0]!.countDelta).toBe(5);
    expect(reporter.closed).toBe(1);
    await reporter.report();
    expect(reporter.reports).toHaveLength(1);
  });

  it('stop() gives up within stopTimeoutMs when the transport hangs', async () => {
    const reporter = new MemoryReporter({ registry, stopTimeoutMs: 500 });
    reporter.sendImpl = () => new Promise<void>(() => {});
    reporter.closeImpl = () => new Promise<void>(() => {});
    let done = false;
    void reporter.stop().then(() => (done = true));
    await vi.advanceTimersByTimeAsync(499);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
    expect(reporter.errors.map((e) => e.message)).toEqual(['memory reporter: stop-timeout: the final report did not finish within 500 ms']);
    expect(reporter.closed).toBe(1);
  });

  it('routes send failures to onError and keeps reporting', async () => {
    const reporter = new MemoryReporter({ registry });
    reporter.sendImpl = () => {
      throw new Error('boom');
    };
    await reporter.report();
    expect(reporter.stats.failures).toBe(1);
    expect(reporter.errors[0]).toMatchObject({ kind: 'send', code: 'ERR_TAPEMEASURE_REPORT_FAILED', reporter: 'memory' });
    expect((reporter.errors[0]!.cause as Error).message).toBe('boom');
    reporter.sendImpl = null;
    await reporter.report();
    expect(reporter.stats.reports).toBe(1);
  });

  it('isolates a gauge that throws and one that never settles', async () => {
    registry.gauge('ok', () => 42);
    registry.gauge('bad', () => {
      throw new Error('nope');
    });
    registry.gauge('stuck', () => new Promise<number>(() => {}), { timeoutMs: 100 });
    const reporter = new MemoryReporter({ registry });
    const done = reporter.report();
    await vi.advanceTimersByTimeAsync(100);
    await done;
    const [report] = reporter.reports;
    expect(report!.series.map((s) => [s.name, s.value])).toEqual([['ok', 42], ['bad', null], ['stuck', null]]);
    expect(report!.series[1]!.error).toMatch(/nope/);
    expect(report!.series[2]!.error).toMatch(/timed out/);
    expect(report!.series[1]!.fields).toEqual([]);
    expect(reporter.errors.map((e) => e.kind)).toEqual(['gauge', 'gauge']);
  });

  it('keeps counter deltas per reporter: two reporters never disturb each other', async () => {
    const c = registry.counter('c');
    const a = new MemoryReporter({ registry });
    const b = new MemoryReporter({ registry });
    c.inc(3);
    await a.report();
    c.inc(2);
    await a.report();
    await b.report();
    c.dec(1);
    await b.report();
    expect(a.reports.map((r) => r.series[0]!.countDelta)).toEqual([3, 2]);
    expect(b.reports.map((r) => r.series[0]!.countDelta)).toEqual([5, -1]);
    expect(a.reports[1]!.series[0]!.count).toBe(5);
  });

  it('reports interval distributions per reporter with distribution: interval', async () => {
    const h = registry.histogram('h', { resolution: 1 });
    const a = new MemoryReporter({ registry, distribution: 'interval' }).start(60_000);
    const b = new MemoryReporter({ registry, distribution: 'interval' }).start(60_000);
    h.record(10);
    h.record(20);
    await a.report();
    h.record(30);
    await a.report();
    await b.report();
    await a.report();
    expect(field(a.reports[0]!, 'h', 'max')).toBe(20);
    expect(field(a.reports[1]!, 'h', 'max')).toBe(30);
    expect(field(a.reports[1]!, 'h', 'min')).toBe(30);
    expect(field(b.reports[0]!, 'h', 'min')).toBe(10);
    expect(field(b.reports[0]!, 'h', 'max')).toBe(30);
    // an empty interval omits its statistics, never sends 0
    expect(a.reports[2]!.series[0]!.fields.map((f) => f.statistic)).toEqual(['count']);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('selects by prefix, glob, list and predicate', async () => {
    for (const n of ['http.get.count', 'http.post.count', 'db.query', 'db.pool.idle']) registry.counter(n);
    const names = async (filter: ScheduledReporterOptions['filter']): Promise<string[]> => {
      const r = new MemoryReporter(filter === undefined ? { registry } : { registry, filter });
      await r.report();
      return r.reports[0]!.series.map((s) => s.name);
    };
    expect(await names('http.')).toEqual(['http.get.count', 'http.post.count']);
    expect(await names('db.*')).toEqual(['db.query']);
    expect(await names('db.**')).toEqual(['db.query', 'db.pool.idle']);
    expect(await names('*.get.*')).toEqual(['http.get.count']);
    expect(await names(['db.query', 'http.p*.*'])).toEqual(['http.post.count', 'db.query']);
    expect(await names((m) => m.name.endsWith('idle'))).toEqual(['db.pool.idle']);
  });

  it('converts rate and duration units and chooses statistics', async () => {
    const t = registry.timer('t');
    t.update(1.5);
    t.update(2.5);
    const reporter = new MemoryReporter({ registry, durationUnit: 'us', rateUnit: 'min', statistics: ['count', 'max', 'meanRate'] });
    await vi.advanceTimersByTimeAsync(10_000);
    await reporter.report();
    const series = reporter.reports[0]!.series[0]!;
    expect(series.fields.map((f) => [f.suffix, f.value])).toEqual([
      ['count', 2],
      ['max', expect.closeTo(2500, 0) as number],
      ['mean_rate', expect.closeTo(12, 6) as number],
    ]);
    // the snapshot keeps the registry's own units
    expect(series.snapshot).toMatchObject({ type: 'timer', count: 2 });
  });

  it('warns once per kind by default, rate-limited', async () => {
    const emit = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      class Failing extends ScheduledReporter {
        protected override send(): void {
          throw new Error('down');
        }
      }
      const reporter = new Failing({ registry }, { kind: 'failing', where: 'Failing' });
      await reporter.report();
      await reporter.report();
      await vi.advanceTimersByTimeAsync(60_000);
      await reporter.report();
      const warnings = emit.mock.calls.map((c) => String(c[0]));
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toMatch(/failing reporter: send: down/);
      expect(warnings[0]).not.toMatch(/\(down\)/); // the cause is said once
      expect(warnings[1]).toMatch(/1 more since the last warning/);
      expect(emit.mock.calls[0]![1]).toMatchObject({ type: 'TapemeasureWarning', code: 'ERR_TAPEMEASURE_REPORT_FAILED' });
    } finally {
      emit.mockRestore();
    }
  });

  it('keeps self-metrics in the registry when asked', async () => {
    const reporter = new MemoryReporter({ registry, selfMetrics: true });
    reporter.bytes(100);
    await reporter.report();
    expect(registry.get('tapemeasure.reporter.memory.reports')?.snapshot()).toMatchObject({ count: 1 });
    expect(registry.get('tapemeasure.reporter.memory.bytes')?.snapshot()).toMatchObject({ count: 100 });
    expect(reporter.stats).toMatchObject({ reports: 1, bytes: 100, failures: 0 });
  });

  it('never keeps the process alive: its timer is unref()ed', async () => {
    vi.useRealTimers();
    const timeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timeouts();
    const reporter = new MemoryReporter({ registry: new Registry() }).start(1_000);
    expect(reporter.running).toBe(true);
    expect(timeouts()).toBe(before);
    await reporter.stop();
    expect(reporter.running).toBe(false);
  });
});
