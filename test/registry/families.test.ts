import { describe, expect, it } from 'vitest';
import { ErrorCodes, MetricsError } from '../../src/index.js';
import { NO_OPTIONS } from '../../src/registry/conflicts.js';
import { Families } from '../../src/registry/families.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(MetricsError);
    return (error as MetricsError).code;
  }
  return undefined;
}

describe('Families', () => {
  it('keeps a name a leaf or a branch, never both', () => {
    const f = new Families();
    f.add('a.b', 'counter', NO_OPTIONS);
    expect(codeOf(() => f.add('a.b.c', 'counter', NO_OPTIONS))).toBe(ErrorCodes.TREE_CONFLICT);
    expect(codeOf(() => f.add('a', 'meter', NO_OPTIONS))).toBe(ErrorCodes.TREE_CONFLICT);
    expect(f.add('a.c', 'counter', NO_OPTIONS).name).toBe('a.c');
    expect([...f.values()].map((family) => family.name)).toEqual(['a.b', 'a.c']);
  });

  it('frees a name and its branches with the last series', () => {
    const f = new Families();
    const family = f.add('x.y.z', 'counter', NO_OPTIONS);
    const metric = { tags: Object.freeze({}) } as never;
    family.series.set(Object.freeze({}), metric);
    expect(codeOf(() => f.add('x.y', 'counter', NO_OPTIONS))).toBe(ErrorCodes.TREE_CONFLICT);
    f.removeSeries(family, metric);
    expect(f.get('x.y.z')).toBeUndefined();
    expect(f.add('x.y', 'counter', NO_OPTIONS).name).toBe('x.y');
  });
});
