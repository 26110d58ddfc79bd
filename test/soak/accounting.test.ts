/**
 * The soak's arithmetic (bench/soak/accounting.ts): if it were wrong, the soak's table
 * could show 0 lost when events were lost. Exact cases and fast-check oracles.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accountCounts,
  accountPoints,
  attributeBlocks,
  heapTrend,
  quantile,
  recordedIdentity,
  seriesIdentity,
  slope,
  type RiskWindow,
} from '../../bench/soak/accounting.js';

const all = (): boolean => true;

describe('seriesIdentity', () => {
  it('makes a StatsD key, a Graphite path and a registry series of one series equal', () => {
    const fromStatsd = seriesIdentity('t.http.server.requests.count;method=GET;route=-work;status=2xx', 't');
    const fromGraphite = seriesIdentity('g.http.server.requests.count;status=2xx;route=/work;method=GET', 'g');
    const fromRegistry = recordedIdentity('http.server.requests', { route: '/work', method: 'GET', status: '2xx' });
    // As tapemeasure sends them now: StatsD's reversible `_2F`, Graphite's `%2F`.
    const escapedStatsd = seriesIdentity('t.http.server.requests.count;method=GET;route=_2Fwork;status=2xx', 't');
    const escapedGraphite = seriesIdentity('g.http.server.requests.count;status=2xx;route=%2Fwork;method=GET', 'g');
    expect(fromStatsd).toBe('http.server.requests;method=GET;route=-work;status=2xx');
    expect(escapedStatsd).toBe(fromStatsd);
    expect(escapedGraphite).toBe(fromStatsd);
    expect(fromGraphite).toBe(fromStatsd);
    expect(fromRegistry).toBe(fromStatsd);
  });

  it('leaves out a channel-wide tag when asked', () => {
    expect(seriesIdentity('s.soak.events;pad=ppp', 's', 'pad')).toBe('soak.events');
    expect(seriesIdentity('s.soak.fanout;pad=ppp;shard=3', 's', 'pad')).toBe('soak.fanout;shard=3');
  });

  it('keeps series that differ by a tag or a name apart', () => {
    expect(seriesIdentity('u.soak.fanout;shard=1', 'u')).not.toBe(seriesIdentity('u.soak.fanout;shard=2', 'u'));
    expect(seriesIdentity('u.soak.events', 'u')).not.toBe(seriesIdentity('u.soak.items.count', 'u'));
  });
});

describe('accountCounts', () => {
  const recorded = new Map([['soak.events', 100]]);
  const windows: RiskWindow[] = [{ fromMs: 1_000, toMs: 2_000, why: 'kill' }];

  it('is exact when everything accepted was delivered', () => {
    const a = accountCounts(recorded, { 'u.soak.events': { accepted: 100, outstanding: 0, acceptedAt: [[500, 100]] } }, new Map([['u.soak.events', 100]]), 'u', windows, 50, all);
    expect(a).toMatchObject({ recorded: 100, accepted: 100, delivered: 100, lostUnknowable: 0, lostUncounted: 0, lostBeforeWire: 0, forged: 0 });
    expect(a.problems).toEqual([]);
  });

  it('explains a loss by a risk window only up to what was accepted in it', () => {
    const ledger = { 'u.soak.events': { accepted: 100, outstanding: 0, acceptedAt: [[500, 60], [1_500, 40]] as [number, number][] } };
    const inWindow = accountCounts(recorded, ledger, new Map([['u.soak.events', 60]]), 'u', windows, 50, all);
    expect(inWindow).toMatchObject({ lostUnknowable: 40, lostUncounted: 0 });
    const beyond = accountCounts(recorded, ledger, new Map([['u.soak.events', 50]]), 'u', windows, 50, all);
    expect(beyond).toMatchObject({ lostUnknowable: 40, lostUncounted: 10 });
    expect(beyond.problems).toHaveLength(1);
  });

  it('counts a bucket that overlaps the start of a window as at risk, and one before it as not', () => {
    const at = (t: number) => ({ 'u.soak.events': { accepted: 100, outstanding: 0, acceptedAt: [[t, 100]] as [number, number][] } });
    expect(accountCounts(recorded, at(960), new Map(), 'u', windows, 50, all).lostUnknowable).toBe(100);
    expect(accountCounts(recorded, at(940), new Map(), 'u', windows, 50, all).lostUncounted).toBe(100);
  });

  it('reports a carried delta as dropped and counted, and a vanished one as lost inside tapemeasure', () => {
    const carried = accountCounts(recorded, { 'u.soak.events': { accepted: 90, outstanding: 10, acceptedAt: [[500, 90]] } }, new Map([['u.soak.events', 90]]), 'u', [], 50, all);
    expect(carried).toMatchObject({ droppedCounted: 10, lostBeforeWire: 0, lostUncounted: 0 });
    const vanished = accountCounts(recorded, { 'u.soak.events': { accepted: 90, outstanding: 0, acceptedAt: [[500, 90]] } }, new Map([['u.soak.events', 90]]), 'u', [], 50, all);
    expect(vanished.lostBeforeWire).toBe(10);
  });

  it('finds duplicates and series nobody sent as forged, and ignores untracked and other prefixes', () => {
    const ledger = { 'u.soak.events': { accepted: 100, outstanding: 0, acceptedAt: [[500, 100]] as [number, number][] } };
    const dup = accountCounts(recorded, ledger, new Map([['u.soak.events', 120]]), 'u', [], 50, all);
    expect(dup.forged).toBe(20);
    const extra = accountCounts(recorded, ledger, new Map([['u.soak.events', 100], ['u.soak.events;zz=1', 3], ['t.soak.events', 7]]), 'u', [], 50, all);
    expect(extra.forged).toBe(3);
    const untracked = accountCounts(recorded, ledger, new Map([['u.soak.events', 100], ['u.other', 3]]), 'u', [], 50, (k) => k.includes('soak.'));
    expect(untracked.forged).toBe(0);
  });

  it('oracle: recorded = delivered + carried + unknowable + uncounted + lost inside, whatever the split', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3_000 }), fc.integer({ min: 0, max: 50 }), fc.boolean()), { maxLength: 30 }),
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 0, max: 20 }),
        (sends, carried, vanished) => {
          const accepted = sends.reduce((a, [, v]) => a + v, 0);
          const delivered = sends.filter(([, , arrived]) => arrived).reduce((a, [, v]) => a + v, 0);
          const rec = new Map([['soak.events', accepted + carried + vanished]]);
          const a = accountCounts(
            rec,
            { 'u.soak.events': { accepted, outstanding: carried, acceptedAt: sends.map(([t, v]) => [t, v] as [number, number]) } },
            new Map([['u.soak.events', delivered]]),
            'u',
            windows,
            50,
            all,
          );
          const atRisk = sends.filter(([t]) => t + 50 >= 1_000 && t <= 2_000).reduce((s, [, v]) => s + v, 0);
          const lost = accepted - delivered;
          expect(a.recorded).toBe(a.delivered + a.droppedCounted + a.lostUnknowable + a.lostUncounted + a.lostBeforeWire);
          expect(a.lostBeforeWire).toBe(vanished);
          // A loss hides behind a window only up to what was accepted in it.
          expect(a.lostUnknowable).toBe(Math.min(lost, atRisk));
          expect(a.lostUncounted).toBe(lost - Math.min(lost, atRisk));
          expect(a.forged).toBe(0);
        },
      ),
    );
  });
});

describe('accountPoints', () => {
  it('matches stored points by second and value, explains only losses in a window, finds forged points', () => {
    const ledger = {
      'g.soak.events.count': [
        [100, 1, 10_000],
        [101, 2, 11_000],
        [102, 3, 12_000],
        [103, 4, 13_000],
      ] as [number, number, number][],
    };
    const stored = new Map([['g.soak.events.count', [[100, 1], [101, 2], [104, 9]] as [number, number][]]]);
    const a = accountPoints(ledger, stored, 2, [{ fromMs: 11_500, toMs: 12_500, why: 'kill' }]);
    expect(a).toMatchObject({ accepted: 4, stored: 2, droppedCounted: 2, lostUnknowable: 1, lostUncounted: 1, forged: 1, finalCount: 9 });
    expect(a.problems[0]).toContain('103');
  });
});

describe('heapTrend', () => {
  const series = (f: (s: number) => number): number[] => Array.from({ length: 60 }, (_, i) => [i * 2_000, f(i * 2)]).flat();

  it('calls a flat, noisy heap flat', () => {
    const a = heapTrend(series((s) => 20e6 + (s % 7) * 300_000), 10_000);
    expect(a.trend).toBe(false);
  });

  it('calls a heap that grows 100 kB/s a trend', () => {
    const a = heapTrend(series((s) => 20e6 + s * 100_000), 10_000);
    expect(a.trend).toBe(true);
    expect(a.fittedGrowthBytes).toBeGreaterThan(10e6);
  });

  it('ignores the warm-up', () => {
    const a = heapTrend(series((s) => (s < 10 ? 5e6 + s * 2e6 : 25e6)), 10_000);
    expect(a.trend).toBe(false);
    expect(a.afterWarmupBytes).toBe(25e6);
  });
});

describe('slope, quantile, attributeBlocks', () => {
  it('slope oracle: an exact line is recovered', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.double({ min: -1e6, max: 1e6, noNaN: true }), (m, b) => {
        const xs = [0, 1, 2, 3, 4, 5];
        expect(slope(xs, xs.map((x) => m * x + b))).toBeCloseTo(m, 6);
      }),
    );
  });

  it('quantile is the nearest rank', () => {
    expect(quantile([], 0.99)).toBeNull();
    expect(quantile([5, 1, 3], 0.5)).toBe(3);
    expect(quantile(Array.from({ length: 100 }, (_, i) => i + 1), 0.99)).toBe(99);
  });

  it('attributes a gap to the process when it ran over 50 ms of CPU in it, even if it also waited for a core', () => {
    const { onCpu, offCpu } = attributeBlocks([
      { atMs: 1, gapMs: 120, cpuMs: 110, scrapesInFlight: 3 },
      { atMs: 2, gapMs: 120, cpuMs: 10, scrapesInFlight: 0 },
      { atMs: 3, gapMs: 40, cpuMs: 40, scrapesInFlight: 0 },
      { atMs: 4, gapMs: 300, cpuMs: 60, scrapesInFlight: 0 },
    ]);
    expect(onCpu.map((b) => b.atMs)).toEqual([1, 4]);
    expect(offCpu.map((b) => b.atMs)).toEqual([2]);
  });
});
