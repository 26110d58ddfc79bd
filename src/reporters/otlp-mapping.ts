/**
 * From report series to OTLP metrics, with the state that needs: when each series was
 * first seen (the start of its cumulative points), when it was last reported (the start
 * of its delta points), whether a counter ever went down, and, for exponential
 * histograms, one interval reader per histogram or timer and the buckets accumulated
 * from it.
 *
 * | tapemeasure | OTLP |
 * | --- | --- |
 * | counter | `Sum`, monotonic until the counter first goes down (then non-monotonic, for good, for every series of the name) |
 * | gauge | `Gauge` (a gauge that failed is left out) |
 * | meter | monotonic `Sum` of its count; with `rates`, gauges `<name>.m1_rate`, ... |
 * | histogram | `ExponentialHistogram` from the HDR counts (or `Summary` with the window quantiles); `Histogram` with explicit bounds for a metric with `buckets` (from its lifetime buckets, since the reporter first saw it) |
 * | timer | the same in seconds, unit `s`; with `rates`, its rate gauges |
 *
 * Memory: per series a small record; per histogram or timer (exponential mapping) an
 * interval reader (an HDR histogram while values arrive) and up to `maxBuckets`
 * 8-byte counts. All of it is released when the series leaves the registry.
 *
 * @module
 */

import { BucketIndexCache, ExponentialBuckets, scaleForPrecision } from '../formats/exponential-histogram.js';
import type {
  OtlpExponentialHistogramPoint,
  OtlpHistogramPoint,
  OtlpMetric,
  OtlpNumberPoint,
  OtlpQuantile,
  OtlpSummaryPoint,
  OtlpTemporality,
} from '../formats/otlp/model.js';
import { lifetimeBucketsOf } from '../formats/prometheus-read.js';
import { RATE_STATISTICS, type Statistic } from '../formats/statistics.js';
import type { IntervalReader, IntervalTotals } from '../metrics/interval-reader.js';
import type { Metric, MetricRegistry } from '../registry/types.js';
import type { OtlpTemporalityPreference } from './otlp-options.js';
import type { ReportSeries } from './scheduled-reporter.js';

/** The quantile of each window statistic in a Summary (0 is the minimum, 1 the maximum). */
const QUANTILE_OF: Partial<Readonly<Record<Statistic, number>>> = Object.freeze({
  min: 0, p50: 0.5, p75: 0.75, p95: 0.95, p98: 0.98, p99: 0.99, p999: 0.999, max: 1,
});

/** How series become OTLP metrics. @internal */
export type OtlpMappingOptions = {
  readonly temporality: OtlpTemporalityPreference;
  readonly histograms: 'exponential' | 'summary';
  readonly maxBuckets: number;
  readonly rates: boolean;
};

type SeriesState = {
  /** When the reporter first saw the series: the start of its cumulative points. */
  readonly startMs: number;
  /** The previous report that read it: the start of its delta points. */
  lastMs: number;
  buckets: ExponentialBuckets | null;
  /** Adds one HDR bucket of its interval reader to `buckets`. */
  visit: ((midpoint: number, count: number, index: number) => void) | null;
  /** A metric with classic `buckets`: its lifetime buckets at the previous report (at first sight, before the first). */
  explicit: ExplicitTotals | null;
};

/** Lifetime bucket counts (per bucket, the last above every bound), count and sum at one report. */
type ExplicitTotals = { readonly bounds: readonly number[]; readonly counts: Float64Array; readonly count: number; readonly sum: number };

/** The explicit-bucket totals of `metric` now, or `null` if it has no classic buckets. */
function explicitTotals(metric: Metric): ExplicitTotals | null {
  if (metric.type !== 'histogram' && metric.type !== 'timer') return null;
  const read = lifetimeBucketsOf(metric);
  if (read === null || read.bounds.length === 0) return null;
  const n = read.bounds.length;
  const counts = new Float64Array(n + 1);
  let previous = 0;
  for (let i = 0; i < n; i++) {
    counts[i] = read.cumulative[i]! - previous;
    previous = read.cumulative[i]!;
  }
  counts[n] = read.count - previous;
  return { bounds: read.bounds, counts, count: read.count, sum: metric.sum };
}

type MutableMetric = OtlpMetric & { readonly points: unknown[] };

/** The metrics of one report being built, by name. @internal */
export type OtlpMetricGroups = Map<string, MutableMetric>;

/** @internal */
export class OtlpMapping {
  readonly #options: OtlpMappingOptions;
  readonly #selects: (metric: Metric) => boolean;
  readonly #states = new WeakMap<Metric, SeriesState>();
  readonly #readers = new Map<Metric, IntervalReader>();
  /** HDR bucket to exponential bucket, per layout (precision, resolution, unit). */
  readonly #indexCaches = new Map<string, BucketIndexCache>();
  /** Names with a counter series that went down: their Sums are non-monotonic from then on. */
  readonly #nonMonotonic = new Set<string>();
  readonly #unlisten: () => void;

