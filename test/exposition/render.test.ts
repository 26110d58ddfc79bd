import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { ErrorCodes } from '../../src/errors.js';
import type { EndpointError } from '../../src/exposition/endpoint-error.js';
import { renderMetrics, type RenderMetricsOptions } from '../../src/exposition/render.js';
import { Registry } from '../../src/registry/registry.js';

const registry = new Registry({ clock: new ManualClock({ nowMs: 1_700_000_000_000, monotonicMs: 50_000 }) });
registry.counter('db.calls').inc(2);
registry.timer('db.query').update(12.5);
registry.gauge('async.value', async () => Promise.resolve(99));

describe('renderMetrics', () => {
  it('renders what the endpoint serves, without HTTP', async () => {
    const text = await renderMetrics({ registry, format: 'prometheus', filter: 'db.calls' });
    expect(text).toBe('# HELP db_calls_total tapemeasure counter db.calls\n# TYPE db_calls_total counter\ndb_calls_total 2\n');
    expect(JSON.parse(await renderMetrics({ registry, filter: 'async.' }))).toEqual({ async: { value: { type: 'gauge', value: 99 } } });
    expect(await renderMetrics({ registry, format: 'json', filter: 'db.calls', pretty: true })).toBe(
      '{\n  "db": {\n    "calls": {\n      "type": "counter",\n      "count": 2\n    }\n  }\n}\n',
    );
    expect(await renderMetrics({ registry, format: 'openmetrics', filter: 'db.calls', prefix: 'app' })).toBe(
      '# HELP app_db_calls tapemeasure counter db.calls\n# TYPE app_db_calls counter\napp_db_calls_total 2\n# EOF\n',
    );
  });

  it('tells onError about colliding Prometheus names with a coded error', async () => {
    const r = new Registry();
    r.gauge('a.b_c').set(1);
    r.gauge('a_b.c').set(2);
    const errors: EndpointError[] = [];
    const text = await renderMetrics({ registry: r, format: 'prometheus', onError: (e) => errors.push(e) });
    expect(text).toContain('a_b_c 1\n');
    expect(errors.map((e) => [e.code, e.kind])).toEqual([[ErrorCodes.ENDPOINT_FAILED, 'collision']]);
  });

  it('never holds the event loop long while exporting 2,000 timers', async () => {
    const big = new Registry({ clock: new ManualClock({ monotonicMs: 1_000_000 }) });
    for (let i = 0; i < 2_000; i++) {
      const t = big.timer(`t.n${i}`);
      for (let v = 1; v <= 20; v++) t.update(v * 3.5);
    }
    let turns = 0;
    let stop = false;
    const spin = (): void => {
      turns++;
      if (!stop) setImmediate(spin);
    };
    setImmediate(spin);
    const text = await renderMetrics({ registry: big, format: 'prometheus' });
    stop = true;
    expect(text.split('\n')).toHaveLength(2_000 * 10 + 1);
    // Formatting gave the event loop turns along the way instead of one long block.
    expect(turns).toBeGreaterThan(1);
  });
});

describe('renderMetrics options', () => {
  const make = (options: unknown): Promise<string> => renderMetrics(options as RenderMetricsOptions);

  it.each([
    ['registry', {}],
    ['format', 'xml'],
    ['format', 'text'],
    ['filter', 3],
    ['pretty', 'yes'],
    ['prefix', '9bad'],
    ['onError', 1],
  ] as const)('rejects %s: %o with INVALID_OPTION', async (key, value) => {
    await expect(make({ [key]: value })).rejects.toMatchObject({ code: ErrorCodes.INVALID_OPTION });
  });

  it.each([
    ['fliter', 'filter'],
    ['fromat', 'format'],
    ['registy', 'registry'],
    ['prety', 'pretty'],
  ])('rejects the typo %s, suggesting %s', async (typo, suggestion) => {
    await expect(make({ [typo]: 'x' })).rejects.toMatchObject({ code: ErrorCodes.UNKNOWN_OPTION, suggestion });
  });

  it('rejects a registry passed in place of the options', async () => {
    await expect(make(registry)).rejects.toMatchObject({ code: ErrorCodes.INVALID_OPTION });
  });
});
