import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { Registry } from '../../src/registry/registry.js';
import { compileSelector, globMatcher } from '../../src/reporters/select.js';

/** A slow, obviously correct matcher: the oracle. */
function segmentOracle(p: string, s: string): boolean {
  if (p === '') return s === '';
  if (p[0] === '*') return [...Array(s.length + 1).keys()].some((k) => segmentOracle(p.slice(1), s.slice(k)));
  return s !== '' && (p[0] === '?' || p[0] === s[0]) && segmentOracle(p.slice(1), s.slice(1));
}

function globOracle(ps: string[], ns: string[]): boolean {
  if (ps.length === 0) return ns.length === 0;
  if (ps[0] === '**') return [...Array(ns.length + 1).keys()].some((k) => globOracle(ps.slice(1), ns.slice(k)));
  return ns.length > 0 && segmentOracle(ps[0]!, ns[0]!) && globOracle(ps.slice(1), ns.slice(1));
}

describe('globMatcher', () => {
  it('agrees with a brute-force oracle', () => {
    const pattern = fc.array(fc.constantFrom('a', 'b', '.', '*', '?', '**'), { maxLength: 8 }).map((a) => a.join(''));
    const name = fc.array(fc.constantFrom('a', 'b', '.'), { maxLength: 10 }).map((a) => a.join(''));
    fc.assert(
      fc.property(pattern, name, (p, n) => {
        expect(globMatcher(p)(n)).toBe(globOracle(p.split('.'), n.split('.')));
      }),
      { numRuns: 2_000 },
    );
  });

  it('matches the documented examples', () => {
    expect(globMatcher('db.**')('db.pool.idle')).toBe(true);
    expect(globMatcher('**.errors')('http.get.errors')).toBe(true);
    expect(globMatcher('http.*.count')('http.get.count')).toBe(true);
    expect(globMatcher('http.*.count')('http.get.x.count')).toBe(false);
    expect(globMatcher('http.g?t')('http.get')).toBe(true);
  });

  it('stays fast on hostile globs (they can come from a URL)', () => {
    const hostile = globMatcher(`${'*a'.repeat(40)}b`);
    const started = performance.now();
    for (let i = 0; i < 100; i++) expect(hostile('a'.repeat(255))).toBe(false);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('compileSelector', () => {
  const registry = new Registry({ clock: new ManualClock() });
  const metric = registry.counter('http.requests');
  it('reads strings without wildcards as prefixes and arrays as any-of', () => {
    expect(compileSelector('http.req', 'x')!(metric)).toBe(true);
    expect(compileSelector(['db.', 'http.*'], 'x')!(metric)).toBe(true);
    expect(compileSelector([], 'x')!(metric)).toBe(false);
    expect(compileSelector('', 'x')).toBeUndefined();
    expect(() => compileSelector([3] as never, 'x')).toThrow(expect.objectContaining({ code: 'ERR_TAPEMEASURE_INVALID_OPTION' }) as Error);
    expect(() => compileSelector({} as never, 'x')).toThrow(expect.objectContaining({ code: 'ERR_TAPEMEASURE_INVALID_OPTION' }) as Error);
  });
});
