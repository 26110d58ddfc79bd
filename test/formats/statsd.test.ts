import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { StatsdFormat } from '../../src/formats/statsd.js';
import { formatStatsdNumber } from '../../src/formats/statsd-sanitize.js';

describe('StatsdFormat lines (golden)', () => {
  it('writes name:value|type with prefix, rate and DogStatsD tags', () => {
    const f = new StatsdFormat({ prefix: 'web.', globalTags: { env: 'prod' } });
    expect(f.line(f.series('jobs.done'), '', 1, 'c')).toBe('web.jobs.done:1|c|#env:prod');
    expect(f.line(f.series('jobs.done', { route: '/users/:id', a: 'b' }), '', 2, 'c', 0.25)).toBe(
      'web.jobs.done:2|c|@0.25|#a:b,env:prod,route:_2Fusers_2F_3Aid',
    );
    expect(f.line(f.series('t'), '', 12.5, 'ms')).toBe('web.t:12.5|ms|#env:prod');
  });

  it('writes Telegraf tags after the name, and none when off', () => {
    const t = new StatsdFormat({ tagStyle: 'telegraf' });
    expect(t.line(t.series('a.b', { k: 'v', j: 'w' }), '', 3, 'g')).toBe('a.b,j=w,k=v:3|g');
    const n = new StatsdFormat({ tagStyle: 'none', globalTags: { env: 'x' } });
    expect(n.line(n.series('a.b', { k: 'v' }), '', 3, 'g')).toBe('a.b:3|g');
  });

  it('lets a metric tag override a global tag of the same key', () => {
    const f = new StatsdFormat({ globalTags: { env: 'prod', dc: 'eu' } });
    expect(f.line(f.series('x', { env: 'dev' }), '', 1, 'c')).toBe('x:1|c|#dc:eu,env:dev');
  });

  it('inserts sprockets-statsd type prefixes', () => {
    const f = new StatsdFormat({ prefix: 'app', typePrefixes: true });
    const s = f.series('x');
    expect(f.line(s, '', 1, 'c')).toBe('app.counters.x:1|c');
    expect(f.line(s, '', 1, 'g')).toBe('app.gauges.x:1|g');
    expect(f.line(s, '', 1, 'ms')).toBe('app.timers.x:1|ms');
    expect(f.line(s, '', 'm', 's')).toBe('app.sets.x:m|s');
  });

  it('sets negative gauges with a 0|g first, in one record', () => {
    const f = new StatsdFormat();
    const s = f.series('temp');
    expect(f.gauge(s, '', -5.5)).toBe('temp:0|g\ntemp:-5.5|g');
    expect(f.gauge(s, '', 3)).toBe('temp:3|g');
    expect(f.gauge(s, '', 0)).toBe('temp:0|g');
    expect(f.gaugeDelta(s, '', 4)).toBe('temp:+4|g');
    expect(f.gaugeDelta(s, '', -4)).toBe('temp:-4|g');
  });

  it('never writes NaN or infinities', () => {
    const f = new StatsdFormat();
    const s = f.series('x');
    expect(f.line(s, '', Number.NaN, 'c')).toBeNull();
    expect(f.gauge(s, '', Number.POSITIVE_INFINITY)).toBeNull();
    expect(formatStatsdNumber(-0)).toBe('0');
    expect(formatStatsdNumber(1e-7)).toBe('1e-7');
  });

  it('never throws for names and tags that are not strings (a client hot path)', () => {
    const f = new StatsdFormat();
    expect(f.line(f.series(5 as unknown as string, { k: 7 as unknown as string }), '', 1, 'c')).toBe('5:1|c|#k:7');
    expect(f.line(f.series(Symbol('s') as unknown as string, 3 as never), '', 1, 'c')).toBe('Symbol_28s_29:1|c');
  });
});

describe('StatsdFormat options', () => {
  const invalid: unknown = expect.objectContaining({ code: ErrorCodes.INVALID_OPTION });
  it.each([
    ['prefix', 3],
    ['prefix', null],
    ['tagStyle', 'influx'],
    ['tagStyle', 1],
    ['typePrefixes', 'yes'],
    ['globalTags', { a: 1 }],
    ['globalTags', { 'bad key': 'v' }],
    ['globalTags', { k: '' }],
    ['globalTags', 'env:prod'],
    ['globalTags', ['a']],
  ])('rejects %s = %j', (key, value) => {
    expect(() => new StatsdFormat({ [key]: value })).toThrow(invalid);
  });

  it('rejects an unknown key with a suggestion', () => {
    expect(() => new StatsdFormat({ prefx: 'a' } as never)).toThrow(
      expect.objectContaining({ code: ErrorCodes.UNKNOWN_OPTION, suggestion: 'prefix' }),
    );
    expect(() => new StatsdFormat({ globalTag: {} } as never)).toThrow(
      expect.objectContaining({ code: ErrorCodes.UNKNOWN_OPTION, suggestion: 'globalTags' }),
    );
    expect(() => new StatsdFormat(7 as never)).toThrow(invalid);
  });
});

describe('sanitising: nothing user-controlled can forge the wire', () => {
  const hostile = fc.string({ unit: 'binary', maxLength: 40 });
  // One StatsD line: name, value, type, optional rate, optional tags, in StatsD's own grammar.
  const LINE = /^[A-Za-z0-9_.-]+:-?[0-9.e+-]+\|(c|g|ms)(\|@[0-9.]+)?(\|#[A-Za-z0-9_.-]*:[A-Za-z0-9_.-]*(,[A-Za-z0-9_.-]*:[A-Za-z0-9_.-]*)*)?$/;

  it('keeps every line one well-formed line, whatever the name and tags', () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, hostile, (prefix, name, key, value) => {
        const f = new StatsdFormat({ prefix: prefix === '' ? 'p' : prefix });
        const line = f.line(f.series(name, { [key === '' ? 'k' : key]: value }), '', 1, 'c', 0.5)!;
        expect(line.includes('\n')).toBe(false);
        expect(line).toMatch(LINE);
      }),
    );
  });

  it('telegraf lines keep exactly one name:value|type split', () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, (name, key, value) => {
        const f = new StatsdFormat({ tagStyle: 'telegraf' });
        const line = f.line(f.series(name, { [key === '' ? 'k' : key]: value }), '', 1, 'c')!;
        expect(line.split(':')).toHaveLength(2);
        expect(line.split('|')).toHaveLength(2);
        expect(line.split(',')).toHaveLength(2);
        expect(line.split('=')).toHaveLength(2);
        expect(line).not.toMatch(/[\s#;]/);
      }),
    );
  });
});
