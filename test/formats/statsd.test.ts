import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatStatsdNumber,
  resolveStatsdTarget,
  sanitizeStatsdName,
  sanitizeStatsdSetMember,
  sanitizeStatsdTag,
  StatsdFormat,
} from '../../src/formats/statsd.js';

const stats = {
  min: 1,
  max: 9,
  mean: 5,
  stddev: 2.5,
  p50: 5,
  p75: 7,
  p95: 9,
  p98: 9,
  p99: 9,
  p999: 9,
};

describe('StatsdFormat lines (golden)', () => {
  it('writes name:value|type with prefix, rate and DogStatsD tags', () => {
    const f = new StatsdFormat({ prefix: 'web.', globalTags: { env: 'prod' } });
    expect(f.line(f.series('jobs.done'), '', 1, 'c')).toBe('web.jobs.done:1|c|#env:prod');
    expect(f.line(f.series('jobs.done', { route: '/users/:id', a: 'b' }), '', 2, 'c', 0.25)).toBe(
      'web.jobs.done:2|c|@0.25|#a:b,env:prod,route:/users/_id',
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

  it('maps a counter, meter and distribution', () => {
    const f = new StatsdFormat();
    const out: string[] = [];
    f.counter(out, f.series('c'), 3);
    f.meter(out, f.series('m'), 2, { m1Rate: 0.5, m5Rate: 0.25, m15Rate: 0.125, meanRate: 1 });
    f.distribution(out, f.series('h'), 4, stats, false);
    f.distribution(out, f.series('empty'), 0, { ...stats, min: null }, false);
    f.distribution(out, f.series('sec'), 1, stats, true, { rateFactor: 1, durationFactor: 1000 });
    expect(out).toEqual([
      'c:3|c',
      'm.count:2|c',
      'm.m1_rate:0.5|g',
      'm.m5_rate:0.25|g',
      'm.m15_rate:0.125|g',
      'm.mean_rate:1|g',
      'h.count:4|c',
      'h.min:1|g',
      'h.max:9|g',
      'h.mean:5|g',
      'h.stddev:2.5|g',
      'h.p50:5|g',
      'h.p75:7|g',
      'h.p95:9|g',
      'h.p98:9|g',
      'h.p99:9|g',
      'h.p999:9|g',
      'empty.count:0|c',
      'sec.count:1|c',
      'sec.min:1000|g',
      'sec.max:9000|g',
      'sec.mean:5000|g',
      'sec.stddev:2500|g',
      'sec.p50:5000|g',
      'sec.p75:7000|g',
      'sec.p95:9000|g',
      'sec.p98:9000|g',
      'sec.p99:9000|g',
      'sec.p999:9000|g',
    ]);
  });

  it('rejects bad options with a coded error', () => {
    const code = { code: 'ERR_TAPEMEASURE_INVALID_OPTION' };
    expect(() => new StatsdFormat({ tagStyle: 'influx' as 'none' })).toThrow(expect.objectContaining(code));
    expect(() => new StatsdFormat({ globalTags: { a: 1 as unknown as string } })).toThrow(expect.objectContaining(code));
    expect(() => new StatsdFormat({ prefix: 3 as unknown as string })).toThrow(expect.objectContaining(code));
  });
});

describe('sanitising: nothing user-controlled can forge the wire', () => {
  const hostile = fc.string({ unit: 'binary', maxLength: 40 });
  // One StatsD line: name, value, type, optional rate, optional tags, in StatsD's own grammar.
  const LINE = /^[A-Za-z0-9_.-]+:-?[0-9.e+-]+\|(c|g|ms)(\|@[0-9.]+)?(\|#[A-Za-z0-9_./-]+:[A-Za-z0-9_./-]+(,[A-Za-z0-9_./-]+:[A-Za-z0-9_./-]+)*)?$/;

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

  it('sanitises names, tags and set members', () => {
    expect(sanitizeStatsdName('a:1|c\nb:2|c')).toBe('a_1_c_b_2_c');
    expect(sanitizeStatsdName('')).toBe('_');
    expect(sanitizeStatsdName('ok.name-1_x')).toBe('ok.name-1_x');
    expect(sanitizeStatsdTag('v,x:y|#z;w=q r')).toBe('v_x_y__z_w_q_r');
    expect(sanitizeStatsdSetMember('user@example.com')).toBe('user@example.com');
    expect(sanitizeStatsdSetMember('a:b|s\n')).toBe('a_b_s_');
  });
});

describe('resolveStatsdTarget', () => {
  it('prefers options, then STATSD_* variables, then defaults', () => {
    expect(resolveStatsdTarget({}, {})).toEqual({ host: '127.0.0.1', port: 8125, protocol: 'udp', prefix: '' });
    const env = { STATSD_HOST: 'statsd.local', STATSD_PORT: '9125', STATSD_PROTOCOL: 'TCP', STATSD_PREFIX: 'svc' };
    expect(resolveStatsdTarget({}, env)).toEqual({ host: 'statsd.local', port: 9125, protocol: 'tcp', prefix: 'svc' });
    expect(resolveStatsdTarget({ host: 'h', port: 1, protocol: 'udp', prefix: '' }, env)).toEqual({
      host: 'h',
      port: 1,
      protocol: 'udp',
      prefix: '',
    });
  });

  it('rejects bad values and names the variable', () => {
    expect(() => resolveStatsdTarget({}, { STATSD_PORT: 'abc' })).toThrow(/STATSD_PORT/);
    expect(() => resolveStatsdTarget({}, { STATSD_PROTOCOL: 'http' })).toThrow(/STATSD_PROTOCOL/);
    expect(() => resolveStatsdTarget({ port: 0 }, {})).toThrow(expect.objectContaining({ code: 'ERR_TAPEMEASURE_INVALID_OPTION' }));
  });
});
