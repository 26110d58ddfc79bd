import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePercent, hostileString } from '../servers/wire-strings.js';
import {
  graphitePath,
  graphitePathFits,
  graphitePathProblem,
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

  it('escapes what could forge a line, a field, a tag or a series, reversibly (%XX)', () => {
    expect(sanitizeGraphitePath('a b\nc;d\te\r\u2028f\u0085g')).toBe('a%20b%0Ac%3Bd%09e%0D%E2%80%A8f%C2%85g');
    expect(decodeURIComponent(sanitizeGraphitePath('a b\nc;d\te\r\u2028f\u0085g'))).toBe('a b\nc;d\te\r\u2028f\u0085g');
    expect(graphitePath('evil\n x 1 1\nstolen', { k: 'v\n1 2;x=y' })).toBe('evil%0A%20x%201%201%0Astolen;k=v%0A1%202%3Bx=y');
    expect(sanitizeGraphiteTagKey('a=b;c!d^e f')).toBe('a%3Db%3Bc%21d%5Ee%20f');
    expect(sanitizeGraphiteTagKey('name')).toBe('%6Eame');
    expect(sanitizeGraphiteTagKey('name_')).toBe('name_');
    expect(sanitizeGraphiteTagValue('~regex')).toBe('%7Eregex');
    expect(sanitizeGraphiteTagValue('a~b')).toBe('a~b');
    expect(sanitizeGraphiteTagValue('a=b')).toBe('a=b');
    expect(sanitizeGraphiteTagValue('100%')).toBe('100%25');
    // issue 11 #2: carbon reads a path with `{` that ends in `"}` as OpenMetrics tags
    expect(graphitePath('m', { route: 'x{method="POST",zz="1"}' })).toBe('m;route=x{method=%22POST%22,zz=%221%22}');
    expect(sanitizeGraphitePath('m{method="POST"}')).toBe('m{method=%22POST%22}');
    // whisper stores a.b as a/b.wsp: `/` would be a directory, `..` would leave the storage
    expect(sanitizeGraphitePath('a/../../etc')).toBe('a%2F..%2F..%2Fetc');
    // carbon strips a leading `~` from names; `_tagged` is where carbon keeps tagged series
    expect(sanitizeGraphitePath('~a.b')).toBe('%7Ea.b');
    expect(sanitizeGraphitePath('_tagged.abc.def')).toBe('%5Ftagged.abc.def');
    expect(sanitizeGraphitePath('_taggedx.y')).toBe('_taggedx.y');
    // an unpaired surrogate is kept apart from U+FFFD and from every other one
    expect(sanitizeGraphitePath('\ud800')).toBe('%ED%A0%80');
    expect(sanitizeGraphitePath('\ud801')).toBe('%ED%A0%81');
    expect(sanitizeGraphitePath('\ufffd')).toBe('\ufffd');
  });

  it('says which paths carbon could not store as their own series', () => {
    expect(graphitePathProblem('a.b')).toBeNull();
    expect(graphitePathProblem('a.b;k=v;k2=v=2')).toBeNull();
    expect(graphitePathProblem('')).not.toBeNull();
    expect(graphitePathProblem('a..b')).not.toBeNull(); // the file a/b.wsp, as a.b
    expect(graphitePathProblem('.a')).not.toBeNull();
    expect(graphitePathProblem('a.')).not.toBeNull();
    expect(graphitePathProblem('a..b;k=v')).not.toBeNull();
    expect(graphitePathProblem('a;k=')).not.toBeNull();
    expect(graphitePathProblem('a;=v')).not.toBeNull();
    expect(graphitePathProblem('a;k')).not.toBeNull();
    // a file name has at most 255 bytes: `.wsp` is added to the last segment
    expect(graphitePathProblem(`${'x'.repeat(255)}.y`)).toBeNull();
    expect(graphitePathProblem(`${'x'.repeat(256)}.y`)).not.toBeNull();
    expect(graphitePathProblem(`y.${'x'.repeat(251)}`)).toBeNull();
    expect(graphitePathProblem(`y.${'x'.repeat(252)}`)).not.toBeNull();
    expect(graphitePathProblem(`y.${'\u00e9'.repeat(125)}`)).toBeNull(); // 250 bytes
    expect(graphitePathProblem(`y.${'\u00e9'.repeat(126)}`)).not.toBeNull(); // 252 bytes
    // tagged series are stored under a hash: long segments are fine, long lines are not
    expect(graphitePathProblem(`${'x'.repeat(300)};k=v`)).toBeNull();
    expect(graphitePathProblem(`a;k=${'v'.repeat(16_384)}`)).not.toBeNull();
    expect(graphitePathProblem(Array.from({ length: 2000 }, () => 'ab').join('.'))).not.toBeNull(); // 5999 bytes
  });

  it('never throws for values that are not strings (a client hot path)', () => {
    expect(graphitePath('a', { n: 5 as unknown as string, s: Symbol('x') as unknown as string })).toBe('a;n=5;s=Symbol(x)');
    expect(graphitePath('a', { n: '' })).toBe('a;n='); // not storable: see graphitePathProblem
    expect(graphitePath('a', 7 as never)).toBe('a');
    expect(sanitizeGraphitePath(12 as unknown as string)).toBe('12');
    expect(sanitizeGraphiteTagKey(null as unknown as string)).toBe('null');
  });

  it('keeps unicode that is not whitespace', () => {
    expect(graphitePath('caf\u00e9.\u6e2c\u5b9a', { city: 'Z\u00fcrich' })).toBe('caf\u00e9.\u6e2c\u5b9a;city=Z\u00fcrich');
  });
});

