// Regression: the JSON tree of the pull endpoint and the JSON stream (SnapshotTreeBuilder)
// told a branch from a leaf by a `type` key, so the metric `a.type` made the branch `a`
// look like a leaf, and `a.b` then replaced it: `a.type` disappeared from the output.
import { describe, expect, it } from 'vitest';
import { buildSnapshotTree } from '../../src/registry/snapshot-tree.js';

describe('the JSON tree keeps a metric named a.type next to a.b', () => {
  it('keeps both', () => {
    const tree = buildSnapshotTree([
      { name: 'a.type', tags: {}, snapshot: { type: 'counter', count: 1 } },
      { name: 'a.b', tags: {}, snapshot: { type: 'counter', count: 2 } },
    ]);
    expect(tree).toEqual({ a: { type: { type: 'counter', count: 1 }, b: { type: 'counter', count: 2 } } });
  });
});
