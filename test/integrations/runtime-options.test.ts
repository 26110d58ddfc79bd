/**
 * Table-driven options test of collectRuntimeMetrics(): each option's bad values and a
 * typo of each key, asserting the code (and the suggestion for a typo). Nothing here
 * starts a collector.
 */

import { describe } from 'vitest';
import { collectRuntimeMetrics } from '../../src/integrations/runtime.js';
import { optionTableTests } from '../helpers/option-table.js';

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

describe('collectRuntimeMetrics() options', () => {
  optionTableTests((options) => collectRuntimeMetrics(options as never), { bad: BAD, typos: TYPOS, notObjects: ['x', 42, [], null] });
});
