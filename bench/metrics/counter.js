/** tapemeasure counter operations: plain, tagged looked up per call, tagged held. */

import { ROUTES } from '../lib/values.js';

export function counterOps(registry) {
  const tagsOf = (route) => ({ tags: { method: 'GET', route, status: '200' } });
  return {
    'counter.inc': {
      ctx: { c: registry.counter('bench.counter') },
      prelude: 'const c = ctx.c;',
      body: 'c.inc();',
      consume: (ctx) => ctx.c.count,
    },
    'counter.tagged.lookup': {
      ctx: { registry, routes: ROUTES },
      prelude: 'const registry = ctx.registry; const routes = ctx.routes;',
      body: "registry.counter('bench.requests', { tags: { method: 'GET', route: routes[i & 3], status: '200' } }).inc();",
      consume: (ctx) => ctx.registry.counter('bench.requests', tagsOf(ROUTES[0])).count,
    },
    'counter.tagged.handle': {
      ctx: { c: registry.counter('bench.held', tagsOf(ROUTES[0])) },
      prelude: 'const c = ctx.c;',
      body: 'c.inc();',
      consume: (ctx) => ctx.c.count,
    },
  };
}
