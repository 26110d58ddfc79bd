import { describe, expect, it } from 'vitest';
import {
  counter,
  defaultRegistry,
  ErrorCodes,
  gauge,
  histogram,
  ManualClock,
  meter,
  MetricsError,
  Registry,
  scope,
  Scope,
  timer,
  type Metric,
} from '../../src/index.js';

const registry = (options: { maxSeriesPerName?: number } = {}): Registry =>
  new Registry({ clock: new ManualClock(), ...options });

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(MetricsError);
    return (error as MetricsError).code;
  }
  return undefined;
}

describe('Registry create-or-reuse', () => {
  it('returns the same metric for the same name, tags and type', () => {
    const r = registry();
    expect(r.counter('a.b')).toBe(r.counter('a.b'));
    expect(r.timer('t', { tags: { x: '1', y: '2' } })).toBe(r.timer('t', { tags: { y: '2', x: '1' } }));
    expect(r.timer('t', { tags: { x: '1' } })).not.toBe(r.timer('t'));
    expect(r.histogram('h', { significantDigits: 3 })).toBe(r.histogram('h', { significantDigits: 3 }));
    expect(r.size).toBe(5);
  });

  it('rejects invalid names with a coded error showing the name', () => {
    const r = registry();
    for (const bad of ['', 'a..b', '.a', 'a.', 'a b', 'a\nb', 'a:b', 'a|b', 'a;b', 'é', 'x'.repeat(256)]) {
      expect(codeOf(() => r.counter(bad))).toBe(ErrorCodes.INVALID_NAME);
    }
    expect(() => r.counter('a b')).toThrow(/"a b"/);
    expect(codeOf(() => r.counter(42 as unknown as string))).toBe(ErrorCodes.INVALID_NAME);
  });

  it('rejects a name reused for another type', () => {
    const r = registry();
    r.counter('x');
    expect(codeOf(() => r.timer('x'))).toBe(ErrorCodes.TYPE_CONFLICT);
    expect(() => r.gauge('x')).toThrow(/already a counter/);
  });

  it('rejects the same metric asked for with different options', () => {
    const r = registry();
    r.histogram('h', { significantDigits: 2 });
    expect(codeOf(() => r.histogram('h', { significantDigits: 3 }))).toBe(ErrorCodes.OPTIONS_CONFLICT);
    r.gauge('g');
    expect(codeOf(() => r.gauge('g', () => 1))).toBe(ErrorCodes.OPTIONS_CONFLICT);
    r.timer('t', { windowMs: 30_000, windowSlices: 2 });
    expect(codeOf(() => r.timer('t', { windowMs: 20_000, windowSlices: 2 }))).toBe(ErrorCodes.OPTIONS_CONFLICT);
    r.gauge('slow', () => 1, { timeoutMs: 500 });
    expect(codeOf(() => r.gauge('slow', () => 2, { timeoutMs: 1000 }))).toBe(ErrorCodes.OPTIONS_CONFLICT);
  });

  it('gives a new tag set the options of its name when asked with tags only', () => {
    const r = registry();
    const a = r.timer('t', { significantDigits: 3, tags: { k: 'a' } });
    const b = r.timer('t', { tags: { k: 'b' } });
    expect(b).not.toBe(a);
    expect(r.timer('t', { significantDigits: 3, tags: { k: 'b' } })).toBe(b);
    expect(codeOf(() => r.timer('t', { tags: { k: 'c' }, significantDigits: 2 }))).toBe(ErrorCodes.OPTIONS_CONFLICT);
    r.gauge('g', () => 1, { timeoutMs: 500 });
    expect(r.gauge('g', () => 2, { tags: { k: 'x' } }).value).toBe(2); // timeoutMs 500 taken from the name
    expect(r.gauge('g', () => 3, { tags: { k: 'y' }, timeoutMs: 500 }).value).toBe(3);
  });

  it('reuses one interned window config for equal options (memory per timer)', () => {
    const r = registry();
    const a = r.timer('a', { significantDigits: 3 });
    const b = r.timer('b', { significantDigits: 3, windowMs: 60_000 });
    expect(a).not.toBe(b);
    // Equal options are one object: asking for either with the other's spelling is no conflict.
    expect(r.timer('a', { significantDigits: 3, windowSlices: 4 })).toBe(a);
  });

  it('rejects a name that would be both a leaf and a branch', () => {
    const r = registry();
    r.counter('a.b');
    expect(codeOf(() => r.counter('a.b.c'))).toBe(ErrorCodes.TREE_CONFLICT);
    expect(codeOf(() => r.counter('a'))).toBe(ErrorCodes.TREE_CONFLICT);
    r.counter('a.c');
    r.remove('a.b');
    expect(codeOf(() => r.counter('a'))).toBe(ErrorCodes.TREE_CONFLICT);
    r.remove('a.c');
    expect(r.counter('a').count).toBe(0);
  });

  it('rejects invalid tag keys and values', () => {
    const r = registry();
    for (const tags of [{ '1x': 'v' }, { 'a-b': 'v' }, { k: '' }, { k: 'a\nb' }, { k: 5 }, { k: 'x'.repeat(257) }]) {
      expect(codeOf(() => r.counter('c', { tags: tags as unknown as Record<string, string> }))).toBe(ErrorCodes.INVALID_TAG);
    }
    r.counter('c', { tags: { k: '5' } });
    expect(codeOf(() => r.counter('c', { tags: { k: 5 } as unknown as Record<string, string> }))).toBe(ErrorCodes.INVALID_TAG);
  });
});

