/**
 * The one collector: what every reporter and the pull endpoint read from a registry.
 * {@link selectSeries} selects the metrics and awaits every callback gauge (in parallel,
 * each within its own timeout); {@link collectSeries} then reads everything in registry
 * order, yielding to the event loop between slices. The `ReportCollector`
 * (report-collector.ts) builds a scheduled reporter's series on it.
 *
 * @module
 * @internal
 */

import { sliceYielder } from '../internal/slicer.js';
import type { MetricSnapshot } from '../metrics/snapshot.js';
import type { Metric, MetricFilter, MetricRegistry } from '../registry/types.js';

/** How {@link collectSeries} reads. */
export type CollectOptions<T> = {
  /** Which metrics; all when undefined. */
  readonly filter: MetricFilter | undefined;
  /** Told when the filter throws for a metric (the metric is left out). */
  readonly onFilterError: (metric: Metric, error: unknown) => void;
  /** Turns one selected metric into what the caller wants; `gaugeRead` is the awaited read of a callback gauge. */
  readonly read: (metric: Metric, gaugeRead: MetricSnapshot | undefined) => T;
  /** Stops reading (resolves `null`) once this turns true, such as when a client left. */
  readonly aborted?: () => boolean;
  /**
   * Waits at most this long for each callback gauge, in milliseconds, if shorter than
   * its own timeout (a reporter's `stop()` passes what is left of its budget).
   */
  readonly gaugeBoundMs?: number;
};

/** What {@link selectSeries} selected: the metrics, and the awaited reads of callback gauges. */
export type SelectedSeries = {
  /** The selected metrics, in registry order. */
  readonly metrics: Metric[];
  /** The awaited read of each selected callback gauge. */
  readonly gaugeReads: ReadonlyMap<Metric, MetricSnapshot>;
};

/**
 * Selects the metrics of `registry` (sliced, as {@link collectSeries}) and awaits every
 * selected callback gauge, in parallel (each bounded by its own timeout), without reading
 * the rest: for a caller that reads each metric as it writes it (the pull endpoint), so
 * that it never holds every series' snapshot at once.
 *
 * @returns the selected metrics and the gauge reads; `null` if aborted.
 */
export async function selectSeries(
  registry: MetricRegistry,
  options: Omit<CollectOptions<unknown>, 'read'>,
): Promise<SelectedSeries | null> {
  const { filter, onFilterError, aborted, gaugeBoundMs } = options;
  const selected: Metric[] = [];
  const pause = sliceYielder();
  // Selecting is sliced too: 100,000 series, or a filter from a URL, are long to go through.
  // (The registry's iterators are live: series added meanwhile are read, removed ones not.)
  for (const metric of registry.metrics()) {
    if (selects(filter, metric, onFilterError)) selected.push(metric);
    const wait = pause();
    if (wait !== undefined) {
      await wait;
      if (aborted?.() === true) return null;
    }
  }
  const gaugeReads = new Map<Metric, MetricSnapshot>();
  const pending: Promise<void>[] = [];
  for (const metric of selected) {
    if (metric.type === 'gauge' && !metric.settable) {
      const reading = gaugeBoundMs === undefined ? metric.collect() : boundedRead(metric, gaugeBoundMs);
      pending.push(reading.then((s) => void gaugeReads.set(metric, s)));
    }
  }
  if (pending.length > 0) await Promise.all(pending);
  return { metrics: selected, gaugeReads };
}

/**
 * Reads the selected metrics of `registry`: every callback gauge first, awaited in
 * parallel (each bounded by its own timeout), then every metric in registry order
 * through `read`, yielding to the event loop whenever a slice has run its time.
 *
 * @returns what `read` returned for each selected metric, in registry order; `null` if aborted.
 */
export async function collectSeries<T>(registry: MetricRegistry, options: CollectOptions<T>): Promise<T[] | null> {
  const { read, aborted } = options;
  const selected = await selectSeries(registry, options);
  if (selected === null) return null;
  const { metrics, gaugeReads } = selected;
  const pause = sliceYielder();
  const out: T[] = [];
  for (const metric of metrics) {
    out.push(read(metric, gaugeReads.get(metric)));
    const wait = pause();
    if (wait !== undefined) {
      await wait;
      if (aborted?.() === true) return null;
    }
  }
  return out;
}

/**
 * A gauge read that settles within `boundMs`: the gauge is asked to wait no longer (its
 * `collect(boundMs)`), and a gauge of another registry that does not take the bound is
 * cut off here all the same.
 */
function boundedRead(gauge: Extract<Metric, { type: 'gauge' }>, boundMs: number): Promise<MetricSnapshot> {
  const ms = Math.max(0, boundMs);
  let timer: NodeJS.Timeout | undefined;
  const cutOff = new Promise<MetricSnapshot>((resolve) => {
    // Not unref()ed: it bounds the final report of stop(), which may run on exit.
    timer = setTimeout(resolve, ms + 1, { type: 'gauge', value: null, error: `timed out after ${ms} ms (the stop budget)` });
  });
  return Promise.race([gauge.collect(ms), cutOff]).finally(() => {
    clearTimeout(timer);
  });
}

/** One series as the pull endpoint and the JSON formats read it. */
export type ReadSeries = {
  /** The metric. */
  readonly metric: Metric;
  /** Its dotted name. */
  readonly name: string;
  /** Its tags. */
  readonly tags: Metric['tags'];
  /** What was read (a callback gauge awaited). */
  readonly snapshot: MetricSnapshot;
};

/** `read` of {@link collectSeries} for plain snapshots. */
export function snapshotOf(metric: Metric, gaugeRead: MetricSnapshot | undefined): ReadSeries {
  return { metric, name: metric.name, tags: metric.tags, snapshot: gaugeRead ?? metric.snapshot() };
}

/** Whether `filter` selects `metric`; a filter that throws leaves it out and is told. */
export function selects(filter: MetricFilter | undefined, metric: Metric, onError: (metric: Metric, error: unknown) => void): boolean {
  if (filter === undefined) return true;
  try {
    return filter(metric);
  } catch (error) {
    onError(metric, error);
    return false;
  }
}
