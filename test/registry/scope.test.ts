import { describe, expect, it } from 'vitest';
import { readOptions } from '../../src/internal/options.js';
import {
  ErrorCodes,
  isRegistry,
  ManualClock,
  MetricsError,
  Registry,
  Scope,
  type Metric,
  type MetricRegistry,
} from '../../src/index.js';
import { REGISTRY_OPTION, registryCheck, registryOf } from '../../src/registry/registry-option.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(MetricsError);
    return (error as MetricsError).code;
  }
  return undefined;
}

const names = (view: MetricRegistry): string[] => [...view.metrics()].map((m) => `${m.name}${JSON.stringify(m.tags)}`);

/** A registry with series inside and outside the scope `db{pool=main}`. */
function setup(): { registry: Registry; db: Scope } {
  const registry = new Registry({ clock: new ManualClock() });
  const db = registry.scope('db', { pool: 'main' });
  db.timer('query').update(3);
  db.counter('errors', { tags: { kind: 'timeout' } }).inc();
  registry.counter('db.errors', { tags: { kind: 'timeout' } }).inc(5); // no pool tag: outside
  registry.counter('db.errors', { tags: { kind: 'timeout', pool: 'replica' } }).inc(7); // another pool: outside
  registry.counter('dbx.other', { tags: { pool: 'main' } }); // another prefix: outside
  registry.counter('http.requests').inc();
  return { registry, db };
}

describe('Scope as a read view', () => {
  it('lists, counts and finds only its series, with their full names', () => {
    const { db } = setup();
    expect(names(db)).toEqual(['db.query{"pool":"main"}', 'db.errors{"kind":"timeout","pool":"main"}']);
    expect(db.size).toBe(2);
    expect(db.get('query')).toBe(db.timer('query'));
    expect(db.get('errors', { kind: 'timeout' })?.type).toBe('counter');
    expect(db.get('errors')).toBeUndefined();
    // The scope's tags win: get() never reaches a series outside the scope.
    const inside = db.get('errors', { kind: 'timeout', pool: 'replica' }) as Metric & { count: number };
    expect(inside.count).toBe(1);
  });

  it('snapshots and collects only its series', async () => {
    const { registry, db } = setup();
    let outsideCalls = 0;
    registry.gauge('db.outside', () => ++outsideCalls);
    db.gauge('pool.size', async () => 4);
    expect(Object.keys(db.snapshot())).toEqual(['db']);
    expect(Object.keys(db.snapshot().db!)).toEqual(['query', 'errors', 'pool']);
    outsideCalls = 0;
    const tree = await db.collect();
    expect(tree).toMatchObject({ db: { pool: { size: { type: 'gauge', series: [{ value: 4, tags: { pool: 'main' } }] } } } });
    expect(outsideCalls).toBe(0);
    expect(Object.keys(db.snapshot((m) => m.type === 'timer').db!)).toEqual(['query']);
  });

  it('tells its listeners of its own series only', () => {
    const { registry, db } = setup();
    const seen: string[] = [];
    const off = db.addListener({ onAdded: (m) => void seen.push(`+${m.name}`), onRemoved: (m) => void seen.push(`-${m.name}`) });
    db.meter('rows');
    registry.meter('db.rows');
    registry.remove('db.rows', { pool: 'main' });
    off();
    db.meter('later');
    expect(seen).toEqual(['+db.rows', '-db.rows']);
  });

  it('nests: a scope of a scope joins prefixes and adds tags, and both read it back', () => {
    const { registry, db } = setup();
    const reads = db.scope('reads', { replica: 'r1' });
    expect(reads).toBeInstanceOf(Scope);
    expect(reads.prefix).toBe('db.reads');
    expect(reads.tags).toEqual({ pool: 'main', replica: 'r1' });
    const t = reads.timer('latency');
    expect(t.name).toBe('db.reads.latency');
    expect(t.tags).toEqual({ pool: 'main', replica: 'r1' });
    expect(names(reads)).toEqual(['db.reads.latency{"pool":"main","replica":"r1"}']);
    expect(db.size).toBe(3);
    expect([...db.metrics()]).toContain(t);
    const deeper = reads.scope('slow');
    expect(deeper.counter('n').name).toBe('db.reads.slow.n');
    expect(reads.size).toBe(2);
    expect(registry.get('db.reads.slow.n', { pool: 'main', replica: 'r1' })).toBe(deeper.counter('n'));
  });

  it('refuses to create what it could not read back: a scope tag changed by a metric or a nested scope', () => {
    const { db } = setup();
    expect(codeOf(() => db.counter('x', { tags: { pool: 'replica' } }))).toBe(ErrorCodes.INVALID_TAG);
    expect(codeOf(() => db.scope('y', { pool: 'replica' }))).toBe(ErrorCodes.INVALID_TAG);
    expect(db.counter('x', { tags: { pool: 'main' } })).toBe(db.counter('x'));
    expect(db.scope('y', { pool: 'main' }).tags).toEqual({ pool: 'main' });
  });

  it('checks its prefix and tags, and passes malformed options on to the registry', () => {
    const r = new Registry({ clock: new ManualClock() });
    expect(codeOf(() => r.scope('bad prefix'))).toBe(ErrorCodes.INVALID_NAME);
    expect(codeOf(() => r.scope('p', 5 as never))).toBe(ErrorCodes.INVALID_OPTION);
    expect(codeOf(() => r.scope('p', { '1x': 'v' }))).toBe(ErrorCodes.INVALID_TAG);
    const s = r.scope('s', { k: 'v' });
    expect(codeOf(() => s.counter('c', 5 as never))).toBe(ErrorCodes.INVALID_OPTION);
    expect(codeOf(() => s.counter('c', { tags: 'x' as never }))).toBe(ErrorCodes.INVALID_OPTION);
    expect(codeOf(() => s.gauge('g', 5 as never))).toBe(ErrorCodes.INVALID_OPTION);
    expect(r.size).toBe(0);
  });

  it('creates the same objects as the registry, gauges with or without callbacks', () => {
    const r = new Registry({ clock: new ManualClock() });
    const s = r.scope('app', { region: 'eu' });
    const g = s.gauge('temp');
    g.set(3);
    expect(r.get('app.temp', { region: 'eu' })).toBe(g);
    expect(s.gauge('temp', { tags: { region: 'eu' } })).toBe(g);
    expect(s.gauge('load', () => 1, { timeoutMs: 50 }).value).toBe(1);
    expect(s.histogram('h').tags).toEqual({ region: 'eu' });
    expect(s.invalidValues).toBe(0);
    g.set(Number.NaN);
    expect(s.invalidValues).toBe(1);
    expect(s.clock).toBe(r.clock);
  });
});