describe('graphitePathFits', () => {
  it('agrees with graphitePathProblem and with the rules written out, on any path', () => {
    const piece = fc.oneof(fc.constantFrom('.', ';', '=', 'a', 'b', '\u00e9', '\ud83d\ude00', '\u6e2c'), fc.constantFrom('x'.repeat(120), 'y'.repeat(251), 'z'.repeat(256)));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 20 }), (parts) => {
        const path = parts.join('');
        const semi = path.indexOf(';');
        const name = semi === -1 ? path : path.slice(0, semi);
        const segments = name.split('.');
        const bytes = (t: string): number => Buffer.byteLength(t, 'utf8');
        let fits = name !== '' && segments.every((x) => x !== '');
        if (fits && semi === -1) {
          fits = segments.every((x, i) => bytes(x) <= (i === segments.length - 1 ? 251 : 255)) && bytes(name) <= 3584;
        } else if (fits) {
          fits = path.slice(semi + 1).split(';').every((pair) => pair.indexOf('=') > 0 && pair.indexOf('=') < pair.length - 1) && bytes(path) <= 16_384 - 40;
        }
        expect(graphitePathFits(path)).toBe(fits);
        expect(graphitePathProblem(path) === null).toBe(fits);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('Graphite escape: reversible, and nothing carbon reads specially survives', () => {
  const any = fc.oneof(hostileString(20), fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom('%', '~', '"', '}', '{', '.', '\ud800', 'x') }));
  it('paths, tag keys and tag values decode back to exactly the string', () => {
    fc.assert(
      fc.property(any, (s) => {
        const path = sanitizeGraphitePath(s);
        expect(decodePercent(path)).toBe(s);
        // eslint-disable-next-line no-control-regex -- what carbon splits on must be gone
        expect(path).not.toMatch(/[\s\u0000-\u001f\u007f-\u009f;"/]|^~|^_tagged(\.|$)/);
        const key = sanitizeGraphiteTagKey(s);
        expect(decodePercent(key)).toBe(s);
        expect(key).not.toMatch(/[;!^="]/);
        const value = sanitizeGraphiteTagValue(s);
        expect(decodePercent(value)).toBe(s);
        expect(value).not.toMatch(/[;"]|^~/);
        // never the OpenMetrics form carbon would turn into tags
        expect(graphitePath(`m${s}`, { k: `${s}"}` }).endsWith('"}')).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });
});
