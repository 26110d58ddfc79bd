import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import {
  buildFeed,
  compact,
  DEFAULT_FEED_SERIES,
  MAX_FEED_SERIES,
  parseFeedQuery,
  type Feed,
  type FeedQuery,
} from '../../../src/exposition/dashboard/feed.js';
import { readDashboardOptions } from '../../../src/exposition/dashboard/options.js';
import { Sampler } from '../../../src/exposition/dashboard/sampler.js';
import { Registry } from '../../../src/registry/registry.js';
import { ManualScheduler } from './scheduler.js';

const START_MS = 1_700_000_000_000;

async function recorded(samples: number, fill: (registry: Registry) => void, historyMs = 600_000) {
  const clock = new ManualClock({ nowMs: START_MS, monotonicMs: 100_000 });
  const registry = new Registry({ clock });
  fill(registry);
  const scheduler = new ManualScheduler();
  const sampler = new Sampler(readDashboardOptions('test', { registry, historyMs }), scheduler, () => {});
  const ring = await sampler.demand();
  for (let i = 1; i < samples; i++) {
    clock.advance(1_000);
    scheduler.fire();
    await sampler.settled();
  }
  const context = { title: 'test', nowMs: clock.now(), intervalMs: 1_000, historyMs };
  const feed = (query: Partial<FeedQuery> = {}): Promise<Feed> =>
    buildFeed(ring, { ring: undefined, since: undefined, filter: '', limit: DEFAULT_FEED_SERIES, route: undefined, ...query }, context);
  return { clock, registry, ring, feed };
}

describe('parseFeedQuery', () => {
  it('reads ring, since, q, limit and route, treating anything malformed as absent', () => {
    expect(parseFeedQuery(new URLSearchParams('ring=abc_-1&since=12&q=http%20status%3D5xx&limit=50&route=3'))).toEqual({
      ring: 'abc_-1', since: 12, filter: 'http status=5xx', limit: 50, route: 3,
    });
    expect(parseFeedQuery(new URLSearchParams(''))).toEqual({
      ring: undefined, since: undefined, filter: '', limit: DEFAULT_FEED_SERIES, route: undefined,
    });
    const bad = parseFeedQuery(new URLSearchParams('ring=<x>&since=-1&limit=100000&route=1e3'));
    expect(bad).toEqual({ ring: undefined, since: undefined, filter: '', limit: DEFAULT_FEED_SERIES, route: undefined });
    expect(parseFeedQuery(new URLSearchParams(`q=${'x'.repeat(5000)}`)).filter).toHaveLength(256);
    expect(parseFeedQuery(new URLSearchParams('limit=0')).limit).toBe(DEFAULT_FEED_SERIES);
    expect(parseFeedQuery(new URLSearchParams(`limit=${MAX_FEED_SERIES}`)).limit).toBe(MAX_FEED_SERIES);
  });
});

describe('compact', () => {
  it('keeps 5 significant digits as short decimals, and turns NaN and infinities into null', () => {
    expect(compact(Math.fround(12.3))).toBe(12.3);
    expect(compact(Math.fround(1234567.8))).toBe(1234600);
    expect(compact(Math.fround(0.000123456789))).toBe(0.00012346);
    expect(compact(-Math.fround(2.5))).toBe(-2.5);
    expect(compact(0)).toBe(0);
    expect(compact(Number.NaN)).toBeNull();
    expect(compact(Number.POSITIVE_INFINITY)).toBeNull();
    expect(compact(1e-40)).toBe(1e-40);
  });

  it('agrees with toPrecision(5) and prints short', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }).filter((v) => v !== 0 && Math.abs(v) > 1e-30), (v) => {
        const c = compact(v)!;
        // Within one unit of the fifth digit (ties may round the other way).
        expect(Math.abs(c - Number(v.toPrecision(5)))).toBeLessThanOrEqual(Math.abs(v) * 1.0001e-4);
        const digits = String(c).replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
        expect(digits.length).toBeLessThanOrEqual(5);
      }),
    );
  });
});

