import { describe, expect, it } from 'vitest';
import {
  graphitePath,
  graphiteSuffixed,
  sanitizeGraphitePath,
  sanitizeGraphiteTagKey,
  sanitizeGraphiteTagValue,
} from '../../src/formats/graphite-path.js';

describe('graphitePath', () => {
  it('writes tags in Graphite 1.1 form, sorted as carbon sorts them', () => {
    expect(graphitePath('http.requests')).toBe('http.requests');
    expect(graphitePath('http.requests', {})).toBe('http.requests');
    expect(graphitePath('http.requests', { route: '/users/:id', method: 'GET' })).toBe(
      'http.requests;method=GET;route=/users/:id',
    );
    // carbon sorts the ";k=v" strings, so "a-b" sorts before "a" ("-" < "=")
    expect(graphitePath('m', { a: '1', 'a-b': '2' })).toBe('m;a-b=2;a=1');
  });

  it('puts a suffix before the tags', () => {
    expect(graphiteSuffixed('a.b', 'p99')).toBe('a.b.p99');
    expect(graphiteSuffixed('a.b;k=v', 'p99')).toBe('a.b.p99;k=v');
    expect(graphiteSuffixed('a.b;k=v', '')).toBe('a.b;k=v');
  });

  it('sanitises what could forge a line, a field or a tag', () => {
    expect(sanitizeGraphitePath('a b\nc;d\te\r\u2028f\u0085g')).toBe('a_b_c_d_e__f_g');
    expect(graphitePath('evil\n x 1 1\nstolen', { k: 'v\n1 2;x=y' })).toBe('evil__x_1_1_stolen;k=v_1_2_x=y');
    expect(sanitizeGraphiteTagKey('a=b;c!d^e f')).toBe('a_b_c_d_e_f');
    expect(sanitizeGraphiteTagKey('')).toBe('_');
    expect(sanitizeGraphiteTagKey('name')).toBe('name_');
    expect(sanitizeGraphiteTagValue('~regex')).toBe('_regex');
    expect(sanitizeGraphiteTagValue('')).toBe('_');
    expect(sanitizeGraphiteTagValue('a=b')).toBe('a=b');
  });

  it('never throws for values that are not strings (a client hot path)', () => {
    expect(graphitePath('a', { n: 5 as unknown as string, s: Symbol('x') as unknown as string })).toBe('a;n=5;s=Symbol(x)');
    expect(graphitePath('a', 7 as never)).toBe('a');
    expect(sanitizeGraphitePath(12 as unknown as string)).toBe('12');
    expect(sanitizeGraphiteTagKey(null as unknown as string)).toBe('null');
  });

  it('keeps unicode that is not whitespace', () => {
    expect(graphitePath('caf\u00e9.\u6e2c\u5b9a', { city: 'Z\u00fcrich' })).toBe('caf\u00e9.\u6e2c\u5b9a;city=Z\u00fcrich');
  });
});