describe('Registry scope, remove and listeners', () => {
  it('scopes prefix names and merge tags', () => {
    const r = registry();
    const http = r.scope('http', { service: 'api' });
    const c = http.scope('server').counter('requests', { tags: { method: 'GET' } });
    expect(c.name).toBe('http.server.requests');
    expect(c.tags).toEqual({ method: 'GET', service: 'api' });
    expect(http.gauge('inflight', () => 2).name).toBe('http.inflight');
    expect(codeOf(() => r.scope('bad prefix'))).toBe(ErrorCodes.INVALID_NAME);
  });

  it('removes series, matching ones, and tells listeners', () => {
    const r = registry();
    const added: string[] = [];
    const removed: string[] = [];
    const off = r.addListener({
      onAdded: (m: Metric) => added.push(m.name),
      onRemoved: (m: Metric) => removed.push(m.name),
    });
    r.counter('a.x');
    r.counter('a.y', { tags: { k: 'v' } });
    r.timer('b');
    expect(r.remove('a.y')).toBe(false);
    expect(r.remove('a.y', { k: 'v' })).toBe(true);
    expect(r.removeMatching((m) => m.name.startsWith('a.') || m.type === 'timer')).toBe(2);
    expect(r.size).toBe(0);
    off();
    r.counter('c');
    expect(added).toEqual(['a.x', 'a.y', 'b']);
    expect(removed).toEqual(['a.y', 'a.x', 'b']);
  });
});

describe('Registry snapshot', () => {
  it('is a JSON-serialisable tree of every metric', () => {
    const clock = new ManualClock();
    const r = new Registry({ clock });
    r.counter('http.requests.count').inc(3);
    r.meter('http.requests.rate').mark(2);
    r.timer('db.query').update(4);
    r.histogram('db.rows', { tags: { table: 'users' } }).record(10);
    r.gauge('process.up', () => 1);
    const snap = r.snapshot();
    expect(JSON.parse(JSON.stringify(snap))).toEqual(JSON.parse(JSON.stringify(snap)));
    const tree = snap as Record<string, Record<string, Record<string, Record<string, unknown>>>>;
    expect(tree['http']!['requests']!['count']).toEqual({ type: 'counter', count: 3 });
    expect(tree['db']!['query']).toMatchObject({ type: 'timer', count: 1, p99: 4 });
    expect(tree['db']!['rows']).toMatchObject({ type: 'histogram', series: [{ tags: { table: 'users' }, count: 1, p50: 10 }] });
    expect(Object.keys(r.snapshot((m) => m.name.startsWith('db.')))).toEqual(['db']);
  });
});

describe('default registry', () => {
  it('backs the module-level shortcuts', () => {
    const c = counter('test.default.shortcut');
    expect(defaultRegistry.get('test.default.shortcut')).toBe(c);
    expect(timer('test.default.timer')).toBe(defaultRegistry.timer('test.default.timer'));
    expect(gauge('test.default.gauge', () => 4).value).toBe(4);
    expect(meter('test.default.meter')).toBe(defaultRegistry.meter('test.default.meter'));
    expect(histogram('test.default.histogram')).toBe(defaultRegistry.histogram('test.default.histogram'));
    const s = scope('test.default.scope', { k: 'v' });
    expect(s).toBeInstanceOf(Scope);
    expect(s.counter('x').name).toBe('test.default.scope.x');
    expect([...s.metrics()].map((m) => m.name)).toEqual(['test.default.scope.x']);
  });
});
