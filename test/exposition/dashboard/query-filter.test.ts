import { describe, expect, it } from 'vitest';
import { compileQueryFilter, MAX_FILTER_WORDS } from '../../../src/exposition/dashboard/query-filter.js';
import { globSteps } from '../../../src/reporters/select.js';

const series = [
  { name: 'http.server.requests', tags: { route: '/users/:id', method: 'GET', status: '2xx' } },
  { name: 'http.server.requests', tags: { route: '/search', method: 'GET', status: '5xx' } },
  { name: 'runtime.memory.heap_used_bytes', tags: {} },
  { name: 'db.query', tags: { db: 'orders.v2' } },
];

function names(text: string): string[] {
  const match = compileQueryFilter(text);
  return series.filter((s) => match === undefined || match(s.name, s.tags)).map((s) => `${s.name}${s.tags.route ?? ''}`);
}

describe('the filter box', () => {
  it('selects everything when empty or blank', () => {
    expect(compileQueryFilter('')).toBeUndefined();
    expect(compileQueryFilter('   ')).toBeUndefined();
  });

  it('finds plain words anywhere in the name', () => {
    expect(names('heap')).toEqual(['runtime.memory.heap_used_bytes']);
    expect(names('query')).toEqual(['db.query']);
  });

  it('matches globs against the whole name, as ?filter= does', () => {
    expect(names('http.*.requests')).toEqual(['http.server.requests/users/:id', 'http.server.requests/search']);
    expect(names('runtime.**')).toEqual(['runtime.memory.heap_used_bytes']);
    expect(names('*.query')).toEqual(['db.query']);
    expect(names('http.*')).toEqual([]);
  });

  it('matches key=value and key:value words against tags, exactly or with wildcards', () => {
    expect(names('status=5xx')).toEqual(['http.server.requests/search']);
    expect(names('route:/users/:id')).toEqual(['http.server.requests/users/:id']);
    expect(names('route=/users/*')).toEqual(['http.server.requests/users/:id']);
    expect(names('db=orders.*')).toEqual(['db.query']);
    expect(names('db=orders')).toEqual([]);
    expect(names('method=GET status=2?x')).toEqual(['http.server.requests/users/:id']);
  });

  it('needs every word to match', () => {
    expect(names('http method=GET status=5xx')).toEqual(['http.server.requests/search']);
    expect(names('http heap')).toEqual([]);
  });

  it('is bounded: long input is cut, words beyond the limit ignored, and a hostile glob never backtracks', () => {
    const many = Array.from({ length: MAX_FILTER_WORDS }, () => 'http').join(' ');
    expect(names(`${many} nothing-matches-this`)).toHaveLength(2);
    const hostile = `${'*a'.repeat(120)}b`;
    const match = compileQueryFilter(`route=${hostile}`)!;
    // Work counted in the glob automaton's steps, not timed: at most every state per
    // character (a backtracking matcher would take ~2^120 steps here).
    const states = hostile.length + 2;
    for (const [route, expected] of [['a'.repeat(256), false], [`${'a'.repeat(255)}b`, true]] as const) {
      const before = globSteps();
      expect(match('x', { route })).toBe(expected);
      expect(globSteps() - before).toBeLessThanOrEqual(route.length * states);
    }
  });
});
