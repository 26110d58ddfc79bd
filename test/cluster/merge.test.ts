import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes, Registry, type Counter, type Gauge, type Histogram, type Timer } from '../../src/index.js';
import { localFleet, type LocalFleet } from './local-fleet.js';
import { frameBytes, type TestSeries } from './wire.js';

let fleet: LocalFleet | undefined;
afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
});

/** The exact q-quantile of sorted values, as HDR defines it (the value at rank ceil(q * n)). */
function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

describe('fleet merge (in process)', () => {
  it('sums counters and meters exactly over several pushes, and a worker that ends keeps its totals', async () => {
    fleet = localFleet(3);
    const [a, b, c] = fleet.workers;
    a!.registry.counter('jobs').inc(5);
    b!.registry.counter('jobs').inc(7);
    c!.registry.meter('events').mark(11);
    await fleet.push();
    expect((fleet.view.get('jobs') as Counter).count).toBe(12);
    a!.registry.counter('jobs').inc(1);
    b!.registry.counter('jobs').dec(2);
    c!.registry.meter('events').mark(4);
    await fleet.push();
    expect((fleet.view.get('jobs') as Counter).count).toBe(11);
    expect(fleet.view.snapshot()).toMatchObject({ events: { type: 'meter', count: 15 } });
    await a!.forwarder.stop();
    await fleet.state.settled();
    expect((fleet.view.get('jobs') as Counter).count).toBe(11);
    expect(fleet.state.liveCount).toBe(2);
  });

  it('merges histogram buckets exactly: the fleet window equals one histogram that saw every value', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { maxLength: 300 }), { minLength: 1, maxLength: 4 }),
        async (perWorker) => {
          const f = localFleet(perWorker.length);
          const oracle = new Registry().histogram('h');
          const all: number[] = [];
          perWorker.forEach((values, i) => {
            const h = f.workers[i]!.registry.histogram('lat');
            // Two pushes, the second adding to the slice the first sent.
            values.slice(0, values.length >> 1).forEach((v) => h.record(v));
          });
          await f.push();
          perWorker.forEach((values, i) => {
            const h = f.workers[i]!.registry.histogram('lat');
            values.slice(values.length >> 1).forEach((v) => h.record(v));
          });
          await f.push();
          for (const values of perWorker) for (const v of values) {
            oracle.record(v);
            all.push(v);
          }
          const got = (f.view.get('lat') as Histogram).statistics();
          const want = oracle.statistics();
          expect(got.count).toBe(all.length);
          expect(got.windowCount).toBe(all.length);
          if (all.length === 0) {
            expect(got.p99).toBeNull();
          } else {
            all.sort((x, y) => x - y);
            expect(got.min).toBe(all[0]);
            expect(got.max).toBe(all[all.length - 1]);
            expect(got.sum).toBeCloseTo(want.sum, 3);
            for (const q of ['p50', 'p75', 'p95', 'p98', 'p99', 'p999'] as const) expect(got[q]).toBe(want[q]);
            for (const [q, p] of [['p50', 0.5], ['p99', 0.99], ['p999', 0.999]] as const) {
              const exact = exactQuantile(all, p);
              expect(Math.abs(got[q]! - exact)).toBeLessThanOrEqual(Math.max(exact * 0.01, 0.001) + 1e-9);
            }
          }
          await f.stop();
        },
      ),
      { numRuns: 40 },
    );
  });

  it('sends each slice once: a slice that rotates between pushes is neither lost nor counted twice', async () => {
    fleet = localFleet(1);
    const [w] = fleet.workers;
    const t = w!.registry.timer('db', { windowMs: 60_000, windowSlices: 4 });
    for (let i = 1; i <= 10; i++) t.update(i);
    await fleet.push();
    for (let i = 11; i <= 20; i++) t.update(i); // same slice as the first push
    w!.clock.advance(15_000); // next slice
    for (let i = 21; i <= 30; i++) t.update(i);
    await fleet.push();
    await fleet.push(); // nothing changed: nothing more is merged
    const s = (fleet.view.get('db') as Timer).snapshot();
    expect(s).toMatchObject({ count: 30, windowCount: 30, min: 1, max: 30, sum: 465 });
    expect(s.mean).toBeCloseTo(15.5, 10);
    const oracle = new Registry().timer('db');
    for (let i = 1; i <= 30; i++) oracle.update(i);
    expect(s.stddev).toBeCloseTo(oracle.snapshot().stddev!, 9);
  });

  it('skips a frame it already applied (a replayed frame changes nothing)', async () => {
    fleet = localFleet(1);
    const [w] = fleet.workers;
    w!.registry.counter('c').inc(3);
    w!.registry.histogram('h').record(5);
    await fleet.push();
    for (const frame of w!.frames) fleet.state.receive(frame, w!.link);
    await fleet.state.settled();
    expect((fleet.view.get('c') as Counter).count).toBe(3);
    expect((fleet.view.get('h') as Histogram).statistics()).toMatchObject({ count: 1, windowCount: 1 });
  });

  it('counts a restarted worker (same id, new session) from zero without double counting', async () => {
    fleet = localFleet(1);
    const [w] = fleet.workers;
    w!.registry.counter('c').inc(10);
    w!.registry.timer('t').update(4);
    await fleet.push();
    // The process restarts: a new registry would count from 0; here the same registry is
    // reset by hand, and a new forwarder (a new session) ships it.
    await w!.forwarder.stop();
    w!.registry.remove('c');
    w!.registry.remove('t');
    fleet.restart(w!);
    w!.registry.counter('c').inc(2);
    w!.registry.timer('t').update(6);
    await fleet.push();
    expect((fleet.view.get('c') as Counter).count).toBe(12);
    expect((fleet.view.get('t') as Timer).snapshot()).toMatchObject({ count: 2, windowCount: 2, min: 4, max: 6 });
  });

  it('follows each gauge policy; perWorker is the default', async () => {
    fleet = localFleet(3);
    const values = [3, 10, 5];
    fleet.workers.forEach((w, i) => {
      const r = w.registry;
      r.gauge('q.sum', () => values[i]!, { aggregate: 'sum' });
      r.gauge('q.min', () => values[i]!, { aggregate: 'min' });
      r.gauge('q.max', () => values[i]!, { aggregate: 'max' });
      r.gauge('q.each', () => values[i]!);
    });
    await fleet.push();
    const last = fleet.workers[1]!.registry.gauge('q.last', { aggregate: 'last' });
    last.set(42);
    await fleet.push(fleet.workers[1]!);
    fleet.clock.advance(1);
    fleet.workers[2]!.registry.gauge('q.last', { aggregate: 'last' }).set(7);
    await fleet.push(fleet.workers[2]!);
    const v = (name: string, tags?: Record<string, string>): number | null => (fleet!.view.get(name, tags) as Gauge).value;
    expect(v('q.sum')).toBe(18);
    expect(v('q.min')).toBe(3);
    expect(v('q.max')).toBe(10);
    expect(v('q.last')).toBe(7);
    expect(v('q.each', { worker: '1' })).toBe(3);
    expect(v('q.each', { worker: '2' })).toBe(10);
    expect(v('q.each', { worker: '3' })).toBe(5);
    expect(fleet.view.get('q.each')).toBeUndefined(); // never a silent sum
    // A worker that ends leaves the aggregated gauges and takes its per-worker series along.
    await fleet.workers[1]!.forwarder.stop();
    await fleet.state.settled();
    expect(v('q.sum')).toBe(8);
    expect(fleet.view.get('q.each', { worker: '2' })).toBeUndefined();
  });

  it('keeps runtime metrics one series per worker, tagged', async () => {
    fleet = localFleet(2);
    fleet.workers.forEach((w, i) => w.registry.histogram('runtime.event_loop.delay_ms').record(10 * (i + 1)));
    await fleet.push();
    expect((fleet.view.get('runtime.event_loop.delay_ms', { worker: '1' }) as Histogram).statistics().max).toBe(10);
    expect((fleet.view.get('runtime.event_loop.delay_ms', { worker: '2' }) as Histogram).statistics().max).toBe(20);
  });

  it('reports liveness: tapemeasure.fleet.workers and a per-worker push age', async () => {
    fleet = localFleet(2);
    await fleet.push();
    expect((fleet.view.get('tapemeasure.fleet.workers') as Gauge).value).toBe(2);
    fleet.clock.advance(2_000);
    await fleet.push(fleet.workers[0]!);
    expect((fleet.view.get('tapemeasure.fleet.push_age_ms', { worker: '1' }) as Gauge).value).toBe(0);
    expect((fleet.view.get('tapemeasure.fleet.push_age_ms', { worker: '2' }) as Gauge).value).toBe(2_000);
    fleet.clock.advance(2_000); // worker 2 has not pushed for 4 s > staleAfterMs (3 s)
    expect((fleet.view.get('tapemeasure.fleet.workers') as Gauge).value).toBe(1);
  });

  it('splits a large push into frames within maxMessageBytes, all merged', async () => {
    fleet = localFleet(1, { maxMessageBytes: 4_096 });
    const [w] = fleet.workers;
    for (let i = 0; i < 2000; i++) w!.registry.counter(`c.n${i}`).inc(i);
    await fleet.push();
    expect(w!.frames.length).toBeGreaterThan(5);
    for (const f of w!.frames) expect(f.length).toBeLessThanOrEqual(4_096);
    let sum = 0;
    for (const m of fleet.view.metrics()) if (m.name.startsWith('c.')) sum += (m as Counter).count;
    expect(sum).toBe((1999 * 2000) / 2);
  });

  it('drops and counts malformed, unknown-version, oversized and conflicting input, and never throws', async () => {
    fleet = localFleet(2);
    const link = fleet.workers[0]!.link;
    const s = fleet.state;
    const frame = (series: TestSeries[], seq = (Math.random() * 1e9) | 0): Uint8Array => frameBytes({ session: 'x', worker: 'x', seq, series });
    s.receive('not base64 of a frame!', link);
    s.receive(42, link);
    s.receive(Buffer.from(JSON.stringify({ tapemeasure: 1, type: 'push' })), link); // the JSON wire of version 1
    s.receive(Uint8Array.of(0x54, 0x4d, 3, 1, 0), link); // a version from the future
    s.receive(new Uint8Array(2 << 20), link);
    s.receive(
      frame([
        ['c', 'ok', 0, 1], ['c', 'bad name!', 0, 1], Uint8Array.of(9), Uint8Array.of(),
        ['h', 'h', 0, 2, 0.001, 3, 4, 1, 1, [[0, 1, 1, 1, 1, 1, 0, 0, [1e9], [1]]]],
        ['h', 'h2', 0, 2, 0.001, 3, 4, 2, 1, [[0, 2, 1, 1, 1, 1, 0, 0, [1], [1]]]], // counts do not add up
      ]),
      link,
    );
    s.receive(frame([['c', '__proto__', JSON.parse('{"__proto__":"x"}') as Record<string, string>, 1]], 1e6), link);
    await s.settled();
    expect((fleet.view.get('ok') as Counter).count).toBe(1);
    expect(s.droppedCount('malformed')).toBeGreaterThanOrEqual(5);
    expect(s.droppedCount('version')).toBe(2);
    expect(s.droppedCount('too_large')).toBe(1);
    expect(s.droppedCount('conflict')).toBeGreaterThanOrEqual(1); // the bad name, refused by the registry
    // Two workers disagree on a histogram's precision: the second is dropped as a conflict.
    fleet.workers[0]!.registry.histogram('p', { significantDigits: 2 }).record(1);
    fleet.workers[1]!.registry.histogram('p', { significantDigits: 3 }).record(1);
    const before = s.droppedCount('conflict');
    await fleet.push();
    expect(s.droppedCount('conflict')).toBe(before + 1);
    expect((fleet.view.get('p') as Histogram).count).toBe(1);
    expect(fleet.view.snapshot()).toHaveProperty(['tapemeasure', 'fleet', 'dropped']);
  });

  it('a worker whose channel closed while its last frames waited is counted out once they are merged', async () => {
    fleet = localFleet(2);
    const [a] = fleet.workers;
    a!.registry.counter('c').inc(4);
    a!.registry.gauge('g').set(1);
    void a!.forwarder.push();
    await Promise.resolve();
    fleet.state.closeLink(a!.link); // the worker died: its exit event came before the merge
    await fleet.push(fleet.workers[1]!);
    await fleet.state.settled();
    expect((fleet.view.get('c') as Counter).count).toBe(4);
    expect(fleet.view.get('g', { worker: '1' })).toBeUndefined();
    expect(fleet.state.liveCount).toBe(1);
  });

  it('is a read-only view: creating a metric throws ERR_TAPEMEASURE_READ_ONLY_REGISTRY', () => {
    fleet = localFleet(0);
    const code = { code: ErrorCodes.READ_ONLY_REGISTRY };
    expect(() => fleet!.view.counter('x')).toThrow(expect.objectContaining(code));
    expect(() => fleet!.view.timer('x')).toThrow(expect.objectContaining(code));
    expect(() => fleet!.view.scope('a').gauge('b')).toThrow(expect.objectContaining(code));
  });
});
