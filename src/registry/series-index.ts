/**
 * The series of one metric name, indexed by tags for lookups that build no strings.
 *
 * A trie of Maps: for each tag in key order, a Map from key to a Map from value to the
 * next node; the series sits in its node under the key `''` (never a valid tag key).
 * Looking up `{ method: 'GET', route: '/users/:id' }` is four `Map.get`s on strings whose
 * hashes V8 has usually cached already, instead of sorting, joining and hashing a new key
 * string on every call.
 *
 * @module
 */

import type { Tags } from '../names.js';

type Node = Map<string, unknown>;

const LEAF = '';

function sortedKeys(tags: Tags): boolean {
  let previous = '';
  for (const key in tags) {
    if (key <= previous) return false;
    previous = key;
  }
  return true;
}

/**
 * The series under `tags` looked up in key order (a module function, not a private
 * method: a private method costs every index a brand field).
 */
function getSorted(root: Node | null, tags: Tags): unknown {
  let node = root;
  for (const key of Object.keys(tags).sort()) {
    const value = tags[key];
    if (node === null || typeof value !== 'string') return undefined;
    const next = (node.get(key) as Node | undefined)?.get(value) as Node | undefined;
    if (next === undefined) return undefined;
    node = next;
  }
  return node?.get(LEAF);
}

/** @internal */
export class SeriesIndex<T> {
  /** The untagged series, kept apart: most names have only this one. */
  #untagged: T | undefined = undefined;
  /** The tagged series; created with the first one. */
  #root: Node | null = null;
  #tagged: Set<T> | null = null;

  /** The number of series. */
  get size(): number {
    return (this.#untagged === undefined ? 0 : 1) + (this.#tagged?.size ?? 0);
  }

  /** Every series: the untagged one first, then the tagged ones in insertion order. */
  *values(): IterableIterator<T> {
    if (this.#untagged !== undefined) yield this.#untagged;
    if (this.#tagged !== null) yield* this.#tagged;
  }

  /**
   * The series with exactly these tags. Tolerates anything as input (unsorted keys,
   * non-string values, not an object): what was never stored is simply not found.
   */
  get(tags: Tags | undefined): T | undefined {
    let node = this.#root;
    if (tags !== undefined) {
      if (typeof tags !== 'object' || tags === null) return undefined;
      let previous = '';
      for (const key in tags) {
        if (node === null) return undefined;
        if (key <= previous) return getSorted(this.#root, tags) as T | undefined;
        previous = key;
        const value = tags[key];
        if (typeof value !== 'string') return undefined;
        const next = (node.get(key) as Node | undefined)?.get(value) as Node | undefined;
        // A miss is final only if the keys are in order; otherwise look again, sorted.
        if (next === undefined) return sortedKeys(tags) ? undefined : getSorted(this.#root, tags) as T | undefined;
        node = next;
      }
      if (previous !== '') return node?.get(LEAF) as T | undefined;
    }
    return this.#untagged;
  }

  /** Stores a series under normalized (validated, key-sorted) tags. */
  set(tags: Tags, series: T): void {
    let node: Node | null = null;
    for (const key in tags) {
      node ??= this.#root ??= new Map();
      let byValue = node.get(key) as Node | undefined;
      if (byValue === undefined) {
        byValue = new Map();
        node.set(key, byValue);
      }
      const value = tags[key]!;
      let next = byValue.get(value) as Node | undefined;
      if (next === undefined) {
        next = new Map();
        byValue.set(value, next);
      }
      node = next;
    }
    if (node === null) {
      this.#untagged = series;
      return;
    }
    node.set(LEAF, series);
    (this.#tagged ??= new Set()).add(series);
  }

  /** Removes the series under normalized tags, pruning emptied nodes. */
  delete(tags: Tags, series: T): void {
    const path: [Node, string, Node, string][] = [];
    let node = this.#root;
    for (const key in tags) {
      const byValue = node?.get(key) as Node | undefined;
      const value = tags[key]!;
      const next = byValue?.get(value) as Node | undefined;
      if (node === null || byValue === undefined || next === undefined) return;
      path.push([node, key, byValue, value]);
      node = next;
    }
    if (path.length === 0) {
      if (this.#untagged === series) this.#untagged = undefined;
      return;
    }
    this.#tagged?.delete(series);
    node!.delete(LEAF);
    for (let i = path.length - 1; i >= 0 && node!.size === 0; i--) {
      const [parent, key, byValue, value] = path[i]!;
      byValue.delete(value);
      if (byValue.size === 0) parent.delete(key);
      node = parent;
    }
  }
}
