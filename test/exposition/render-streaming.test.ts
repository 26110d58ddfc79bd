// Export at 100,000 series (issue 16): a render reads each metric as it writes it, never
// every snapshot first, and keeps no table that grows with the number of names in one
// piece. What a render holds outlives its allocation, and every scavenge of V8's young
// generation copies it: holding 100,000 snapshots made single scavenges of 20-50 ms, and
// a Map of 300,000 names doubled its table in one step of tens of milliseconds. These
// tests count, never time.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { EndpointError } from '../../src/exposition/endpoint-error.js';
import { renderMetrics } from '../../src/exposition/render.js';
import { formatPrometheus, prometheusAdjacentChunks, prometheusChunks, type PrometheusSeries } from '../../src/formats/prometheus.js';
import type { MetricSnapshot } from '../../src/metrics/snapshot.js';
import { Registry } from '../../src/registry/registry.js';
import { REGISTRY_BRAND, type Metric, type MetricRegistry } from '../../src/registry/types.js';

/** Reads and writes, in the order they happened: `reads[k]` is how many writes had happened at the k-th read. */
type Trace = { reads: number[]; writes: number };

/**
 * A registry of `n` counters (`names(i)`), each with one tag whose value is a getter: a
 * writer reads the value when it writes the series (label pairs, JSON), a reader never
 * does (it hands the tags object on), so the getter counts writes.
 */
function tracedRegistry(n: number, names: (i: number) => string, trace: Trace): MetricRegistry {
  const metrics = Array.from({ length: n }, (_, i) => {
    const tags = {
      get route(): string {
        trace.writes++;
        return `/r${i}`;
      },
    };
    const snapshot: MetricSnapshot = { type: 'counter', count: i };
    return {
      type: 'counter',
      name: names(i),
      tags,
      snapshot: () => {
        trace.reads.push(trace.writes);
        return snapshot;
      },
    } as unknown as Metric;
  });
  return {
    [REGISTRY_BRAND]: 1,
    metrics: () => metrics.values(),
  } as unknown as MetricRegistry;
}

describe('a render reads each metric as it writes it', () => {
  it.each(['prometheus', 'openmetrics', 'json'] as const)('%s: never more than two metrics read ahead of what is written', async (format) => {
    const trace: Trace = { reads: [], writes: 0 };
    const n = 3_000;
    const registry = tracedRegistry(n, (i) => `group${i % 7}.c${i}`, trace);
    const text = await renderMetrics({ registry, format });
    expect(trace.reads).toHaveLength(n);
    expect(trace.writes).toBeGreaterThanOrEqual(n);
    // Before: every metric was read before the first was written (all n reads saw 0 writes).
    const ahead = trace.reads.map((writes, k) => k - writes);
    expect(Math.max(...ahead)).toBeLessThanOrEqual(2);
    expect(text).toContain(format === 'json' ? '"tags":{"route":"/r2999"}' : 'group3_c2999_total{route="/r2999"} 2999\n');
  });

  it('groups the series of a name that a registry lists apart (as the formats did), then still reads as it writes', async () => {
    const trace: Trace = { reads: [], writes: 0 };
    // Names come back: c0, c1, c2, c0, c1, c2, ... (a registry of another make).
    const registry = tracedRegistry(30, (i) => `c${i % 3}`, trace);
    const text = await renderMetrics({ registry, format: 'prometheus' });
    const grouped = [0, 1, 2].flatMap((name) => Array.from({ length: 10 }, (_, j) => 3 * j + name));
    const expected = formatPrometheus(
      grouped.map((i) => ({ name: `c${i % 3}`, tags: { route: `/r${i}` }, snapshot: { type: 'counter', count: i } })),
      'prometheus',
    );
    expect(text).toBe(expected);
  });
});

describe('a render keeps no Map that grows with the number of names in one piece', () => {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- put back as it was, called with its own `this`
  const realSet = Map.prototype.set;
  afterEach(() => {
    Map.prototype.set = realSet;
  });

  it.each(['prometheus', 'json'] as const)('%s: 10,000 names, no Map of more than 1,000 entries', async (format) => {
    const registry = new Registry({ clock: new ManualClock(), maxSeries: 100_000 });
    for (let i = 0; i < 10_000; i++) registry.counter(`counters.c${i}`).inc(i);
    let largest = 0;
    Map.prototype.set = function set<K, V>(this: Map<K, V>, key: K, value: V): Map<K, V> {
      const out = realSet.call(this, key, value) as Map<K, V>;
      if (this.size > largest) largest = this.size;
      return out;
    };
    const text = await renderMetrics({ registry, format });
    Map.prototype.set = realSet;
    expect(text).toContain(format === 'json' ? '"c9999":{"type":"counter","count":9999}' : 'counters_c9999_total 9999\n');
    // Before: one Map of every collision name (20,000) and one of every family (10,000).
    expect(largest).toBeLessThan(1_000);
  });
});

describe('collision names held by hash', () => {
  it('tells two names of one hash apart, and still finds a real collision with the second', async () => {
    // a_g81418 and a_g120477 have the same 31-bit FNV-1a hash (found by search).
    const registry = new Registry();
    registry.gauge('a.g81418').set(1);
    registry.gauge('a_g120477').set(2);
    registry.gauge('a.g120477').set(3);
    const errors: EndpointError[] = [];
    const text = await renderMetrics({ registry, format: 'prometheus', onError: (e) => errors.push(e) });
    expect(text).toContain('\na_g81418 1\n');
    expect(text).toContain('\na_g120477 2\n');
    expect(text).not.toContain('a_g120477 3');
    expect(errors.map((e) => e.kind)).toEqual(['collision']);
    expect(errors[0]!.message).toContain('a.g120477');
    expect(errors[0]!.message).toContain('a_g120477');
  });
});

describe('a name of many series is written in pieces', () => {
  it.each(['prometheus', 'openmetrics'] as const)('%s: one name of 3,000 series, no chunk of more than 256 series', (format) => {
    const series: PrometheusSeries[] = Array.from({ length: 3_000 }, (_, i) => ({
      name: 'http.requests',
      tags: { id: String(i) },
      snapshot: { type: 'counter', count: i },
    }));
    const chunks = [...prometheusChunks(series, format)];
    // Before: the whole family was one chunk, written in one call (at 100,000 series, one
    // stretch of seconds).
    for (const chunk of chunks) expect(chunk.split('\n').length).toBeLessThanOrEqual(256 + 4);
    expect(chunks.join('')).toBe(formatPrometheus(series, format));
    expect(chunks.join('')).toContain('http_requests_total{id="2999"} 2999\n');
  });

  it('hands the caller a pause while a name of many series is read (an empty chunk every 1,024 series)', () => {
    let read = 0;
    function* lazily(): Generator<PrometheusSeries> {
      for (let i = 0; i < 5_000; i++) {
        read++;
        yield { name: 'http.requests', tags: { id: String(i) }, snapshot: { type: 'counter', count: i } };
      }
    }
    const readAtPause: number[] = [];
    for (const chunk of prometheusAdjacentChunks(lazily(), 'prometheus')) if (chunk === '') readAtPause.push(read);
    expect(readAtPause.length).toBeGreaterThanOrEqual(4);
    expect(readAtPause[0]).toBeLessThanOrEqual(1_024);
  });
});
