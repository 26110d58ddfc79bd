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
import { ByteWriter } from './bytes.js';
import { encodeHead, policyCode, writeSlice, type SliceEntry } from './protocol.js';
import { bucketScale, sliceDiff, type BucketScale } from './slice-diff.js';

/** What was last sent of one series. */
type Memo = {
  generation: number;
  total: number;
  sum: number;
  value: number | null | undefined;
  slice: SliceEntry | null;
  /** The wire form of kind, name and tags, built once. */
  readonly head: Uint8Array;
};

/** An update to a memo, applied only once the push is accepted by the channel. */
type Update = { memo: Memo; total: number; sum: number; value: number | null | undefined; slice: SliceEntry | null };

/** The encoded entries of one push and how to commit it. @internal */
export type Push = {
  /** Every series entry's body, one after the other (valid until the next build). */
  readonly bytes: Uint8Array;
  /** Where each entry ends in `bytes` (each starts where the one before ends). */
  readonly ends: readonly number[];
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
  readonly #writer = new ByteWriter(1 << 16);
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
    const w = this.#writer;
    w.reset();
    const ends: number[] = [];
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
      this.#entry(metric, memo, full, w, updates);
      if (updates.length > ends.length) ends.push(w.length);
    }
    for (const [metric, memo] of this.#memos) if (memo.generation !== generation) this.#memos.delete(metric);
    return {
      bytes: w.bytes,
      ends,
      commit: (index) => {
        const u = updates[index]!;
        u.memo.total = u.total;
        u.memo.sum = u.sum;
        u.memo.value = u.value;
        u.memo.slice = u.slice;
      },
    };
  }

  /** The head bytes of a series: kind, name and tags. */
  #head(metric: Metric): Uint8Array {
    const kind = metric.type === 'counter' ? 'c' : metric.type === 'meter' ? 'm' : metric.type === 'gauge' ? 'g' : metric.type === 'histogram' ? 'h' : 't';
    let tags: Tags = metric.tags;
    if (this.#perWorker(metric)) tags = { ...tags, worker: this.#worker };
    return encodeHead(kind, metric.name, tags);
  }

  #entry(metric: Metric, memo: Memo, full: boolean, w: ByteWriter, updates: Update[]): void {
    switch (metric.type) {
      case 'counter':
      case 'meter': {
        const total = metric.count;
        if (!full && total === memo.total && memo.value !== undefined) return;
        w.raw(memo.head);
        w.num(total);
        updates.push({ memo, total, sum: 0, value: null, slice: null });
        return;
      }
      case 'gauge': {
        const gauge = metric;
        const read = gauge.snapshot().value;
        // A value that is not finite goes as "no value" (the JSON wire sent it as null).
        const value = read !== null && Number.isFinite(read) ? read : null;
        if (!full && value === memo.value) return;
        w.raw(memo.head);
        w.u8(policyCode(gauge.aggregate));
        if (value === null) w.u8(0);
        else {
          w.u8(1);
          w.f64(value);
        }
        updates.push({ memo, total: 0, sum: 0, value, slice: null });
        return;
      }
      default:
        this.#distribution(metric.distribution, memo, full, w, updates);
    }
  }

  #distribution(d: Distribution, memo: Memo, full: boolean, w: ByteWriter, updates: Update[]): void {
    const count = d.count;
    if (!full && count === memo.total && memo.value !== undefined) return;
    const live = count === memo.total ? [] : d.window.sliceDeltas(d.currentTick());
    const last = memo.slice;
    const scale = scaleOf(d);
    const c = d.config;
    w.raw(memo.head);
    w.u8(c.significantDigits);
    w.num(c.resolution);
    w.uv(c.ticksPerSlice);
    w.uv(c.slices);
    w.num(count);
    w.f64(d.sum);
    let k = 0;
    const deltas: SliceEntry[] = [];
    for (const entry of live) {
      if (last !== null && entry.slice < last.slice) continue;
      const delta = last !== null && entry.slice === last.slice ? sliceDiff(entry.delta, last.delta, scale) : entry.delta;
      if (delta !== null) deltas[k++] = { slice: entry.slice, delta };
    }
    w.uv(k);
    for (const e of deltas) writeSlice(w, e.slice, e.delta);
    updates.push({ memo, total: count, sum: d.sum, value: null, slice: live.length > 0 ? live[live.length - 1]! : last });
  }
}
