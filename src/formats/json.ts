/**
 * The JSON format: the snapshot tree (`registry.snapshot()`'s shape, built by
 * `registry/snapshot-tree.ts`) serialised whole or in chunks, and the newline-delimited
 * documents of the JSON stream. Pure: no I/O, no clock.
 *
 * @module
 */

import type { MetricSnapshot } from '../metrics/snapshot.js';
import type { SnapshotTree } from '../registry/snapshot.js';
import { SeriesLeaf, type SeriesTree, type SeriesTreeBuilder } from '../registry/snapshot-tree.js';
import type { Metric } from '../registry/types.js';

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

/**
 * A leaf (a metric snapshot or a series leaf) has a string `type`; a branch never does,
 * even with a child segment named `type` (that child is an object).
 */
function isLeaf(node: object): boolean {
  return typeof (node as { readonly type?: unknown }).type === 'string';
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
  yield* objectChunks(Object.keys(node), depth, pretty, (key) => {
    const child = node[key]!;
    return isLeaf(child) ? [stringify(child, depth + 1, pretty)] : branch(child as SnapshotTree, depth + 1, pretty);
  });
}

/**
 * The one object writer of both trees: `{`, each key and the pieces `member(key)` yields
 * for its value (at least one), `}`, indented as `JSON.stringify(value, null, 2)` at
 * `depth` when `pretty`. A key is written in the same piece as its value's first.
 */
function* objectChunks(
  keys: readonly string[],
  depth: number,
  pretty: boolean,
  member: (key: string) => Iterable<string>,
): Generator<string, void, undefined> {
  if (keys.length === 0) {
    yield '{}';
    return;
  }
  const inner = pretty ? `\n${'  '.repeat(depth + 1)}` : '';
  const colon = pretty ? ': ' : ':';
  let first = true;
  for (const key of keys) {
    let head = `${first ? '{' : ','}${inner}${JSON.stringify(key)}${colon}`;
    first = false;
    for (const piece of member(key)) {
      yield head + piece;
      head = '';
    }
  }
  yield `${pretty ? `\n${'  '.repeat(depth)}` : ''}}`;
}

/**
 * Serialises a {@link SeriesTree} in pieces, reading each metric (through `read`) as it
 * writes it: the pieces joined are exactly `formatJsonTree(tree, pretty)` of the snapshot
 * tree of the same metrics, read at the same moments. A leaf of tagged series is written
 * one series at a time, so that no piece holds more than one snapshot, however many
 * series a name has.
 *
 * @param tree - the tree of metrics.
 * @param pretty - indent with two spaces.
 * @param read - a metric's snapshot.
 * @internal
 */
export function* seriesTreeChunks(
  builder: SeriesTreeBuilder,
  pretty: boolean,
  read: (metric: Metric) => MetricSnapshot,
): Generator<string, void, undefined> {
  yield* seriesBranch(builder, builder.tree, 0, pretty, read);
}

/** `JSON.stringify(value, null, 2)` indented by `depth` levels, or `JSON.stringify(value)`. */
function stringify(value: unknown, depth: number, pretty: boolean): string {
  return pretty ? JSON.stringify(value, null, 2).replace(/\n/g, `\n${'  '.repeat(depth)}`) : JSON.stringify(value);
}

function* seriesBranch(
  builder: SeriesTreeBuilder,
  node: SeriesTree,
  depth: number,
  pretty: boolean,
  read: (metric: Metric) => MetricSnapshot,
): Generator<string, void, undefined> {
  yield* objectChunks(Object.keys(node), depth, pretty, (key) => {
    const child = node[key]!;
    if (builder.isBranch(child)) return seriesBranch(builder, child, depth + 1, pretty, read);
    if (!(child instanceof SeriesLeaf)) {
      const metric = child;
      return [hasTags(metric.tags) ? taggedLeafOfOne(metric, depth + 1, pretty, read) : stringify(read(metric), depth + 1, pretty)];
    }
    if (child.firstTagged === -1) return [stringify(read(child.metrics[child.metrics.length - 1]!), depth + 1, pretty)];
    return taggedLeaf(child, depth + 1, pretty, read);
  });
}

/**
 * `{ type, series: [{ ...snapshot, tags }, ...] }` one series at a time, byte for byte
 * what `JSON.stringify` (pretty or not) writes of the whole leaf at `depth`.
 */
function* taggedLeaf(
  leaf: SeriesLeaf,
  depth: number,
  pretty: boolean,
  read: (metric: Metric) => MetricSnapshot,
): Generator<string, void, undefined> {
  const { metrics, firstTagged } = leaf;
  const snapshotAt = (i: number): MetricSnapshot => read(metrics[i]!);
  // The leaf's type is the first tagged series' (SnapshotTreeBuilder's rule).
  const firstSnapshot = snapshotAt(0);
  const type = firstTagged === 0 ? firstSnapshot.type : snapshotAt(firstTagged).type;
  const pad = pretty ? `\n${'  '.repeat(depth + 1)}` : '';
  const elementPad = pretty ? `\n${'  '.repeat(depth + 2)}` : '';
  const colon = pretty ? ': ' : ':';
  let out = `{${pad}"type"${colon}${JSON.stringify(type)},${pad}"series"${colon}[`;
  for (let i = 0; i < metrics.length; i++) {
    const snapshot = i === 0 ? firstSnapshot : snapshotAt(i);
    const tags = metrics[i]!.tags;
    out += `${i === 0 ? '' : ','}${elementPad}${pretty ? stringify({ ...snapshot, tags }, depth + 2, true) : taggedJson(snapshot, tags)}`;
    yield out;
    out = '';
  }
  yield `${pretty ? `\n${'  '.repeat(depth + 1)}` : ''}]${pretty ? `\n${'  '.repeat(depth)}` : ''}}`;
}

/** The leaf of one tagged metric: `{ type, series: [{ ...snapshot, tags }] }`, as `JSON.stringify` writes it at `depth`. */
function taggedLeafOfOne(metric: Metric, depth: number, pretty: boolean, read: (metric: Metric) => MetricSnapshot): string {
  const snapshot = read(metric);
  if (pretty) return stringify({ type: snapshot.type, series: [{ ...snapshot, tags: metric.tags }] }, depth, pretty);
  return `{"type":${JSON.stringify(snapshot.type)},"series":[${taggedJson(snapshot, metric.tags)}]}`;
}

/**
 * `JSON.stringify({ ...snapshot, tags })`, made from `JSON.stringify(snapshot)`: the same
 * text, but V8 writes a flat object of numbers on its fast path, straight into one string,
 * while an object holding another (the tags) takes its slow path, whose string is built in
 * parts; at 100,000 series those parts, alive until the piece is joined, doubled what
 * every scavenge had to copy.
 */
function taggedJson(snapshot: MetricSnapshot, tags: Metric['tags']): string {
  if (Object.hasOwn(snapshot, 'tags') || typeof (snapshot as { toJSON?: unknown }).toJSON === 'function') {
    return JSON.stringify({ ...snapshot, tags });
  }
  const json = JSON.stringify(snapshot);
  const t = JSON.stringify(tags);
  return json === '{}' ? `{"tags":${t}}` : `${json.slice(0, -1)},"tags":${t}}`;
}

function hasTags(tags: Metric['tags']): boolean {
  for (const _ in tags) return true;
  return false;
}
