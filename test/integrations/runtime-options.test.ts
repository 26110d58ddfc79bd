/**
 * Table-driven options test of collectRuntimeMetrics(): each option's bad values and a
 * typo of each key, asserting the code (and the suggestion for a typo). Nothing here
 * starts a collector.
 */

import { describe, expect, it } from 'vitest';
import { collectRuntimeMetrics } from '../../src/integrations/runtime.js';

const BAD: Record<string, readonly unknown[]> = {
  registry: [null, {}, 'default', { histogram() {} }],
  prefix: ['', 'a b', 'a..b', 1, 'x'.repeat(513)],
  intervalMs: [99, 0, -1, 100.5, '1000', Number.POSITIVE_INFINITY, Number.NaN, 2 ** 31],
  eventLoopResolutionMs: [0, 1.5, 60_001, '10'],
  gc: ['yes', 1, null],
  tags: ['x', [], { 'bad key': 'v' }, { k: '' }],
};

const TYPOS: readonly [string, string][] = [
  ['registy', 'registry'],
  ['prefx', 'prefix'],
  ['interval', 'intervalMs'],
  ['intervalMS', 'intervalMs'],
  ['eventLoopResolution', 'eventLoopResolutionMs'],
  ['gcc', 'gc'],
  ['tag', 'tags'],
];

function thrown(attempt: () => unknown): { code?: string; option?: string; suggestion?: string } {
  try {
    attempt();
  } catch (error) {
    return error as { code?: string };
  }
  throw new Error('expected a throw');
}

describe('collectRuntimeMetrics() options', () => {
  for (const [key, values] of Object.entries(BAD)) {
    it.each(values.map((v) => [v]))(`rejects ${key}: %o`, (value) => {
      const error = thrown(() => collectRuntimeMetrics({ [key]: value }));
      expect(error.code).toBe('ERR_TAPEMEASURE_INVALID_OPTION');
      expect(error.option).toBe(key);
    });
  }

  it.each(TYPOS)('rejects the typo %s, suggesting %s', (typo, suggestion) => {
    const error = thrown(() => collectRuntimeMetrics({ [typo]: 1 }));
    expect(error.code).toBe('ERR_TAPEMEASURE_UNKNOWN_OPTION');
    expect(error.suggestion).toBe(suggestion);
  });

  it.each([['x'], [42], [[]], [null]])('rejects options that are not an object: %o', (options) => {
    expect(thrown(() => collectRuntimeMetrics(options as never)).code).toBe('ERR_TAPEMEASURE_INVALID_OPTION');
  });
});
