/**
 * The snapshot tree: the nested object of `registry.snapshot()` (`tree.http.requests`),
 * built from series one at a time. The registry, the reporters and the pull endpoint all
 * build it here, so that every output has the same shape.
 *
 * @module
 */

import type { Tags } from '../names.js';
import type { SnapshotTree, TaggedSnapshot } from './snapshot.js';
import type { MetricSnapshot } from '../metrics/snapshot.js';
import type { Metric, MetricFilter } from './types.js';

/** What the tree needs of one series. */
export type JsonSeries = {
  /** The dotted name. */
  readonly name: string;
  /** The series' tags; an empty object for none. */
  readonly tags: Tags;
  /** Its snapshot. */
  readonly snapshot: MetricSnapshot;
};

type TreeFamily = {
  /** The branch holding the leaf, or null if the name collides with a branch. */
  readonly node: Record<string, unknown> | null;
  readonly key: string;
  /** The series added before the first tagged one (then the leaf holds them all). */
  readonly untagged: JsonSeries[];
  leaf: { readonly type: MetricSnapshot['type']; readonly series: TaggedSnapshot[] } | null;
};

function hasTags(tags: Tags): boolean {
  for (const _ in tags) return true;
  return false;
}

/**
 * Builds the snapshot tree one series at a time (see {@link buildSnapshotTree}), so that
 * the caller can pause between series.
 *
 * Branches are told from leaves by identity (the builder made them), never by their
 * keys: a metric whose name has a segment `type`, `series` or `__proto__` is neither
 * mistaken for a leaf nor lost.
 */
export class SnapshotTreeBuilder {
  readonly #root = Object.create(null) as Record<string, unknown>;
  readonly #branches = new WeakSet<object>([this.#root]);
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
    const node = family.node;
    // A name that is also a branch (only possible with series from outside one
    // registry, which rejects `a.b` next to `a.b.c`): the branch wins.
    if (node === null || this.#isBranch(node[family.key])) return;
    if (family.leaf !== null) {
      family.leaf.series.push({ ...series.snapshot, tags: series.tags });
    } else if (hasTags(series.tags)) {
      family.untagged.push(series);
      family.leaf = { type: series.snapshot.type, series: family.untagged.map((s) => ({ ...s.snapshot, tags: s.tags })) };
      family.untagged.length = 0;
      node[family.key] = family.leaf;
    } else {
      family.untagged.push(series);
      node[family.key] = series.snapshot;
    }
  }

  /** The tree of every series added so far. */
  get tree(): SnapshotTree {
    return this.#root as SnapshotTree;
  }

  #isBranch(value: unknown): boolean {
    return typeof value === 'object' && value !== null && this.#branches.has(value);
  }

  #family(name: string): TreeFamily {
    const segments = name.split('.');
    let node = this.#root;
    for (let i = 0; i < segments.length - 1; i++) {
      const segment = segments[i]!;
      let child = node[segment];
      if (!this.#isBranch(child)) {
        // A leaf where a branch is needed: the branch wins (see add()).
        child = Object.create(null) as Record<string, unknown>;
        this.#branches.add(child as object);
        node[segment] = child;
      }
      node = child as Record<string, unknown>;
    }
    const key = segments[segments.length - 1]!;
    return { node: this.#isBranch(node[key]) ? null : node, key, untagged: [], leaf: null };
  }
}

/**
 * A leaf of two or more metrics of one name in a {@link SeriesTree} (a name of one metric
 * has the metric itself as its leaf), to be read when the leaf is written. Written as the
 * snapshot tree would hold them: the snapshot of the last metric while none is tagged,
 * `{ type, series: [{ ...snapshot, tags }] }` (the type of the first tagged one) once one
 * is.
 *
 * @internal
 */
export class SeriesLeaf {
  /** The metrics of the name, in the order they were added. */
  readonly metrics: Metric[];
  /** The index in {@link SeriesLeaf.metrics} of the first tagged metric; -1 for none. */
  firstTagged: number;

  constructor(first: Metric) {
    this.metrics = [first];
    this.firstTagged = hasTags(first.tags) ? 0 : -1;
  }
}

/**
 * The shape of the snapshot tree (exactly {@link SnapshotTreeBuilder}'s: the same
 * branches, keys and key order, the same names left out), with metrics in place of their
 * snapshots: the JSON writer reads each metric as it writes it, so that a render of
 * 100,000 series never holds 100,000 snapshots. A leaf is the metric of its name, or a
 * {@link SeriesLeaf} of several; a branch is told by {@link SeriesTreeBuilder.isBranch}.
 *
 * @internal
 */
