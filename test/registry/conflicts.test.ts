import { describe, expect, it } from 'vitest';
import { ErrorCodes, ManualClock, MetricConflictError, Registry } from '../../src/index.js';

/** The conflict `fn` throws. */
function conflictOf(fn: () => unknown): MetricConflictError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(MetricConflictError);
    return error as MetricConflictError;
  }
  throw new Error('expected a conflict');
}

// The words of the message are what this file tests (issue 10: "the conflict error for
// different options speaks words"), so these tests read the message; everywhere else
// tests assert codes only.
describe('ERR_TAPEMEASURE_OPTIONS_CONFLICT in words', () => {
  const registry = (): Registry => new Registry({ clock: new ManualClock() });

  it('names the one differing option with both values', () => {
    const r = registry();
    r.timer('t', { significantDigits: 2 });
    const error = conflictOf(() => r.timer('t', { significantDigits: 3 }));
    expect(error.code).toBe(ErrorCodes.OPTIONS_CONFLICT);
    expect(error.message).toBe('timer "t" already exists with significantDigits 2; asked for 3');
  });

  it('lists each differing option, in the words of the options', () => {
    const r = registry();
    r.timer('t');
    expect(conflictOf(() => r.timer('t', { significantDigits: 3, windowMs: 30_000, windowSlices: 2 })).message).toBe(
      'timer "t" already exists with other options: significantDigits 2 vs 3, windowMs 60000 vs 30000, windowSlices 4 vs 2',
    );
    r.histogram('h', { resolution: 1 });
    expect(conflictOf(() => r.histogram('h', { resolution: 0.5 })).message).toBe(
      'histogram "h" already exists with resolution 1; asked for 0.5',
    );
    r.timer('u', { resolutionMs: 0.01 });
    expect(conflictOf(() => r.timer('u', { resolutionMs: 0.001 })).message).toBe('timer "u" already exists with resolutionMs 0.01; asked for 0.001');
  });

  it('says settable vs callback, and timeoutMs, for gauges', () => {
    const r = registry();
    r.gauge('g');
    expect(conflictOf(() => r.gauge('g', () => 1)).message).toBe(
      'gauge "g" already exists as a settable gauge (no callback); asked for a callback gauge',
    );
    expect(conflictOf(() => r.gauge('g', () => 1, { timeoutMs: 500 })).message).toBe(
      'gauge "g" already exists with other options: settable vs callback, timeoutMs 1000 vs 500',
    );
    r.gauge('c', () => 1, { timeoutMs: 1000 });
    expect(conflictOf(() => r.gauge('c', () => 1, { timeoutMs: 500 })).message).toBe(
      'gauge "c" already exists with timeoutMs 1000; asked for 500',
    );
  });

  it('names the types of a type conflict', () => {
    const r = registry();
    r.counter('x');
    const error = conflictOf(() => r.meter('x'));
    expect(error.code).toBe(ErrorCodes.TYPE_CONFLICT);
    expect(error.message).toBe('"x" is already a counter; cannot register it as a meter');
  });
});
