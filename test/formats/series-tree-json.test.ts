// The pull endpoint writes JSON from a tree of metrics (read as written) instead of a tree
// of snapshots: the bytes must be exactly those of the snapshot tree, for any names, tags
// and order, pretty or not (fast-check against formatJsonTree(buildSnapshotTree())).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatJsonTree, seriesTreeChunks } from '../../src/formats/json.js';
import { prometheusAdjacentChunks, prometheusChunks, type PrometheusSeries } from '../../src/formats/prometheus.js';
import type { MetricSnapshot } from '../../src/metrics/snapshot.js';
import { buildSnapshotTree, SeriesTreeBuilder } from '../../src/registry/snapshot-tree.js';
import type { Metric } from '../../src/registry/types.js';

// Segments that have tripped trees before: `type`, `series`, `__proto__`, array-index-like keys.
const segment = fc.constantFrom('a', 'b', 'type', 'series', '__proto__', '0', '1', '01', 'x-y');
const name = fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join('.'));
const tags = fc.oneof(
  fc.constant({}),
  fc.record({ route: fc.constantFrom('/a', '/b"\n', 'é') }),
  fc.record({ method: fc.constantFrom('GET', 'PUT'), route: fc.constantFrom('/a', '/b') }),
);
const snapshot: fc.Arbitrary<MetricSnapshot> = fc.oneof(
  fc.integer({ min: -5, max: 1e9 }).map((count) => ({ type: 'counter' as const, count })),
  fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }).map((value) => ({ type: 'gauge' as const, value })),
);
const series = fc.array(fc.record({ name, tags, snapshot }), { maxLength: 25 });

function metricsOf(list: readonly { name: string; tags: Metric['tags']; snapshot: MetricSnapshot }[]): Metric[] {
  return list.map((s) => ({ name: s.name, tags: s.tags, type: s.snapshot.type, snapshot: () => s.snapshot }) as unknown as Metric);
}

describe('seriesTreeChunks', () => {
  it('writes exactly the JSON of the snapshot tree of the same series', () => {
    fc.assert(
      fc.property(series, fc.boolean(), (list, pretty) => {
        const builder = new SeriesTreeBuilder();
        for (const metric of metricsOf(list)) builder.add(metric);
        const text = [...seriesTreeChunks(builder, pretty, (m) => m.snapshot())].join('');
        expect(text).toBe(formatJsonTree(buildSnapshotTree(list), pretty));
      }),
      { numRuns: 400 },
    );
  });

  it('writes a name of many tagged series one series per chunk', () => {
    const list = Array.from({ length: 50 }, (_, i) => ({ name: 'a.b', tags: { i: String(i) }, snapshot: { type: 'counter' as const, count: i } }));
    const builder = new SeriesTreeBuilder();
    for (const metric of metricsOf(list)) builder.add(metric);
    const chunks = [...seriesTreeChunks(builder, false, (m) => m.snapshot())];
    expect(chunks.length).toBeGreaterThanOrEqual(50);
    expect(chunks.join('')).toBe(formatJsonTree(buildSnapshotTree(list)));
  });
});

describe('prometheusAdjacentChunks', () => {
  it('writes what prometheusChunks writes of series whose names come one after another', () => {
    const prometheusSeries = fc
      .array(fc.record({ name: fc.constantFrom('a', 'a.b', 'a_b', 'c_total', 'c', 'x.y'), tags, snapshot }), { maxLength: 25 })
      // Sorted by name: the series of one name adjacent, as a registry lists them.
      .map((list) => [...list].sort((p, q) => (p.name < q.name ? -1 : p.name > q.name ? 1 : 0)));
    fc.assert(
      fc.property(prometheusSeries, fc.constantFrom('prometheus' as const, 'openmetrics' as const), (list: PrometheusSeries[], format) => {
        const collisions: string[][] = [];
        const adjacentCollisions: string[][] = [];
        const grouped = [...prometheusChunks(list, format, { onCollision: (n, o) => collisions.push([n, o]) })].join('');
        const adjacent = [...prometheusAdjacentChunks(list, format, { onCollision: (n, o) => adjacentCollisions.push([n, o]) })].join('');
        expect(adjacent).toBe(grouped);
        expect(adjacentCollisions).toEqual(collisions);
      }),
      { numRuns: 300 },
    );
  });
});