export type SeriesTree = { [segment: string]: SeriesTree | SeriesLeaf | Metric };

/**
 * Builds a {@link SeriesTree} one metric at a time (the caller pauses between metrics).
 * What it keeps per metric is one slot of its branch: at 100,000 series, every object
 * kept per series would outlive its allocation and be copied by the young generation's
 * scavenges.
 *
 * @internal
 */
export class SeriesTreeBuilder {
  readonly #root = Object.create(null) as SeriesTree;
  readonly #branches = new WeakSet<object>([this.#root]);
  #lastName: string | undefined = undefined;
  /** The branch and key of the last name's leaf; null branch: the name is left out. */
  #lastNode: SeriesTree | null = null;
  #lastKey = '';

  /** Adds one metric; metrics of one name need not be adjacent. */
  add(metric: Metric): void {
    if (metric.name !== this.#lastName) {
      this.#place(metric.name);
      this.#lastName = metric.name;
    }
    const node = this.#lastNode;
    if (node === null) return;
    const leaf = node[this.#lastKey];
    if (leaf === undefined) node[this.#lastKey] = metric;
    else if (leaf instanceof SeriesLeaf) {
      if (leaf.firstTagged === -1 && hasTags(metric.tags)) leaf.firstTagged = leaf.metrics.length;
      leaf.metrics.push(metric);
    } else {
      const several = new SeriesLeaf(leaf as Metric);
      if (several.firstTagged === -1 && hasTags(metric.tags)) several.firstTagged = 1;
      several.metrics.push(metric);
      node[this.#lastKey] = several;
    }
  }

  /** The tree of every metric added so far. */
  get tree(): SeriesTree {
    return this.#root;
  }

  /** Whether `node` is a branch of this tree (else a leaf). */
  isBranch(node: SeriesTree | SeriesLeaf | Metric): node is SeriesTree {
    return this.#branches.has(node);
  }

  /** Finds the branch and key of `name`'s leaf, making branches as SnapshotTreeBuilder does. */
  #place(name: string): void {
    const segments = name.split('.');
    let node = this.#root;
    for (let i = 0; i < segments.length - 1; i++) {
      const segment = segments[i]!;
      const child = node[segment];
      if (child !== undefined && this.#branches.has(child)) node = child as SeriesTree;
      else {
        // A leaf where a branch is needed: the branch wins (as in SnapshotTreeBuilder).
        const branch = Object.create(null) as SeriesTree;
        this.#branches.add(branch);
        node[segment] = branch;
        node = branch;
      }
    }
    const key = segments[segments.length - 1]!;
    const existing = node[key];
    // A name that is also a branch: the branch wins, the name is left out.
    this.#lastNode = existing !== undefined && this.#branches.has(existing) ? null : node;
    this.#lastKey = key;
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
 * The snapshot tree of the selected `metrics`, each read by `read` (default: its
 * `snapshot()`): what `registry.snapshot()` returns.
 *
 * @internal
 */
export function snapshotTree(
  metrics: Iterable<Metric>,
  filter: MetricFilter | undefined,
  read: (metric: Metric) => MetricSnapshot = (metric) => metric.snapshot(),
): SnapshotTree {
  const builder = new SnapshotTreeBuilder();
  for (const metric of metrics) {
    if (filter === undefined || filter(metric)) builder.add({ name: metric.name, tags: metric.tags, snapshot: read(metric) });
  }
  return builder.tree;
}

/**
 * Like {@link snapshotTree}, but first reads every selected async gauge, waiting for
 * each at most its `timeoutMs`; never rejects. What `registry.collect()` returns.
 *
 * @internal
 */
export async function collectedTree(metrics: Iterable<Metric>, filter: MetricFilter | undefined): Promise<SnapshotTree> {
  const selected: Metric[] = [];
  for (const metric of metrics) if (filter === undefined || filter(metric)) selected.push(metric);
  const gauges = new Map<Metric, MetricSnapshot>();
  const reads: Promise<void>[] = [];
  for (const metric of selected) {
    if (metric.type === 'gauge') reads.push(metric.collect().then((s) => void gauges.set(metric, s)));
  }
  await Promise.all(reads);
  return snapshotTree(selected, undefined, (metric) => gauges.get(metric) ?? metric.snapshot());
}
