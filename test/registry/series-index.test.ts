import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeTags } from '../../src/names.js';
import { SeriesIndex } from '../../src/registry/series-index.js';

const tagSets = fc.array(
  fc.dictionary(fc.constantFrom('a', 'b', 'c', 'method', 'route'), fc.constantFrom('1', '2', 'GET', '/x'), { maxKeys: 4 }),
  { maxLength: 30 },
);

describe('SeriesIndex', () => {
  it('finds exactly what was stored, whatever the key order, and forgets what was deleted', () => {
    fc.assert(
      fc.property(tagSets, fc.array(fc.nat(29)), (sets, deletions) => {
        const index = new SeriesIndex<string>();
        const model = new Map<string, string>();
        const keyOf = (t: Record<string, string>): string => JSON.stringify(normalizeTags(t, 'x'));
        for (const raw of sets) {
          const tags = normalizeTags(raw, 'x');
          const key = keyOf(raw);
          if (!model.has(key)) {
            model.set(key, key);
            index.set(tags, key);
          }
        }
        for (const d of deletions) {
          const raw = sets[d];
          if (raw === undefined) continue;
          const key = keyOf(raw);
          if (model.has(key)) {
            index.delete(normalizeTags(raw, 'x'), key);
            model.delete(key);
          }
        }
        expect(index.size).toBe(model.size);
        for (const raw of sets) {
          const reversed = Object.fromEntries(Object.entries(raw).reverse());
          expect(index.get(raw)).toBe(model.get(keyOf(raw)));
          expect(index.get(reversed)).toBe(model.get(keyOf(raw)));
        }
        expect(index.get({ zzz: 'nope' })).toBeUndefined();
        expect(index.get({ a: 1 as unknown as string })).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the untagged series at the root', () => {
    const index = new SeriesIndex<number>();
    index.set(normalizeTags(undefined, 'x'), 1);
    expect(index.get(undefined)).toBe(1);
    expect(index.get({})).toBe(1);
  });
});
