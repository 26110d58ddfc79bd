/** Table-driven tests of the options every scheduled reporter reads, through a tiny subclass. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { ErrorCodes } from '../../src/errors.js';
import { nonEmptyString, readOptions } from '../../src/internal/options.js';
import { Registry } from '../../src/registry/registry.js';
import { REPORTER_OPTIONS, ScheduledReporter, type ScheduledReporterOptions } from '../../src/reporters/scheduled-reporter.js';

const OWN = { target: nonEmptyString };

class TinyReporter extends ScheduledReporter {
  readonly target: string | undefined;
  constructor(options?: ScheduledReporterOptions & { readonly target?: string }) {
    super(options, { kind: 'tiny', where: 'TinyReporter', schema: OWN });
    this.target = readOptions('TinyReporter', options, OWN, REPORTER_OPTIONS).target;
  }
  protected override send(): void {
    // Nothing to send.
  }
}

class NoUnitsReporter extends ScheduledReporter {
  constructor(options?: ScheduledReporterOptions) {
    super(options, { kind: 'no-units', where: 'NoUnitsReporter', omit: ['rateUnit', 'durationUnit'] });
  }
  protected override send(): void {
    // Nothing to send.
  }
}

const make = (options: unknown): TinyReporter => new TinyReporter(options as ScheduledReporterOptions);

describe('ScheduledReporter options', () => {
  it.each([
    ['registry', {}],
    ['registry', 'default'],
    ['filter', 3],
    ['filter', [1, 2]],
    ['filter', { prefix: 'a' }],
    ['rateUnit', 'fortnight'],
    ['rateUnit', 1],
    ['durationUnit', 'seconds'],
    ['statistics', 'p99'],
    ['statistics', ['p42']],
    ['distribution', 'sliding'],
    ['onError', 'warn'],
    ['selfMetrics', 'yes'],
    ['selfMetrics', { prefix: '' }],
    ['stopTimeoutMs', 0],
    ['stopTimeoutMs', -1],
    ['stopTimeoutMs', 1.5],
    ['stopTimeoutMs', 2 ** 31],
    ['stopOnExit', 'yes'],
    ['stopOnExit', 1],
    ['clock', { now: () => 0 }],
    ['target', ''],
  ] as const)('rejects %s: %o with INVALID_OPTION', (key, value) => {
    expect(() => make({ [key]: value })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
  });

  it.each([
    ['fliter', 'filter'],
    ['registy', 'registry'],
    ['rateunit', 'rateUnit'],
    ['durationUnits', 'durationUnit'],
    ['statistic', 'statistics'],
    ['distributon', 'distribution'],
    ['onerror', 'onError'],
    ['selfMetric', 'selfMetrics'],
    ['stopTimeout', 'stopTimeoutMs'],
    ['stopOnExitt', 'stopOnExit'],
    ['clok', 'clock'],
    ['targt', 'target'],
  ])('rejects the typo %s, suggesting %s', (typo, suggestion) => {
    expect(() => make({ [typo]: 1 })).toThrow(expect.objectContaining({ code: ErrorCodes.UNKNOWN_OPTION, suggestion }));
  });

  it('rejects an unknown key of selfMetrics, suggesting the nearest', () => {
    expect(() => make({ selfMetrics: { prefx: 'a' } })).toThrow(
      expect.objectContaining({ code: ErrorCodes.UNKNOWN_OPTION, suggestion: 'prefix' }),
    );
  });

  it('rejects options that are not an object, and a registry in place of the options', () => {
    expect(() => make(42)).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
    expect(() => make([])).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
    expect(() => make(new Registry())).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
  });

  it('accepts every option, and the subclass reads its own', async () => {
    const registry = new Registry({ clock: new ManualClock() });
    const reporter = make({
      registry,
      filter: ['a.', 'b.*'],
      rateUnit: 'min',
      durationUnit: 'us',
      statistics: ['count', 'p99'],
      distribution: 'interval',
      onError: () => {},
      selfMetrics: { prefix: 'me', tags: { host: 'h' } },
      stopTimeoutMs: 100,
      clock: new ManualClock(),
      target: 'there',
    });
    expect(reporter.target).toBe('there');
    expect(reporter.registry).toBe(registry);
    await reporter.stop();
  });

  it('treats an omitted base option as unknown', () => {
    expect(() => new NoUnitsReporter({ rateUnit: 's' })).toThrow(expect.objectContaining({ code: ErrorCodes.UNKNOWN_OPTION }));
    expect(() => new NoUnitsReporter({ statistics: ['count'] })).not.toThrow();
  });

  it.each([0, -5, 1.5, 2 ** 31, '1000', Number.POSITIVE_INFINITY])('start(%o) throws INVALID_OPTION', (intervalMs) => {
    expect(() => make({}).start(intervalMs as number)).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
  });
});
