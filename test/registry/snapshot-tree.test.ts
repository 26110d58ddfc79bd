import { describe, expect, it } from 'vitest';
import { ManualClock, Registry, type MetricSnapshot } from '../../src/index.js';
import { buildSnapshotTree, SnapshotTreeBuilder, type JsonSeries } from '../../src/registry/snapshot-tree.js';

const counter = (count: number): MetricSnapshot => ({ type: 'counter', count });
const NO_TAGS = Object.freeze({});

describe('the snapshot tree', () => {
  it('is what registry.snapshot() returns, built from the same series', () => {
    const r = new Registry({ clock: new ManualClock() });
    r.counter('http.requests').inc(3);
    r.timer('http.latency', { tags: { route: '/a' } }).update(4);
    r.timer('http.latency').update(5);
    r.gauge('up', () => 1);
    const series = [...r.metrics()].map((m) => ({ name: m.name, tags: m.tags, snapshot: m.snapshot() }));
    expect(buildSnapshotTree(series)).toEqual(r.snapshot());
    expect(r.snapshot()).toMatchObject({
      http: {
        requests: { type: 'counter', count: 3 },
        latency: { type: 'timer', series: [{ tags: {}, max: 5 }, { tags: { route: '/a' }, max: 4 }] }, // the untagged series first
      },
      up: { type: 'gauge', value: 1 },
    });
  });

  it('turns a plain leaf into a series leaf when a tagged series of the name arrives, in any order', () => {
    const tree = buildSnapshotTree([
      { name: 'a.b', tags: NO_TAGS, snapshot: counter(1) },
      { name: 'other', tags: NO_TAGS, snapshot: counter(9) },
      { name: 'a.b', tags: { k: 'v' }, snapshot: counter(2) },
      { name: 'a.b', tags: { k: 'w' }, snapshot: counter(3) },
    ]);
    expect(tree).toEqual({
      a: { b: { type: 'counter', series: [{ type: 'counter', count: 1, tags: {} }, { type: 'counter', count: 2, tags: { k: 'v' } }, { type: 'counter', count: 3, tags: { k: 'w' } }] } },
      other: { type: 'counter', count: 9 },
    });
  });

  it('never drops or shadows a metric whose name has a segment type, series, count, __proto__ or constructor', () => {
    const r = new Registry({ clock: new ManualClock() });
    const tricky = ['a.type', 'a.b', 'x.series.y', 'x.count', 'p.__proto__', 'p.constructor', 'type.type', 'series'];
    for (const [i, n] of tricky.entries()) r.counter(n).inc(i + 1);
    const tree = JSON.parse(JSON.stringify(r.snapshot())) as Record<string, Record<string, unknown>>;
    expect(tree).toEqual({
      a: { type: { type: 'counter', count: 1 }, b: { type: 'counter', count: 2 } },
      x: { series: { y: { type: 'counter', count: 3 } }, count: { type: 'counter', count: 4 } },
      p: { ['__proto__']: { type: 'counter', count: 5 }, constructor: { type: 'counter', count: 6 } },
      type: { type: { type: 'counter', count: 7 } },
      series: { type: 'counter', count: 8 },
    });
    expect(Object.getPrototypeOf(r.snapshot())).toBeNull();
  });

  it('lets the branch win when series from elsewhere make a name both a leaf and a branch', () => {
    const builder = new SnapshotTreeBuilder();
    const series: JsonSeries[] = [
      { name: 'a.b', tags: NO_TAGS, snapshot: counter(1) },
      { name: 'a.b.c', tags: NO_TAGS, snapshot: counter(2) },
      { name: 'a.b', tags: { k: 'v' }, snapshot: counter(3) },
    ];
    for (const s of series) builder.add(s);
    expect(builder.tree).toEqual({ a: { b: { c: { type: 'counter', count: 2 } } } });
  });
});
