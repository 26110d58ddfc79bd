import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock, Registry, type Metric } from '../../src/index.js';
import { waitUntil } from '../helpers/wait.js';

const MINUTE = 60_000;

function setup(expireAfterMs = MINUTE): { clock: ManualClock; r: Registry; events: string[] } {
  const clock = new ManualClock();
  const r = new Registry({ clock, expireAfterMs });
  const events: string[] = [];
  r.addListener({
    onAdded: (m, reason) => void events.push(`+${m.name}:${reason}`),
    onRemoved: (m, reason) => void events.push(`-${m.name}:${reason}`),
  });
  return { clock, r, events };
}

/** Moves the clock forward in 5-second ticks, as the coarse ticker's timer would. */
function pass(clock: ManualClock, ms: number): void {
  for (let t = 0; t < ms; t += 5_000) clock.advance(5_000);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('expireAfterMs', () => {
  it('is off by default: idle series stay', () => {
    const clock = new ManualClock();
    const r = new Registry({ clock });
    r.counter('c');
    pass(clock, 60 * MINUTE);
    expect(r.size).toBe(1);
  });

  it('removes a series idle for expireAfterMs from the registry and every read, and tells why', () => {
    const { clock, r, events } = setup();
    r.counter('idle').inc();
    const busy = r.counter('busy');
    r.meter('m').mark();
    r.histogram('h').record(1);
    r.timer('t').update(1);
    r.gauge('settable').set(3);
    pass(clock, MINUTE - 5_000);
    expect(r.size).toBe(6); // not before expireAfterMs
    for (let i = 0; i < 12; i++) {
      busy.inc();
      pass(clock, 5_000);
    }
    expect([...r.metrics()].map((m) => m.name)).toEqual(['busy']);
    expect(Object.keys(r.snapshot())).toEqual(['busy']);
    expect(r.get('idle')).toBeUndefined();
    expect(events.filter((e) => e.startsWith('-')).sort()).toEqual(
      ['-h:expired', '-idle:expired', '-m:expired', '-settable:expired', '-t:expired'],
    );
  });

  it('expires between expireAfterMs and 1.5 times it plus 10 s after the last change', () => {
    for (const offset of [0, 1, 2_500, 4_999]) {
      const clock = new ManualClock({ monotonicMs: offset });
      const r = new Registry({ clock, expireAfterMs: MINUTE });
      const c = r.counter('c');
      pass(clock, 20_000);
      c.inc(); // the last change
      let idleMs = 0;
      while (r.size > 0 && idleMs < 10 * MINUTE) {
        clock.advance(5_000);
        idleMs += 5_000;
      }
      expect(idleMs).toBeGreaterThanOrEqual(MINUTE);
      expect(idleMs).toBeLessThanOrEqual(1.5 * MINUTE + 10_000);
    }
  });

  it('never expires callback gauges; a settable gauge expires once its value stops changing', () => {
    const { clock, r } = setup();
    r.gauge('cb', () => 1);
    const g = r.gauge('set');
    for (let i = 0; i < 30; i++) {
      g.set(i % 2);
      pass(clock, 5_000);
    }
    expect(r.size).toBe(2);
    pass(clock, 2 * MINUTE);
    expect([...r.metrics()].map((m) => m.name)).toEqual(['cb']);
  });

  it('gives back the same object, counts intact, when an expired series is asked for again', () => {
    const { clock, r, events } = setup();
    const c = r.counter('c', { tags: { k: 'v' } });
    c.inc(12);
    pass(clock, 2 * MINUTE);
    expect(r.size).toBe(0);
    const again = r.counter('c', { tags: { k: 'v' } });
    expect(again).toBe(c);
    expect(again.count).toBe(12);
    expect(r.get('c', { k: 'v' })).toBe(c);
    expect(events).toEqual(['+c:created', '-c:expired', '+c:revived']);
  });

  it('puts back at the next sweep an expired series recorded into through a held handle', () => {
    const { clock, r, events } = setup();
    const t = r.timer('held');
    t.update(5);
    pass(clock, 2 * MINUTE);
    expect(r.size).toBe(0);
    t.update(7); // the application still holds the handle
    expect(r.size).toBe(0); // nothing on the hot path
    pass(clock, 20_000); // the next sweep
    expect(r.get('held')).toBe(t);
    expect(t.count).toBe(2);
    expect(events).toEqual(['+held:created', '-held:expired', '+held:revived']);
  });

  it('lets a reader that sends deltas send what it had not sent before expiry (+2 after 10)', () => {
    const { clock, r } = setup();
    // A StatsD-like reader, following RegistryListener's protocol: it keeps the count it
    // last sent per metric, and at expiry sends the rest in its next report.
    const lastSent = new WeakMap<Metric, number>();
    const pending: { name: string; delta: number }[] = [];
    const sent: string[] = [];
    const countOf = (m: Metric): number => (m.type === 'gauge' ? 0 : m.count);
    r.addListener({
      onRemoved: (m, reason) => {
        if (reason !== 'expired' || m.type === 'gauge') return;
        const delta = countOf(m) - (lastSent.get(m) ?? 0);
        lastSent.set(m, countOf(m));
        if (delta !== 0) pending.push({ name: m.name, delta });
      },
    });
    const report = (): void => {
      for (const m of r.metrics()) {
        const delta = countOf(m) - (lastSent.get(m) ?? 0);
        lastSent.set(m, countOf(m));
        if (delta !== 0) sent.push(`${m.name}:${delta}|c`);
      }
      for (const p of pending.splice(0)) sent.push(`${p.name}:${p.delta}|c`);
    };
    const c = r.counter('jobs');
    c.inc(10);
    report();
    c.inc(2); // after the last report, before expiry
    pass(clock, 2 * MINUTE); // no report meanwhile: expired
    report();
    expect(sent).toEqual(['jobs:10|c', 'jobs:2|c']);
    c.inc(3); // held handle: revived at the next sweep, deltas go on from 12
    pass(clock, 20_000);
    report();
    expect(sent).toEqual(['jobs:10|c', 'jobs:2|c', 'jobs:3|c']);
  });

  it('does not bring back an expired series whose name was taken by another type', () => {
    const { clock, r } = setup();
    const c = r.counter('x');
    pass(clock, 2 * MINUTE);
    const g = r.gauge('x');
    c.inc(); // the old handle records again
    pass(clock, 20_000);
    expect(r.get('x')).toBe(g);
    expect(r.size).toBe(1);
  });

  it('sweeps in slices, yielding to the event loop', async () => {
    const { clock, r } = setup();
    for (let i = 0; i < 5_000; i++) r.counter(`c${i}`);
    // The slicer's clock stands still: the sweeps so far run in one stretch each (and
    // find nothing idle long enough).
    let nowMs = 0;
    let stepMs = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => (nowMs += stepMs));
    pass(clock, 70_000); // tick 14
    expect(r.size).toBe(5_000);
    // Now every look at the slicer's clock sees 5 ms more: the sweep yields every other look.
    stepMs = 5;
    clock.advance(5_000); // tick 15: the sweep that expires them all
    const left = r.size;
    expect(left).toBeGreaterThan(0); // not all in one stretch
    expect(left).toBeLessThan(5_000);
    await waitUntil(() => r.size === 0, { what: 'the sliced sweep to finish' });
  });

  it('counts expired series in the cap no longer', () => {
    const { clock, r } = setup();
    const capped = new Registry({ clock, maxSeries: 2, expireAfterMs: MINUTE });
    capped.counter('a');
    capped.counter('b');
    pass(clock, 2 * MINUTE);
    expect(capped.counter('c').name).toBe('c');
    expect(r.size).toBe(0);
  });
});

describe('expiry and the rest of the registry', () => {
  it('forgets an expired series that remove() names: it does not come back', () => {
    const { clock, r } = setup();
    const c = r.counter('c', { tags: { k: 'v' } });
    pass(clock, 2 * MINUTE);
    expect(r.remove('c', { k: 'v' })).toBe(false);
    c.inc();
    pass(clock, 20_000);
    expect(r.size).toBe(0);
    expect(r.counter('c', { tags: { k: 'v' } })).not.toBe(c);
  });

  it('tells scope listeners why, for the series within the scope', () => {
    const { clock, r } = setup();
    const scope = r.scope('db');
    const seen: string[] = [];
    scope.addListener({
      onAdded: (m, reason) => void seen.push(`+${m.name}:${reason}`),
      onRemoved: (m, reason) => void seen.push(`-${m.name}:${reason}`),
    });
    const q = scope.timer('query');
    r.counter('outside');
    pass(clock, 2 * MINUTE);
    expect(scope.timer('query')).toBe(q);
    expect(seen).toEqual(['+db.query:created', '-db.query:expired', '+db.query:revived']);
  });
});
