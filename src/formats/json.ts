/**
 * The JSON format: the snapshot tree (`registry.snapshot()`'s shape) built from series
 * that a reporter has read, and the newline-delimited documents of the JSON stream.
 * Pure: no I/O, no clock.
 *
 * @module
 */

import type { Tags } from '../names.js';
import type { MetricSnapshot, SnapshotTree, TaggedSnapshot } from '../registry/snapshot.js';

/** What the tree needs of one series. */
export type JsonSeries = {
  /** The dotted name. */
  readonly name: string;
  /** The series' tags; an empty object for none. */
  readonly tags: Tags;
  /** Its snapshot. */
  readonly snapshot: MetricSnapshot;
};

/**
 * One document of the JSON stream: when, and the snapshot tree.
 *
 * @example
 * ```json
 * {"timestamp":"2026-11-21T10:00:10.000Z","timestampMs":1795255210000,"metrics":{"http":{"requests":{"type":"meter","count":3,...}}}}
 * ```
 */
export type JsonReportDocument = {
  /** The report's time, ISO 8601 in UTC. */
  readonly timestamp: string;
  /** The same time in epoch milliseconds. */
  readonly timestampMs: number;
  /** The snapshot tree of the reported series. */
  readonly metrics: SnapshotTree;
};

type TreeFamily = {
  /** The branch holding the leaf, or null if the name collides with a branch. */
  readonly node: Record<string, unknown> | null;
  readonly key: string;
  tagged: boolean;
  leaf: { readonly type: MetricSnapshot['type']; readonly series: TaggedSnapshot[] } | null;
  readonly list: JsonSeries[];
};

function hasTags(tags: Tags): boolean {
  for (const _ in tags) return true;
  return false;
}

/**
 * Builds the snapshot tree one series at a time (see {@link buildSnapshotTree}), so that
 * the caller can pause between series.
 */
export class SnapshotTreeBuilder {
  readonly #root = Object.create(null) as Record<string, unknown>;
  readonly #families = new Map<string, TreeFamily>();

  /**
   * Adds one series.
   *
   * @param series - the series; series of one name need not be adjacent.
   */
  add(series: JsonSeries): void {
    let family = this.#families.get(series.name);
    if (family === undefined) {
      family = this.#family(series.name);
      this.#families.set(series.name, family);
    }
    family.list.push(series);
    if (family.node === null) return;
    const current = family.node[family.key];
    if (current !== undefined && typeof current === 'object' && current !== null && !('type' in current)) {
      // Another name turned this leaf into a branch (only possible with series from
      // outside one registry): the branch wins.
      return;
    }
    if (!family.tagged && hasTags(series.tags)) {
      family.tagged = true;
      family.leaf = { type: series.snapshot.type, series: family.list.map((s) => ({ ...s.snapshot, tags: s.tags })) };
      family.node[family.key] = family.leaf;
    } else if (family.tagged) {
      family.leaf!.series.push({ ...series.snapshot, tags: series.tags });
    } else {
      family.node[family.key] = series.snapshot;
    }
  }

  /** The tree of every series added so far. */
  get tree(): SnapshotTree {
    return this.#root as SnapshotTree;
  }

  #family(name: string): TreeFamily {
    const segments = name.split('.');
    let node = this.#root;
    for (let i = 0; i < segments.length - 1; i++) {
      const segment = segments[i]!;
      let child = node[segment];
      if (child === undefined || child === null || typeof child !== 'object' || 'type' in child) {
        // A leaf where a branch is needed cannot happen in one registry (it rejects
        // `a.b` next to `a.b.c`); if series come from elsewhere, the branch wins.
        child = Object.create(null) as Record<string, unknown>;
        node[segment] = child;
      }
      node = child as Record<string, unknown>;
    }
    const key = segments[segments.length - 1]!;
    // A name that is already a branch keeps the branch.
    const taken = node[key] !== undefined;
    return { node: taken ? null : node, key, tagged: false, leaf: null, list: [] };
  }
}

/**
 * Builds the nested snapshot tree from a list of series, exactly as
 * `registry.snapshot()` does: a name whose only series is untagged is a plain metric
 * snapshot; a name with tagged series is `{ type, series: [{ ...snapshot, tags }] }`.
 * Series of one name need not be adjacent.
 *
 * @param series - the series, in the order they should appear.
 */
export function buildSnapshotTree(series: Iterable<JsonSeries>): SnapshotTree {
  const builder = new SnapshotTreeBuilder();
  for (const s of series) builder.add(s);
  return builder.tree;
}

/**
 * Serialises a snapshot tree as JSON. Non-finite numbers cannot occur in snapshots;
 * if a custom source produced one it is written as `null`, as `JSON.stringify` does.
 *
 * @param tree - the tree.
 * @param pretty - indent with two spaces.
 */
export function formatJsonTree(tree: SnapshotTree, pretty = false): string {
  return JSON.stringify(tree, null, pretty ? 2 : undefined);
}

/**
 * One line of the JSON stream: `{"timestamp":...,"timestampMs":...,"metrics":{...}}`
 * and a newline. The line never contains another newline (JSON escapes them in strings).
 *
 * @param timestampMs - the report's time, epoch milliseconds.
 * @param tree - the snapshot tree.
 */
export function formatJsonLine(timestampMs: number, tree: SnapshotTree): string {
  let out = '';
  for (const chunk of jsonLineChunks(timestampMs, tree)) out += chunk;
  return out;
}

/**
 * {@link formatJsonLine} in pieces, one leaf (metric) at a time, so that a reporter can
 * yield to the event loop between pieces. The pieces joined are exactly
 * `formatJsonLine(timestampMs, tree)`.
 *
 * @param timestampMs - the report's time, epoch milliseconds.
 * @param tree - the snapshot tree.
 */
export function* jsonLineChunks(timestampMs: number, tree: SnapshotTree): Generator<string, void, undefined> {
  // The keys of JsonReportDocument, in this order.
  yield `{"timestamp":${JSON.stringify(new Date(timestampMs).toISOString())},"timestampMs":${JSON.stringify(timestampMs)},"metrics":`;
  yield* jsonTreeChunks(tree);
  yield '}\n';
}

function isLeaf(node: object): boolean {
  return 'type' in node;
}

/**
 * Serialises a snapshot tree in pieces, one leaf (metric) at a time, so that a server
 * can yield to the event loop between pieces. The pieces joined are exactly
 * `formatJsonTree(tree, pretty)`.
 *
 * @param tree - the tree.
 * @param pretty - indent with two spaces.
 */
export function* jsonTreeChunks(tree: SnapshotTree, pretty = false): Generator<string, void, undefined> {
  yield* branch(tree, 0, pretty);
}

function* branch(node: SnapshotTree, depth: number, pretty: boolean): Generator<string, void, undefined> {
  const keys = Object.keys(node);
  if (keys.length === 0) {
    yield '{}';
    return;
  }
  const inner = pretty ? `\n${'  '.repeat(depth + 1)}` : '';
  const close = pretty ? `\n${'  '.repeat(depth)}` : '';
  const colon = pretty ? ': ' : ':';
  let first = true;
  for (const key of keys) {
    const child = node[key]!;
    const head = `${first ? '{' : ','}${inner}${JSON.stringify(key)}${colon}`;
    first = false;
    if (isLeaf(child)) {
      const text = pretty ? JSON.stringify(child, null, 2).replace(/\n/g, `\n${'  '.repeat(depth + 1)}`) : JSON.stringify(child);
      yield head + text;
    } else {
      yield head;
      yield* branch(child as SnapshotTree, depth + 1, pretty);
    }
  }
  yield `${close}}`;
}
