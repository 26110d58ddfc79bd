/**
 * The worker side of a push: what changed in a registry since the last push, as encoded
 * series entries (see `protocol.ts`). Nothing here touches a hot path: it reads each
 * metric's count (and, for histograms and timers whose count moved, the live window
 * slices) once per push, and remembers per series what it last sent.
 *
 * Per histogram it keeps only the newest slice it sent (older slices no longer change),
 * so a push sends each slice's additions since the previous push, never a slice twice.
 *
 * @module
 * @internal
 */

import { sliceYielder } from '../internal/slicer.js';
import type { Distribution } from '../metrics/distribution.js';
import type { Tags } from '../names.js';
import type { Metric, MetricRegistry } from '../registry/types.js';
import { encodeSlice, type SliceEntry } from './protocol.js';
import { bucketScale, sliceDiff, type BucketScale } from './slice-diff.js';

/** What was last sent of one series. */
type Memo = {
  generation: number;
  total: number;
  sum: number;
  value: number | null | undefined;
  slice: SliceEntry | null;
  /** The wire form of name and tags, built once. */
  readonly head: string;
};

/** An update to a memo, applied only once the push is accepted by the channel. */
type Update = { memo: Memo; total: number; sum: number; value: number | null | undefined; slice: SliceEntry | null };

/** The encoded entries of one push and how to commit it. @internal */
export type Push = {
  /** The JSON text of each series entry. */
  readonly entries: readonly string[];
  /** Records that entry `index` was sent (the channel took its frame). */
  commit(index: number): void;
};

const scales = new Map<string, BucketScale>();

function scaleOf(d: Distribution): BucketScale {
  const { significantDigits, resolution } = d.config;
  const key = `${significantDigits} ${resolution}`;
  let scale = scales.get(key);
  if (scale === undefined) {
    scale = bucketScale(significantDigits, resolution);
    scales.set(key, scale);
  }
  return scale;
}

/**
 * Builds pushes of one registry.
 *
 * @internal
 */
export class PushBuilder {
  readonly #registry: MetricRegistry;
  readonly #perWorker: (metric: Metric) => boolean;
  readonly #worker: string;
  readonly #memos = new Map<Metric, Memo>();
  #generation = 0;

  /**
   * @param registry - what to push.
   * @param perWorker - selects the series that stay one per worker (tagged `worker`) instead of merging.
   * @param worker - the worker's id, the value of that tag.
   */
  constructor(registry: MetricRegistry, perWorker: (metric: Metric) => boolean, worker: string) {
    this.#registry = registry;
    this.#perWorker = perWorker;
    this.#worker = worker;
  }

  /** How many series are remembered. */
  get size(): number {
    return this.#memos.size;
  }

  /**
   * What changed since the last committed push; with `full`, every series' totals and
   * values too (after a reconnect, so that a new aggregator learns them all). Yields to
   * the event loop in slices.
   */
  async build(full: boolean): Promise<Push> {
    const generation = ++this.#generation;
    const entries: string[] = [];
    const updates: Update[] = [];
    const yieldNow = sliceYielder();
    for (const metric of this.#registry.metrics()) {
      const wait = yieldNow();
      if (wait !== undefined) await wait;
      let memo = this.#memos.get(metric);
      if (memo === undefined) {
        memo = {
          generation, total: 0, sum: 0, value: undefined, slice: null,
          head: this.#head(metric),
        };
        this.#memos.set(metric, memo);
      }
      memo.generation = generation;
      this.#entry(metric, memo, full, entries, updates);
    }
    for (const [metric, memo] of this.#memos) if (memo.generation !== generation) this.#memos.delete(metric);
    return {
      entries,
      commit: (index) => {
        const u = updates[index]!;
        u.memo.total = u.total;
        u.memo.sum = u.sum;
        u.memo.value = u.value;
        u.memo.slice = u.slice;
      },
    };
  }

  /** `"kind","name",tags` of a series, as JSON. */
  #head(metric: Metric): string {
    const kind = metric.type === 'counter' ? 'c' : metric.type === 'meter' ? 'm' : metric.type === 'gauge' ? 'g' : metric.type === 'histogram' ? 'h' : 't';
    let tags: Tags = metric.tags;
    if (this.#perWorker(metric)) tags = { ...tags, worker: this.#worker };
    const tagsText = Object.keys(tags).length === 0 ? '0' : JSON.stringify(tags);
    return `"${kind}",${JSON.stringify(metric.name)},${tagsText}`;
  }

  #entry(metric: Metric, memo: Memo, full: boolean, entries: string[], updates: Update[]): void {
    switch (metric.type) {
      case 'counter':
      case 'meter': {
        const total = (metric).count;
        if (!full && total === memo.total && memo.value !== undefined) return;
        entries.push(`[${memo.head},${JSON.stringify(total)}]`);
        updates.push({ memo, total, sum: 0, value: null, slice: null });
        return;
      }
      case 'gauge': {
        const gauge = metric;
        const value = gauge.snapshot().value;
        if (!full && value === memo.value) return;
        entries.push(`[${memo.head},"${gauge.aggregate}",${value === null ? 'null' : JSON.stringify(value)}]`);
        updates.push({ memo, total: 0, sum: 0, value, slice: null });
        return;
      }
      default: {
        const d = (metric).distribution;
        this.#distribution(d, memo, full, entries, updates);
      }
    }
  }

  #distribution(d: Distribution, memo: Memo, full: boolean, entries: string[], updates: Update[]): void {
    const count = d.count;
    if (!full && count === memo.total && memo.value !== undefined) return;
    const live = count === memo.total ? [] : d.window.sliceDeltas(d.currentTick());
    const last = memo.slice;
    const parts: string[] = [];
    const scale = scaleOf(d);
    for (const entry of live) {
      if (last !== null && entry.slice < last.slice) continue;
      const delta = last !== null && entry.slice === last.slice ? sliceDiff(entry.delta, last.delta, scale) : entry.delta;
      if (delta !== null) parts.push(JSON.stringify(encodeSlice(entry.slice, delta)));
    }
    const c = d.config;
    entries.push(
      `[${memo.head},${c.significantDigits},${JSON.stringify(c.resolution)},${c.ticksPerSlice},${c.slices},` +
        `${count},${JSON.stringify(d.sum)},[${parts.join(',')}]]`,
    );
    updates.push({ memo, total: count, sum: d.sum, value: null, slice: live.length > 0 ? live[live.length - 1]! : last });
  }
}
