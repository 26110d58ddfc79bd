/** tapemeasure meter operations. */

export function meterOps(registry) {
  return {
    'meter.mark': {
      ctx: { m: registry.meter('bench.meter') },
      prelude: 'const m = ctx.m;',
      body: 'm.mark();',
      consume: (ctx) => ctx.m.count,
    },
  };
}
