/**
 * The JSON shapes of `registry.snapshot()`: a tree of plain objects, one leaf per metric
 * name. `docs/json-format.md` shows a full example.
 *
 * @module
 */

import type { MetricSnapshot } from '../metrics/snapshot.js';
import type { Tags } from '../names.js';

/** One tagged series inside a {@link SeriesSnapshot}. */
export type TaggedSnapshot = MetricSnapshot & {
  /** The series' tags (`{}` for the untagged series). */
  readonly tags: Tags;
};

/**
 * The leaf of a name that has tagged series: its type and every series with its tags.
 * A name with only an untagged series is a plain {@link MetricSnapshot} instead.
 */
export type SeriesSnapshot = {
  /** The metric type shared by all series. */
  readonly type: MetricSnapshot['type'];
  /** One entry per series. */
  readonly series: readonly TaggedSnapshot[];
};

/** A branch of the snapshot tree: name segments to branches or leaves. */
export type SnapshotTree = { readonly [segment: string]: SnapshotTree | MetricSnapshot | SeriesSnapshot };
