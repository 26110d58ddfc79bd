import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { Registry } from '../../src/registry/registry.js';
import { compileSelector, globMatcher, globSetMatcher, globSteps } from '../../src/reporters/select.js';

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

  it('agrees with the oracle for sets of globs (one automaton, any may match)', () => {
    const pattern = fc.array(fc.constantFrom('a', 'b', '.', '*', '?', '**'), { maxLength: 6 }).map((a) => a.join(''));
    const name = fc.array(fc.constantFrom('a', 'b', '.', 'c'), { maxLength: 10 }).map((a) => a.join(''));
    fc.assert(
      fc.property(fc.array(pattern, { minLength: 1, maxLength: 4 }), name, (ps, n) => {
        expect(globSetMatcher(ps)(n)).toBe(ps.some((p) => globOracle(p.split('.'), n.split('.'))));
      }),
      { numRuns: 1_000 },
    );
  });

  it('matches characters outside ASCII literally', () => {
    expect(globMatcher('é*.ü?')('éa.üx')).toBe(true);
    expect(globMatcher('é*.ü?')('ea.üx')).toBe(false);
  });

  // Work counted in steps, not timed: hostile globs can come from a URL.
  const stepsOf = (match: (name: string) => boolean, name: string): number => {
    const before = globSteps();
    match(name);
    return globSteps() - before;
  };

  it.each([
    ['many stars', `${'*a'.repeat(40)}b`, (n: number) => 'a'.repeat(n)],
    ['many ** segments', `${'**.a.'.repeat(20)}b`, (n: number) => Array(n).fill('a').join('.')],
    ['stars and ** mixed', `**.*a*a*a*a*.**.*b?b*`, (n: number) => 'ab.'.repeat(n)],
  ])('reads each character once, with no backtracking: %s', (_what, glob, nameOf) => {
    const match = globMatcher(glob);
    const patternStates = glob.length + glob.split('.').length;
    // The first pass builds the transitions it needs (at most every state visited per new one).
    const first = stepsOf(match, nameOf(2_000));
    expect(first).toBeLessThanOrEqual(nameOf(2_000).length * (patternStates + 1));
    // Then every character is one step: work is the length of the name, however hostile the glob.
    for (const n of [1_000, 4_000, 16_000]) {
      const name = nameOf(n);
      expect(stepsOf(match, name)).toBeLessThanOrEqual(name.length + patternStates * patternStates);
    }
    // Doubling the name doubles the work, at most.
    const a = stepsOf(match, nameOf(8_000));
    const b = stepsOf(match, nameOf(16_000));
    expect(b).toBeLessThanOrEqual(2 * a + patternStates);
  });

  it('bounds its cache, and stays linear in the name when the cache is full', () => {
    // 64 globs of distinct literals: many state sets; names of random letters fill the cache.
    const globs = Array.from({ length: 64 }, (_, i) => `*${String.fromCharCode(97 + (i % 26))}${i}*`);
    const match = globSetMatcher(globs);
    const states = globs.reduce((n, g) => n + g.length + 1, 0);
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'b', 'c', '1', '2', '3', '4'), maxLength: 200 }), (name) => {
        expect(stepsOf(match, name)).toBeLessThanOrEqual(name.length * (states + 1));
        expect(match(name)).toBe(globs.some((g) => globOracle(g.split('.'), name.split('.'))));
      }),
      { numRuns: 300 },
    );
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