describe('buildFeed', () => {
  it('answers everything at first, then only the samples after `since` of the same ring', async () => {
    const { ring, feed, registry } = await recorded(3, (r) => r.gauge('queue.depth').set(5));
    const full = await feed();
    expect(full).toMatchObject({ v: 1, ring: ring.id, seq: 3, from: 1, full: true, size: 1, tracked: 1, untracked: 0 });
    expect(full.t).toEqual([START_MS, START_MS + 1_000, START_MS + 2_000]);
    expect(full.series).toEqual([
      { id: 1, name: 'queue.depth', tags: {}, type: 'gauge', fields: ['value'], units: [''], data: [[5, 5, 5]] },
    ]);
    const same = await feed({ ring: ring.id, since: 3 });
    expect(same).toMatchObject({ full: false, from: 4, seq: 3, t: [] });
    expect(same.series[0]!.data).toEqual([[]]);
    registry.gauge('queue.depth').set(6); // not sampled yet: nothing changes
    const next = await feed({ ring: ring.id, since: 2 });
    expect(next).toMatchObject({ full: false, from: 3, t: [START_MS + 2_000] });
    expect(next.series[0]!.data).toEqual([[5]]);
    // Another ring, a `since` from the future or from before the oldest sample: everything again.
    expect((await feed({ ring: 'other', since: 2 })).full).toBe(true);
    expect((await feed({ ring: ring.id, since: 9 })).full).toBe(true);
    expect(JSON.parse(JSON.stringify(full))).toEqual(full);
  });

  it('answers everything when the page fell behind the oldest sample kept', async () => {
    const { ring, feed } = await recorded(10, (r) => r.counter('jobs'), 4_000);
    // historyMs / intervalMs samples are visible: 7 to 10.
    expect(ring.oldestSeq).toBe(7);
    expect((await feed()).t).toHaveLength(4);
    expect((await feed({ ring: ring.id, since: 6 })).full).toBe(false);
    expect((await feed({ ring: ring.id, since: 5 })).full).toBe(true);
  });

  it('carries at most `limit` series with history, sorted by name and tags, and counts the matches', async () => {
    const { feed } = await recorded(2, (r) => {
      for (let i = 0; i < 150; i++) r.counter(`jobs.c${String(i).padStart(3, '0')}`);
      r.counter('db.calls');
    });
    const first = await feed();
    expect(first.series).toHaveLength(DEFAULT_FEED_SERIES);
    expect(first.matched).toBe(151);
    expect(first.series[0]!.name).toBe('db.calls');
    expect(first.series[1]!.name).toBe('jobs.c000');
    const most = await feed({ limit: MAX_FEED_SERIES });
    expect(most.series).toHaveLength(MAX_FEED_SERIES);
    const filtered = await feed({ filter: 'c14' });
    expect(filtered.matched).toBe(10);
    expect(filtered.series.map((s) => s.name)[0]).toBe('jobs.c140');
    expect(filtered.size).toBe(151);
  });

  it('keeps the runtime series apart by role, whatever the filter', async () => {
    const { feed } = await recorded(2, (r) => {
      r.gauge('runtime.memory.heap_used_bytes').set(1e6);
      r.gauge('runtime.cpu.utilization').set(0.25);
      r.histogram('runtime.event_loop.delay_ms').record(2);
      r.gauge('process.memory.rss_bytes').set(5e7);
      r.gauge('queue.depth').set(1);
    });
    const f = await feed({ filter: 'queue' });
    expect(f.series.map((s) => s.name)).toEqual(['queue.depth']);
    expect(f.runtime.map((s) => [s.role, s.name, s.units])).toEqual([
      ['rss', 'process.memory.rss_bytes', ['bytes']],
      ['cpu', 'runtime.cpu.utilization', ['ratio']],
      ['event_loop_delay', 'runtime.event_loop.delay_ms', ['ms', 'ms']],
      ['heap_used', 'runtime.memory.heap_used_bytes', ['bytes']],
    ]);
  });

  it('lists the HTTP routes with their latest values, and the history of the selected one', async () => {
    let ok: ReturnType<Registry['timer']> | undefined;
    const { feed, ring } = await recorded(1, (r) => {
      ok = r.timer('http.server.requests', { tags: { route: '/users/:id', method: 'GET', status: '2xx' } });
      r.timer('http.server.requests', { tags: { route: '/health', status: '2xx' } }).update(1);
    });
    for (let i = 0; i < 10; i++) ok!.update(4); // after the only sample: not in it
    const first = await feed();
    // Ids are shared by series and routes: the two timers are 1 and 2, their routes 3 and 4.
    expect(first.routes).toEqual([
      { id: 3, name: 'http.server.requests', route: '/users/:id', method: 'GET', rate: null, p50: null, p99: null, errors: null },
      { id: 4, name: 'http.server.requests', route: '/health', method: null, rate: null, p50: 1, p99: 1, errors: 0 },
    ]);
    expect(first.route).toBeNull();
    const selected = await feed({ route: 4 });
    expect(selected.route).toMatchObject({ id: 4, type: 'route', fields: ['rate', 'p50', 'p99', 'errors'], units: ['/s', 'ms', 'ms', 'ratio'] });
    expect(selected.route!.data).toEqual([[null], [1], [1], [0]]);
    expect(ring.routes.size).toBe(2);
  });

  it('leaves out the oldest samples that samples taken while it yielded overwrote', async () => {
    const clock = new ManualClock({ nowMs: START_MS, monotonicMs: 100_000 });
    const registry = new Registry({ clock });
    const gauges = [registry.gauge('a'), registry.gauge('b')];
    const scheduler = new ManualScheduler();
    const sampler = new Sampler(readDashboardOptions('test', { registry, historyMs: 4_000 }), scheduler, () => {});
    const ring = await sampler.demand();
    const sample = async (): Promise<void> => {
      clock.advance(1_000);
      for (const g of gauges) g.set(ring.seq + 1);
      scheduler.fire();
      await sampler.settled();
    };
    for (let i = 0; i < 6; i++) await sample();
    expect([ring.oldestSeq, ring.seq]).toEqual([4, 7]);
    let yielded = false;
    // After the first series, two samples come: samples 8 and 9 overwrite the slots of 4 and 5.
    const pause = (): Promise<void> | undefined => {
      if (yielded) return undefined;
      yielded = true;
      return (async () => {
        for (const g of gauges) g.set(100);
        await sample();
        await sample();
      })();
    };
    const context = { title: 't', nowMs: clock.now(), intervalMs: 1_000, historyMs: 4_000 };
    const f = await buildFeed(ring, { ring: undefined, since: undefined, filter: '', limit: 30, route: undefined }, context, pause);
    expect(f).toMatchObject({ seq: 7, from: 6 });
    expect(f.t).toEqual([START_MS + 5_000, START_MS + 6_000]);
    expect(f.series.map((s) => s.data)).toEqual([[[6, 7]], [[6, 7]]]);
  });

  it('stays small: a second of 100 timers is a few kilobytes', async () => {
    const { feed, ring } = await recorded(600, (r) => {
      for (let i = 0; i < 100; i++) r.timer(`t${i}`).update(i + 0.123456);
    });
    const full = JSON.stringify(await feed({ limit: MAX_FEED_SERIES }));
    const delta = JSON.stringify(await feed({ ring: ring.id, since: ring.seq - 1, limit: MAX_FEED_SERIES }));
    expect(delta.length).toBeLessThan(20_000);
    expect(full.length).toBeLessThan(2_500_000);
  });
});