  /**
   * Starts watching `registry`: series there now are first seen now; series added later
   * when they are created. Histograms and timers get their interval readers here.
   * (This duplicates the base reporter's interval readers, which do not expose HDR counts.)
   */
  constructor(registry: MetricRegistry, selects: (metric: Metric) => boolean, options: OtlpMappingOptions, nowMs: () => number) {
    this.#options = options;
    this.#selects = selects;
    const now = nowMs();
    for (const metric of registry.metrics()) this.#see(metric, now);
    this.#unlisten = registry.addListener({
      onAdded: (metric) => this.#see(metric, nowMs()),
      onRemoved: (metric) => {
        this.#readers.get(metric)?.close();
        this.#readers.delete(metric);
        this.#states.delete(metric);
      },
    });
  }

  #see(metric: Metric, nowMs: number): SeriesState {
    let state = this.#states.get(metric);
    if (state !== undefined) return state;
    state = { startMs: nowMs, lastMs: nowMs, buckets: null, visit: null, explicit: null };
    this.#states.set(metric, state);
    if (this.#options.histograms === 'exponential' && (metric.type === 'histogram' || metric.type === 'timer') && this.#selects(metric)) {
      // With classic buckets: an explicit-bucket Histogram from the lifetime buckets, counted from now on.
      state.explicit = explicitTotals(metric);
      if (state.explicit === null) this.#readers.set(metric, metric.openInterval());
    }
    return state;
  }

  /** Stops watching the registry and closes the interval readers. */
  close(): void {
    this.#unlisten();
    for (const reader of this.#readers.values()) reader.close();
    this.#readers.clear();
  }

  /**
   * As the OTLP exporter specification's temporality preferences say: `delta` and
   * `lowmemory` make monotonic sums delta and keep non-monotonic ones (up-down
   * counters) cumulative. (They differ only for asynchronous counters, which
   * tapemeasure does not have.)
   */
  #sumTemporality(monotonic: boolean): OtlpTemporality {
    return this.#options.temporality === 'cumulative' || !monotonic ? 'cumulative' : 'delta';
  }

  #group(out: OtlpMetricGroups, name: string, make: () => MutableMetric): unknown[] {
    let metric = out.get(name);
    if (metric === undefined) {
      metric = make();
      out.set(name, metric);
    }
    return metric.points;
  }

  /**
   * Notes the counters of a report that went down, before its series are added, so
   * that every series of their name goes out as one non-monotonic Sum.
   */
  prepare(series: readonly ReportSeries[]): void {
    for (const s of series) {
      if (s.type === 'counter' && ((s.countDelta ?? 0) < 0 || (s.count ?? 0) < 0)) this.#nonMonotonic.add(s.name);
    }
  }

  /** Adds the points of one series to `out`, at `timeMs` (after {@link prepare}). */
  add(series: ReportSeries, timeMs: number, out: OtlpMetricGroups): void {
    const state = this.#see(series.metric, timeMs);
    const { name, tags: attributes } = series;
    switch (series.type) {
      case 'gauge':
        if (series.value !== null && Number.isFinite(series.value)) {
          const point: OtlpNumberPoint = { attributes, startTimeMs: null, timeMs, value: series.value };
          this.#group(out, name, () => ({ kind: 'gauge', name, description: '', unit: '', points: [] })).push(point);
        }
        break;
      case 'counter':
      case 'meter':
        this.#sum(series, state, timeMs, out);
        break;
      case 'histogram':
      case 'timer':
        if (state.explicit !== null) this.#explicit(series, state, timeMs, out);
        else if (this.#options.histograms === 'exponential') this.#exponential(series, state, timeMs, out);
        else this.#summary(series, state, timeMs, out);
        break;
    }
    if (this.#options.rates && (series.type === 'meter' || series.type === 'timer')) {
      for (const field of series.fields) {
        if (!RATE_STATISTICS.has(field.statistic as Statistic)) continue;
        const rateName = `${name}.${field.suffix}`;
        const point: OtlpNumberPoint = { attributes, startTimeMs: null, timeMs, value: field.value };
        this.#group(out, rateName, () => ({ kind: 'gauge', name: rateName, description: '', unit: '/s', points: [] })).push(point);
      }
    }
    state.lastMs = timeMs;
  }

  #sum(series: ReportSeries, state: SeriesState, timeMs: number, out: OtlpMetricGroups): void {
    const count = series.count ?? 0;
    const delta = series.countDelta ?? 0;
    const monotonic = !this.#nonMonotonic.has(series.name);
    const temporality = this.#sumTemporality(monotonic);
    // A delta point for an idle series says nothing: it is left out, as OpenTelemetry SDKs do.
    if (temporality === 'delta' && delta === 0) return;
    const point: OtlpNumberPoint =
      temporality === 'delta'
        ? { attributes: series.tags, startTimeMs: state.lastMs, timeMs, value: delta }
        : { attributes: series.tags, startTimeMs: state.startMs, timeMs, value: count };
    const name = series.name;
    this.#group(out, name, () => ({ kind: 'sum', name, description: '', unit: '', temporality, monotonic, points: [] })).push(point);
  }

  #exponential(series: ReportSeries, state: SeriesState, timeMs: number, out: OtlpMetricGroups): void {
    const metric = series.metric;
    let reader = this.#readers.get(metric);
    if (reader === undefined) {
      if (metric.type !== 'histogram' && metric.type !== 'timer') return;
      // Not seen before (the filter was not selecting it): from now on.
      reader = metric.openInterval();
      this.#readers.set(metric, reader);
    }
    // Timers record milliseconds and export seconds: divided (one rounding), not multiplied
    // by 1e-3 (a constant that is itself rounded).
    const divisor = series.type === 'timer' ? 1000 : 1;
    const temporality: OtlpTemporality = this.#options.temporality === 'cumulative' ? 'cumulative' : 'delta';
    const buckets = (state.buckets ??= new ExponentialBuckets(scaleForPrecision(reader.octaveMagnitude), this.#options.maxBuckets));
    if (temporality === 'delta') buckets.reset();
    if (state.visit === null) {
      // Made once per series: HDR bucket (index, midpoint) to its exponential bucket.
      const indexes = this.#indexCache(`${reader.octaveMagnitude}/${reader.resolution}/${divisor}`, buckets.startScale);
      state.visit = (midpoint, count, index) => {
        if (index === 0) buckets.zeroCount += count;
        else buckets.addAtIndex(indexes.index(index, midpoint / divisor), count);
      };
    }
    const fields: IntervalTotals = reader.takeBuckets(state.visit);
    buckets.addStatistics(fields.count, fields.sum / divisor, scaled(fields.min, divisor), scaled(fields.max, divisor));
    if (temporality === 'delta' && fields.count === 0) return;
    const empty = buckets.count === 0;
    const point: OtlpExponentialHistogramPoint = {
      attributes: series.tags,
      startTimeMs: temporality === 'delta' ? state.lastMs : state.startMs,
      timeMs,
      count: buckets.count,
      sum: buckets.sum,
      min: empty ? null : buckets.min,
      max: empty ? null : buckets.max,
      scale: buckets.scale,
      zeroCount: buckets.zeroCount,
      zeroThreshold: reader.resolution / divisor / 2,
      positive: { offset: buckets.offset, counts: buckets.counts },
    };
    const name = series.name;
    const unit = series.type === 'timer' ? 's' : '';
    this.#group(out, name, () => ({ kind: 'exponentialHistogram', name, description: '', unit, temporality, points: [] })).push(point);
  }

  /** A metric with classic buckets: the buckets since the reporter first saw it (cumulative) or since the last report (delta). */
  #explicit(series: ReportSeries, state: SeriesState, timeMs: number, out: OtlpMetricGroups): void {
    const metric = series.metric;
    const now = explicitTotals(metric);
    const before = state.explicit;
    if (now === null || before === null) return;
    const temporality: OtlpTemporality = this.#options.temporality === 'cumulative' ? 'cumulative' : 'delta';
    const counts = now.counts.map((c, i) => c - before.counts[i]!);
    const count = now.count - before.count;
    // Cumulative points start where the reporter first saw the series: the baseline stays.
    if (temporality === 'delta') state.explicit = now;
    if (temporality === 'delta' && count === 0) return;
    const divisor = series.type === 'timer' ? 1000 : 1;
    const point: OtlpHistogramPoint = {
      attributes: series.tags,
      startTimeMs: temporality === 'delta' ? state.lastMs : state.startMs,
      timeMs,
      count,
      sum: (now.sum - before.sum) / divisor,
      // The lifetime buckets keep no exact min and max: left out rather than taken from the window.
      min: null,
      max: null,
      bounds: now.bounds.map((b) => b / divisor),
      counts,
    };
    const name = series.name;
    const unit = series.type === 'timer' ? 's' : '';
    this.#group(out, name, () => ({ kind: 'histogram', name, description: '', unit, temporality, points: [] })).push(point);
  }

  #indexCache(layout: string, scale: number): BucketIndexCache {
    let cache = this.#indexCaches.get(layout);
    if (cache === undefined) {
      cache = new BucketIndexCache(scale);
      this.#indexCaches.set(layout, cache);
    }
    return cache;
  }

  #summary(series: ReportSeries, state: SeriesState, timeMs: number, out: OtlpMetricGroups): void {
    const divisor = series.type === 'timer' ? 1000 : 1;
    const snapshot = series.snapshot as { readonly count: number; readonly sum: number };
    const quantiles: OtlpQuantile[] = [];
    for (const field of series.fields) {
      const quantile = QUANTILE_OF[field.statistic as Statistic];
      if (quantile !== undefined) quantiles.push({ quantile, value: field.value / divisor });
    }
    quantiles.sort((a, b) => a.quantile - b.quantile);
    const point: OtlpSummaryPoint = {
      attributes: series.tags, startTimeMs: state.startMs, timeMs, count: snapshot.count, sum: snapshot.sum / divisor, quantiles,
    };
    const name = series.name;
    const unit = series.type === 'timer' ? 's' : '';
    this.#group(out, name, () => ({ kind: 'summary', name, description: '', unit, points: [] })).push(point);
  }
}

function scaled(value: number | null, divisor: number): number | null {
  return value === null ? null : value / divisor;
}