describe('the registry brand', () => {
  it('recognises registries and scopes, and nothing else', () => {
    const r = new Registry({ clock: new ManualClock() });
    expect(isRegistry(r)).toBe(true);
    expect(isRegistry(r.scope('s'))).toBe(true);
    for (const other of [null, undefined, {}, { registry: r }, 'registry', Registry]) expect(isRegistry(other)).toBe(false);
    expect(registryOf(readOptions('test', { registry: r.scope('s') }, REGISTRY_OPTION))).toBeInstanceOf(Scope);
  });

  it('recognises a registry from a second copy of the module, where instanceof fails', async () => {
    const path = '../../src/registry/registry.js?copy';
    const copy = (await import(/* @vite-ignore */ path)) as typeof import('../../src/registry/registry.js');
    expect(copy.Registry).not.toBe(Registry);
    const other = new copy.Registry({ clock: new ManualClock() });
    other.counter('from.the.copy').inc(2);
    expect(other instanceof Registry).toBe(false);
    expect(isRegistry(other)).toBe(true);
    expect(isRegistry(other.scope('from'))).toBe(true);
    const read = readOptions('test', { registry: other }, REGISTRY_OPTION);
    expect(registryOf(read)).toBe(other);
    expect(registryCheck(other, { where: 'test', path: 'registry', label: "option 'registry'", isOption: true, fail: () => { throw new Error('rejected'); } })).toBe(other);
    expect(registryOf(read).snapshot()).toEqual({ from: { the: { copy: { type: 'counter', count: 2 } } } });
  });
});
