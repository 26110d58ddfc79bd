import { describe, expect, it } from 'vitest';
import { layoutOf } from '../../../src/exposition/dashboard/fields.js';
import { HistoryRing } from '../../../src/exposition/dashboard/history.js';
import { Registry } from '../../../src/registry/registry.js';

describe('HistoryRing', () => {
  it('shows one sample less than its capacity: the oldest slot is the one being written', () => {
    const ring = new HistoryRing(4);
    expect(ring.seq).toBe(0);
    for (let i = 0; i < 10; i++) ring.commit(1_000 * i, 1_000 * i);
    expect(ring.seq).toBe(10);
    expect(ring.oldestSeq).toBe(8);
    expect([8, 9, 10].map((s) => ring.slotOf(s))).toEqual([3, 0, 1]);
    // The next sample goes into the slot of sample 7, which readers no longer see.
    expect(ring.slotOf(11)).toBe(ring.slotOf(7));
    expect(ring.times[ring.slotOf(10)]).toBe(9_000);
  });

  it('preallocates fields × capacity 32-bit floats per series, whatever happens later', () => {
    const registry = new Registry();
    const ring = new HistoryRing(601);
    const timer = registry.timer('db.query');
    const track = ring.addSeries(timer, layoutOf('timer', 'db.query'), undefined);
    expect(track.bytes).toBe(3 * 601 * 4);
    ring.addSeries(registry.counter('jobs'), layoutOf('counter', 'jobs'), undefined);
    expect(ring.bytes).toBe(601 * 8 + 4 * 601 * 4);
    expect([...track.data[0]!.slice(0, 3)]).toEqual([Number.NaN, Number.NaN, Number.NaN]);
  });

  it('sorts series by name then tags, and gives every series and route its own id', () => {
    const registry = new Registry();
    const ring = new HistoryRing(3);
    const names = ['b.x', 'a.y', 'a.x'];
    for (const n of names) ring.addSeries(registry.counter(n), layoutOf('counter', n), undefined);
    ring.addSeries(registry.counter('a.x', { tags: { k: 'v' } }), layoutOf('counter', 'a.x'), undefined);
    expect(ring.sorted().map((t) => `${t.name}${JSON.stringify(t.tags)}`)).toEqual(['a.x{}', 'a.x{"k":"v"}', 'a.y{}', 'b.x{}']);
    const route = ring.addRoute('k', 'http.server.requests', { route: '/' });
    expect(new Set([...ring.sorted().map((t) => t.id), route.id]).size).toBe(5);
  });
});
