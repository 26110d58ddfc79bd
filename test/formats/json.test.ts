import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { formatJsonLine, formatJsonTree, jsonTreeChunks } from '../../src/formats/json.js';
import { buildSnapshotTree } from '../../src/registry/snapshot-tree.js';
import { Registry } from '../../src/registry/registry.js';

describe('JSON format', () => {
  it('builds exactly the tree registry.snapshot() builds', () => {
    const registry = new Registry({ clock: new ManualClock() });
    registry.counter('http.requests', { tags: { method: 'GET' } }).inc(2);
    registry.counter('http.requests').inc(1);
    registry.counter('http.errors').inc();
    registry.gauge('queue.depth').set(4);
    registry.gauge('bad', () => {
      throw new Error('x');
    });
    registry.timer('db.query', { tags: { table: 'users' } }).update(3);
    registry.meter('jobs.done.total').mark();
    const series = [...registry.metrics()].map((m) => ({ name: m.name, tags: m.tags, snapshot: m.snapshot() }));
    // Series of one name need not be adjacent.
    const shuffled = [series[0]!, series[2]!, series[1]!, ...series.slice(3)];
    expect(JSON.parse(formatJsonTree(buildSnapshotTree(shuffled)))).toEqual(JSON.parse(JSON.stringify(registry.snapshot())));
  });

  it('writes one line per document (golden)', () => {
    const tree = buildSnapshotTree([
      { name: 'a.b', tags: {}, snapshot: { type: 'counter', count: 1 } },
      { name: 'a.c', tags: { k: 'line\nbreak' }, snapshot: { type: 'gauge', value: null, error: 'Error: "x"\n' } },
    ]);
    expect(formatJsonLine(1_700_000_000_000, tree)).toBe(
      '{"timestamp":"2023-11-14T22:13:20.000Z","timestampMs":1700000000000,"metrics":{"a":{"b":{"type":"counter","count":1},' +
        '"c":{"type":"gauge","series":[{"type":"gauge","value":null,"error":"Error: \\"x\\"\\n","tags":{"k":"line\\nbreak"}}]}}}}\n',
    );
  });

  it('indents when pretty', () => {
    const tree = buildSnapshotTree([{ name: 'x', tags: {}, snapshot: { type: 'counter', count: 1 } }]);
    expect(formatJsonTree(tree, true)).toBe('{\n  "x": {\n    "type": "counter",\n    "count": 1\n  }\n}');
  });
});

describe('jsonTreeChunks', () => {
  it('joins to exactly what JSON.stringify writes, compact and pretty', () => {
    const tree = buildSnapshotTree([
      { name: 'b.z', tags: {}, snapshot: { type: 'counter', count: 1 } },
      { name: 'b.10', tags: {}, snapshot: { type: 'gauge', value: 2.5 } },
      { name: 'a', tags: { k: 'v"\n' }, snapshot: { type: 'gauge', value: null, error: 'x' } },
      { name: 'a', tags: {}, snapshot: { type: 'gauge', value: 1 } },
      { name: 'c.d.e', tags: {}, snapshot: { type: 'meter', count: 3, meanRate: 0.1, m1Rate: 0.2, m5Rate: 0.3, m15Rate: 0.4 } },
    ]);
    for (const pretty of [false, true]) {
      expect([...jsonTreeChunks(tree, pretty)].join('')).toBe(formatJsonTree(tree, pretty));
    }
    expect([...jsonTreeChunks(buildSnapshotTree([]))].join('')).toBe('{}');
  });
});
