import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import type { MetricsError } from '../../../src/errors.js';
import type { Track } from '../../../src/exposition/dashboard/history.js';
import { readDashboardOptions, type DashboardOptions } from '../../../src/exposition/dashboard/options.js';
import { Sampler } from '../../../src/exposition/dashboard/sampler.js';
import { Registry } from '../../../src/registry/registry.js';
import { ManualScheduler } from './scheduler.js';

function setup(options: Omit<DashboardOptions, 'registry' | 'clock'> = {}) {
  const clock = new ManualClock({ nowMs: 1_700_000_000_000, monotonicMs: 100_000 });
  const registry = new Registry({ clock });
  const scheduler = new ManualScheduler();
  const errors: MetricsError[] = [];
  const sampler = new Sampler(readDashboardOptions('test', { registry, ...options }), scheduler, (e) => errors.push(e));
  /** One second passes and the interval timer fires; resolves once the sample is in. */
  const tick = async (ms = 1_000): Promise<void> => {
    clock.advance(ms);
    scheduler.fire();
    await sampler.settled();
  };
  return { clock, registry, scheduler, sampler, errors, tick };
}

/** The values of one field of a track over the visible samples (null where none). */
function values(sampler: Sampler, track: Track, field = 0): (number | null)[] {
  const ring = sampler.ring!;
  const out: (number | null)[] = [];
  for (let seq = ring.oldestSeq; seq <= ring.seq; seq++) {
    const v = track.data[field]![ring.slotOf(seq)]!;
    out.push(Number.isNaN(v) ? null : v);
  }
  return out;
}

