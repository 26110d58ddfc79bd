/**
 * Table-driven options tests of every HTTP integration: each option's bad values, and a
 * typo of each key, asserting the code (and the suggestion for a typo).
 */

import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { expressMetrics } from '../../../src/integrations/express.js';
import { fastifyMetrics } from '../../../src/integrations/fastify.js';
import { koaMetrics } from '../../../src/integrations/koa.js';
import { httpMetrics, instrumentServer } from '../../../src/integrations/node-http.js';
import { Registry } from '../../../src/registry/registry.js';
import { REGISTRY_BRAND, type MetricRegistry } from '../../../src/registry/types.js';
import { optionTableTests, thrown } from '../../helpers/option-table.js';

type Attempt = (options: unknown) => unknown;

const INTEGRATIONS: [string, Attempt, boolean][] = [
  ['httpMetrics()', (o) => httpMetrics(() => {}, o as never), true],
  ['instrumentServer()', (o) => instrumentServer(createServer(), o as never), true],
  ['expressMetrics()', (o) => expressMetrics(o as never), false],
  ['fastifyMetrics()', (o) => fastifyMetrics(o as never), false],
  ['koaMetrics()', (o) => koaMetrics(o as never), false],
];

/** Bad values of each shared option. */
const BAD: Record<string, readonly unknown[]> = {
  registry: [null, {}, 'default', new Map(), { timer() {}, gauge() {} }],
  prefix: ['', 'bad prefix', 'a..b', 'a.', 42, 'x'.repeat(257)],
  dimensions: ['tag', 'names', true],
  statusTag: ['classes', 'codes', 1, false],
  methodTag: ['yes', 1, null],
  sizes: ['no', 0],
  maxRoutes: [0, -1, 1.5, 'many', 1e7, Number.NaN, Number.POSITIVE_INFINITY],
  clock: [{}, { monotonicMs: () => 0 }, 'system'],
};

/** A typo of each shared key, and the key it should suggest. */
const TYPOS: readonly [string, string][] = [
  ['registy', 'registry'],
  ['prefx', 'prefix'],
  ['dimension', 'dimensions'],
  ['statustags', 'statusTag'],
  ['methodtag', 'methodTag'],
  ['size', 'sizes'],
  ['maxRoute', 'maxRoutes'],
  ['clok', 'clock'],
];

describe.each(INTEGRATIONS)('%s options', (where, attempt, takesRoute) => {
  optionTableTests(attempt, { bad: BAD, typos: TYPOS, notObjects: ['x', 42, [], null] });

  if (takesRoute) {
    it.each([['/users/:id'], [42], [{}]])('rejects route: %o', (route) => {
      const error = thrown(() => attempt({ route }));
      expect(error.code).toBe('ERR_TAPEMEASURE_INVALID_OPTION');
      expect(error.option).toBe('route');
    });
    it('rejects the typo rout, suggesting route', () => {
      expect(thrown(() => attempt({ rout: () => '/' })).suggestion).toBe('route');
    });
  } else {
    it('has no route option (the framework knows the route)', () => {
      expect(thrown(() => attempt({ route: () => '/' })).code).toBe('ERR_TAPEMEASURE_UNKNOWN_OPTION');
    });
  }

  it('accepts every option with good values, a scope, and a registry of another copy (by its brand)', () => {
    const registry = new Registry();
    const good = {
      registry,
      prefix: 'web.http',
      dimensions: 'name',
      statusTag: 'code',
      methodTag: false,
      sizes: false,
      maxRoutes: 10,
      clock: registry.clock,
      ...(takesRoute ? { route: () => '/' } : {}),
    };
    expect(() => attempt(good)).not.toThrow();
    expect(() => attempt({ registry: registry.scope('svc') })).not.toThrow();
    // What a registry of a second installed copy of tapemeasure looks like: the brand, and the interface.
    const foreign: MetricRegistry = {
      [REGISTRY_BRAND]: 1,
      clock: registry.clock,
      invalidValues: 0,
      size: 0,
      counter: (n, o) => registry.counter(`foreign.${n}`, o),
      gauge: (n, r, o) => registry.gauge(`foreign.${n}`, r, o),
      meter: (n, o) => registry.meter(`foreign.${n}`, o),
      histogram: (n, o) => registry.histogram(`foreign.${n}`, o),
      timer: (n, o) => registry.timer(`foreign.${n}`, o),
      scope: (p, t) => registry.scope(p, t),
      get: () => undefined,
      metrics: () => registry.metrics(),
      addListener: () => () => {},
      snapshot: () => registry.snapshot(),
      collect: () => registry.collect(),
    };
    expect(() => attempt({ registry: foreign })).not.toThrow();
    expect(registry.get('foreign.http.server.active_requests')).toBeDefined();
  });
});

describe('positional arguments', () => {
  it('httpMetrics() and instrumentServer() refuse a handler or server of the wrong kind', () => {
    expect(thrown(() => httpMetrics('x' as never)).code).toBe('ERR_TAPEMEASURE_INVALID_ARGUMENT');
    expect(thrown(() => instrumentServer({} as never)).code).toBe('ERR_TAPEMEASURE_INVALID_ARGUMENT');
  });
});
