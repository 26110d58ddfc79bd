import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { dashboardHandler } from '../../../src/exposition/dashboard/handler.js';
import { serveMetrics } from '../../../src/exposition/server.js';
import { Registry } from '../../../src/registry/registry.js';
import { optionTableTests, thrown } from '../../helpers/option-table.js';

const registry = new Registry();

/** Each option with values it must refuse (wrong type, out of range). */
const BAD_VALUES: Readonly<Record<string, readonly unknown[]>> = {
  registry: [{}, 1, 'default', { metrics: () => [] }],
  filter: [1, [1], {}, true],
  intervalMs: [0, 99, 60_001, 1.5, '1000', Number.NaN],
  historyMs: [999, 86_400_001, 1.5, '600000'],
  maxSeries: [0, 100_001, 2.5, '1000'],
  idleTimeoutMs: [999, -1, 86_400_001, 'soon'],
  title: ['', 'x'.repeat(101), 1, null],
  clock: [{}, { now: () => 0 }, 1],
  onError: ['log', 1, {}],
};

/** Typos and the key they must suggest. */
const TYPOS: readonly (readonly [typo: string, suggestion: string | undefined])[] = [
  ['registy', 'registry'],
  ['intervl', 'intervalMs'],
  ['interval', 'intervalMs'],
  ['historyMS', 'historyMs'],
  ['maxSeris', 'maxSeries'],
  ['idleTimeout', 'idleTimeoutMs'],
  ['fliter', 'filter'],
  ['port', undefined],
];

async function rejected(run: () => Promise<unknown>): Promise<{ code?: string; suggestion?: string }> {
  try {
    await run();
  } catch (error) {
    return error as { code?: string; suggestion?: string };
  }
  throw new Error('expected a rejection');
}

describe('dashboardHandler options', () => {
  it('accepts every option with a good value', async () => {
    const handler = dashboardHandler({
      registry: registry.scope('app'),
      filter: ['http.', 'db.*'],
      intervalMs: 500,
      historyMs: 60_000,
      maxSeries: 10,
      idleTimeoutMs: 10_000,
      title: 'checkout',
      clock: new ManualClock(),
      onError: () => {},
    });
    expect(typeof handler).toBe('function');
    await handler.stop();
    await dashboardHandler().stop();
  });

  optionTableTests((options) => dashboardHandler(options as never), { bad: BAD_VALUES, typos: TYPOS, notObjects: [null, 5, 'registry', [registry]] });

  it('refuses a history shorter than one interval or longer than 3,600 samples', () => {
    expect(thrown(() => dashboardHandler({ intervalMs: 5_000, historyMs: 4_000 })).code).toBe('ERR_TAPEMEASURE_INVALID_OPTION');
    expect(thrown(() => dashboardHandler({ intervalMs: 100, historyMs: 360_100 })).code).toBe('ERR_TAPEMEASURE_INVALID_OPTION');
  });
});

describe('the dashboard option of serveMetrics', () => {
  for (const value of ['yes', 1, null, [true]]) {
    it(`refuses dashboard: ${JSON.stringify(value)}`, async () => {
      const error = await rejected(() => serveMetrics({ registry, port: 0, dashboard: value as never }));
      expect(error.code).toBe('ERR_TAPEMEASURE_INVALID_OPTION');
    });
  }

  it('refuses a bad dashboard option value', async () => {
    const error = await rejected(() => serveMetrics({ registry, port: 0, dashboard: { intervalMs: 1 } }));
    expect(error.code).toBe('ERR_TAPEMEASURE_INVALID_OPTION');
  });

  it('refuses an unknown dashboard key with a suggestion, and registry (the server has its own)', async () => {
    const typo = await rejected(() => serveMetrics({ registry, port: 0, dashboard: { intervl: 1000 } as never }));
    expect(typo.code).toBe('ERR_TAPEMEASURE_UNKNOWN_OPTION');
    expect(typo.suggestion).toBe('intervalMs');
    const own = await rejected(() => serveMetrics({ registry, port: 0, dashboard: { registry } as never }));
    expect(own.code).toBe('ERR_TAPEMEASURE_UNKNOWN_OPTION');
  });
});