describe('the dashboard sampler', () => {
  it('costs nothing before the first request: no timer, no ring', async () => {
    const { registry, scheduler, sampler, tick } = setup();
    registry.counter('jobs').inc();
    await tick();
    expect(scheduler.started).toBe(0);
    expect(sampler.ring).toBeNull();
  });

  it('starts on the first demand with one sample at once and one timer at intervalMs', async () => {
    const { registry, scheduler, sampler } = setup({ intervalMs: 500 });
    registry.gauge('queue.depth').set(7);
    const ring = await sampler.demand();
    expect(ring.seq).toBe(1);
    expect(scheduler.started).toBe(1);
    expect(scheduler.intervalMs).toBe(500);
    expect(ring.size).toBe(1);
    const again = await sampler.demand();
    expect(again).toBe(ring);
    expect(scheduler.started).toBe(1);
  });

  it('records counter and timer rates from count deltas, gauges, meter m1 rates and quantiles', async () => {
    const { registry, sampler, tick } = setup();
    const jobs = registry.counter('jobs.done');
    const depth = registry.gauge('queue.depth');
    const logins = registry.meter('auth.logins');
    const sizes = registry.histogram('upload.bytes', { resolution: 1 });
    const query = registry.timer('db.query');
    depth.set(3);
    const ring = await sampler.demand();
    jobs.inc(5);
    depth.set(4);
    logins.mark(60);
    sizes.record(100);
    sizes.record(300);
    for (const ms of [1, 2, 3, 4]) query.update(ms);
    await tick(2_000);
    const track = (name: string): Track => [...ring.series.values()].find((t) => t.name === name)!;
    expect(values(sampler, track('jobs.done'))).toEqual([null, 2.5]);
    expect(values(sampler, track('queue.depth'))).toEqual([3, 4]);
    expect(values(sampler, track('auth.logins'))[1]).toBeCloseTo(logins.m1Rate, 5);
    const s = sizes.statistics();
    expect(values(sampler, track('upload.bytes'), 0)[1]).toBeCloseTo(s.p50!, 3);
    expect(values(sampler, track('upload.bytes'), 1)[1]).toBeCloseTo(s.p99!, 3);
    const q = query.statistics();
    expect(values(sampler, track('db.query'), 0)).toEqual([null, 2]);
    expect(values(sampler, track('db.query'), 1)[1]).toBeCloseTo(q.p50!, 4);
    expect(values(sampler, track('db.query'), 2)[1]).toBeCloseTo(q.p99!, 4);
    expect(track('db.query').layout.units).toEqual(['/s', 'ms', 'ms']);
    expect(track('upload.bytes').layout.units).toEqual(['bytes', 'bytes']);
    expect(ring.times[ring.slotOf(2)]).toBe(1_700_000_002_000);
  });

  it('stops sampling and frees the ring after idleTimeoutMs without a request; the next one starts over', async () => {
    const { registry, scheduler, sampler, tick } = setup({ idleTimeoutMs: 5_000 });
    registry.counter('jobs');
    const first = await sampler.demand();
    for (let i = 0; i < 4; i++) await tick();
    expect(sampler.ring).toBe(first);
    await sampler.demand(); // a page still looks
    for (let i = 0; i < 4; i++) await tick();
    expect(sampler.ring).toBe(first);
    await tick();
    expect(sampler.ring).toBeNull();
    expect(scheduler.running).toBe(0);
    const second = await sampler.demand();
    expect(second).not.toBe(first);
    expect(second.id).not.toBe(first.id);
    expect(second.seq).toBe(1);
    expect(scheduler.started).toBe(2);
  });

  it('counts all the events of a series created since the previous sample as new', async () => {
    const { registry, sampler, tick } = setup({ maxSeries: 2 });
    registry.counter('old').inc(100);
    const ring = await sampler.demand();
    registry.counter('fresh').inc(3);
    await tick();
    const fresh = [...ring.series.values()].find((t) => t.name === 'fresh')!;
    expect(values(sampler, fresh)).toEqual([null, 3]);
  });

  it('does not know the first rate of a series tracked late because maxSeries was reached', async () => {
    const { registry, sampler, tick } = setup({ maxSeries: 1, historyMs: 3_000 });
    registry.counter('a');
    registry.counter('b').inc(100);
    const ring = await sampler.demand();
    expect(ring.untracked).toBe(1);
    registry.remove('a');
    for (let i = 0; i < 4; i++) await tick(); // 'a' is forgotten after a whole ring
    await tick(); // 'b' is tracked: its count so far is not a rate
    const b = [...ring.series.values()].find((t) => t.name === 'b')!;
    expect(values(sampler, b).at(-1)).toBeNull();
    await tick();
    expect(values(sampler, b).at(-1)).toBe(0);
    expect(values(sampler, b).filter((v) => v !== null)).toHaveLength(1);
  });

  it('keeps historyMs / intervalMs samples, in a fixed amount of memory', async () => {
    const { registry, sampler, tick } = setup({ historyMs: 5_000 });
    const depth = registry.gauge('queue.depth');
    const ring = await sampler.demand();
    const bytes = ring.bytes;
    for (let i = 1; i <= 20; i++) {
      depth.set(i);
      await tick();
    }
    expect(ring.seq).toBe(21);
    expect(ring.bytes).toBe(bytes);
    const track = [...ring.series.values()][0]!;
    expect(values(sampler, track)).toEqual([16, 17, 18, 19, 20]);
  });

  it('records at most maxSeries series and counts the rest', async () => {
    const { registry, sampler } = setup({ maxSeries: 3 });
    for (let i = 0; i < 5; i++) registry.counter(`c${i}`);
    const ring = await sampler.demand();
    expect(ring.series.size).toBe(3);
    expect(ring.untracked).toBe(2);
    expect(ring.size).toBe(5);
    expect([...ring.series.values()].map((t) => t.name)).toEqual(['c0', 'c1', 'c2']);
  });

  it('forgets a removed series after a whole ring, marking its samples empty meanwhile', async () => {
    const { registry, sampler, tick } = setup({ historyMs: 3_000 });
    registry.gauge('gone').set(1);
    const ring = await sampler.demand();
    const track = [...ring.series.values()][0]!;
    registry.remove('gone');
    await tick();
    expect(values(sampler, track)).toEqual([1, null]);
    for (let i = 0; i < 3; i++) await tick();
    expect(ring.series.size).toBe(0);
  });

  it('applies the dashboard filter, and reports a filter that throws as a coded error', async () => {
    const { registry, sampler, errors } = setup({
      filter: (metric) => {
        if (metric.name === 'bad') throw new Error('boom');
        return metric.name.startsWith('http.');
      },
    });
    registry.counter('http.requests');
    registry.counter('db.calls');
    registry.counter('bad');
    const ring = await sampler.demand();
    expect([...ring.series.values()].map((t) => t.name)).toEqual(['http.requests']);
    expect(ring.size).toBe(1);
    expect(errors.map((e) => e.code)).toEqual(['ERR_TAPEMEASURE_ENDPOINT_FAILED']);
  });

  it('gathers timers tagged route, method and status into route rows', async () => {
    const { registry, sampler, tick } = setup({ maxSeries: 1 });
    const timer = (route: string, method: string, status: string) =>
      registry.timer('http.server.requests', { tags: { route, method, status } });
    const ok = timer('/users/:id', 'GET', '2xx');
    const failed = timer('/users/:id', 'GET', '5xx');
    const search = timer('/search', 'GET', '2xx');
    const ring = await sampler.demand();
    for (let i = 1; i <= 90; i++) ok.update(i);
    for (let i = 0; i < 10; i++) failed.update(500);
    search.update(8);
    await tick();
    const rows = [...ring.routes.values()];
    expect(rows.map((r) => r.tags)).toEqual([
      { route: '/users/:id', method: 'GET' },
      { route: '/search', method: 'GET' },
    ]);
    // Routes are gathered even from series beyond maxSeries.
    expect(ring.series.size).toBe(1);
    const [users, searched] = rows as [Track, Track];
    const at = ring.slotOf(ring.seq);
    expect(users.data[0]![at]).toBe(100);
    expect(users.data[3]![at]).toBeCloseTo(0.1, 6);
    expect(users.data[1]![at]).toBeGreaterThanOrEqual(ok.statistics().p50! * 0.95);
    expect(users.data[1]![at]).toBeLessThanOrEqual(ok.statistics().p50! * 1.2);
    expect(users.data[2]![at]).toBeCloseTo(500, 3);
    expect(searched.data[1]![at]).toBeCloseTo(search.statistics().p50!, 4);
    expect(searched.data[3]![at]).toBe(0);
    // A status series that appears between samples counts all its events as new.
    timer('/search', 'GET', '5xx').update(3);
    await tick();
    expect(searched.data[0]![ring.slotOf(ring.seq)]).toBe(1);
  });

  it('stop() frees the ring and stops the timer', async () => {
    const { scheduler, sampler } = setup();
    await sampler.demand();
    sampler.stop();
    await sampler.settled();
    expect(sampler.ring).toBeNull();
    expect(scheduler.running).toBe(0);
  });
});
