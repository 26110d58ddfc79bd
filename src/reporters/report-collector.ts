/**
 * A scheduled reporter's view of a registry, built on the one collector (collect.ts):
 * {@link ReportCollector} reads each series once per report, with per-reporter count
 * deltas and interval distributions, the chosen statistics, converted to the reporter's
 * units.
 *
 * @module
 * @internal
 */

import { show } from '../errors.js';
import {
  ALL_STATISTICS,
  DURATION_STATISTICS,
  durationConverter,
  EMPTY_WINDOW,
  RATE_STATISTICS,
  rateConverter,
  STATISTIC_SUFFIX,
  type Statistic,
  type TimeUnit,
} from '../formats/statistics.js';
import type { IntervalReader } from '../metrics/interval-reader.js';
import type { DistributionFields, MetricSnapshot } from '../metrics/snapshot.js';
import type { Metric, MetricFilter, MetricRegistry } from '../registry/types.js';
import { collectSeries, selects } from './collect.js';
import type { ReporterErrorKind, ReportField, ReportSeries } from './report.js';

/** Closes the readers of a collector that was garbage-collected without `close()`. */
const abandoned = new FinalizationRegistry<() => void>((cleanUp) => {
  cleanUp();
});

function release(readers: Map<Metric, IntervalReader>): void {
  for (const reader of readers.values()) reader.close();
  readers.clear();
}

function isCount(field: ReportField): boolean {
  return field.statistic === 'count';
}

/** One selected statistic of a {@link ReportCollector}: its suffix, and whether it is a rate or a duration. */
type FieldPlan = {
  readonly statistic: Statistic;
  readonly suffix: string;
  readonly rate: boolean;
  readonly duration: boolean;
};

/** Turns a snapshot into the fields of a {@link ReportSeries}: the selected statistics, converted. */
class FieldMaker {
  /** The selected statistics, in the order reporters write them, with how each converts. */
  readonly #plan: readonly FieldPlan[];
  readonly #toDuration: (ms: number) => number;
  readonly #toRate: (perSecond: number) => number;

  constructor(statistics: readonly Statistic[], toDuration: (ms: number) => number, toRate: (perSecond: number) => number) {
    const selected = new Set(statistics);
    this.#plan = ALL_STATISTICS.filter((s) => selected.has(s)).map((statistic) => ({
      statistic,
      suffix: STATISTIC_SUFFIX[statistic],
      rate: RATE_STATISTICS.has(statistic),
      duration: DURATION_STATISTICS.has(statistic),
    }));
    this.#toDuration = toDuration;
    this.#toRate = toRate;
  }

  /** Whether `count` is selected. */
  get hasCount(): boolean {
    return this.#plan[0]?.statistic === 'count';
  }

  /** The selected statistics of a snapshot that have a finite value, in the reporter's units (`count` alone with `countOnly`). */
  fields(snap: Exclude<MetricSnapshot, { type: 'gauge' }>, countOnly: boolean): ReportField[] {
    const fields: ReportField[] = [];
    const isTimer = snap.type === 'timer';
    const isCounter = snap.type === 'counter' || countOnly;
    const record = snap as unknown as Readonly<Record<string, number | null | undefined>>;
    for (const { statistic, suffix, rate, duration } of this.#plan) {
      if (isCounter && statistic !== 'count') continue;
      let value = record[statistic];
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      if (rate) value = this.#toRate(value);
      else if (isTimer && duration) value = this.#toDuration(value);
      fields.push({ statistic, suffix, value });
    }
    return fields;
  }
}

/**
 * A {@link ReportSeries} as the collector builds it: its fields are made when first read,
 * so that a report of 100,000 series does not hold a million field objects from its read
 * to the end of its send (a reporter that formats a series at a time reads them with
 * {@link transientFields}, and they die young).
 */
class CollectedSeries implements ReportSeries {
  readonly metric: Metric;
  readonly name: string;
  readonly tags: Metric['tags'];
  readonly type: Metric['type'];
  readonly snapshot: MetricSnapshot;
  readonly count: number | null;
  readonly countDelta: number | null;
  readonly value: number | null;
  readonly error: string | null;
  /** The fields, or what makes them. */
  #fields: readonly ReportField[] | FieldMaker;
  readonly #countOnly: boolean;

  constructor(
    metric: Metric,
    snapshot: MetricSnapshot,
    count: number | null,
    countDelta: number | null,
    fields: readonly ReportField[] | FieldMaker,
    countOnly: boolean,
    value: number | null = null,
    error: string | null = null,
  ) {
    this.metric = metric;
    this.name = metric.name;
    this.tags = metric.tags;
    this.type = metric.type;
    this.snapshot = snapshot;
    this.count = count;
    this.countDelta = countDelta;
    this.value = value;
    this.error = error;
    this.#fields = fields;
    this.#countOnly = countOnly;
  }

  get fields(): readonly ReportField[] {
    const fields = this.#fields;
    if (!(fields instanceof FieldMaker)) return fields;
    const made = this.#make(fields);
    this.#fields = made;
    return made;
  }

  /** The fields, made afresh (not kept) if not made yet. */
  transientFields(): readonly ReportField[] {
    const fields = this.#fields;
    return fields instanceof FieldMaker ? this.#make(fields) : fields;
  }

  /** Whether the fields hold `count`, without making them. */
  hasCountField(): boolean {
    const fields = this.#fields;
    if (fields instanceof FieldMaker) return this.count !== null && Number.isFinite(this.count) && fields.hasCount;
    return fields.some(isCount);
  }

  #make(maker: FieldMaker): ReportField[] {
    return maker.fields(this.snapshot as Exclude<MetricSnapshot, { type: 'gauge' }>, this.#countOnly);
  }
}

/**
 * The fields of `series`, for a reporter that formats a series at a time and lets them
 * go: those of a collected series are made afresh and not kept (unless already read),
 * so that they die young instead of living to the end of the report.
 *
 * @internal
 */
export function transientFields(series: ReportSeries): readonly ReportField[] {
  return series instanceof CollectedSeries ? series.transientFields() : series.fields;
}

/**
 * Whether the fields of `series` hold `count` (without making them, for a collected series).
 *
 * @internal
 */
export function hasCountField(series: ReportSeries): boolean {
  return series instanceof CollectedSeries ? series.hasCountField() : series.fields.some(isCount);
}

/** How a {@link ReportCollector} reads. */
export type ReportCollectorOptions = {
  /** Which metrics; all when undefined. */
  readonly filter: MetricFilter | undefined;
  /** Which statistics become fields. */
  readonly statistics: readonly Statistic[];
  /** The unit rates are converted to a rate per. */
  readonly rateUnit: TimeUnit;
  /** The unit timer durations are converted to. */
  readonly durationUnit: TimeUnit;
  /** Window statistics from the metric's window, or from this collector's own interval readers. */
  readonly distribution: 'window' | 'interval';
  /**
   * Told about a filter that threw, a gauge that failed, and statistics left out to fit
   * in the stop budget; must not throw.
   */
  readonly onError: (kind: Extract<ReporterErrorKind, 'filter' | 'gauge' | 'stop-timeout'>, error: unknown, message: string) => void;
};

/** Bounds of one {@link ReportCollector.collect}, set by a reporter's `stop()`. */
export type CollectBudget = {
  /** Waits at most this long for each callback gauge, in milliseconds. */
  readonly gaugeBoundMs?: number;
  /**
   * Turns true when reading must hurry: the histograms and timers read after that keep
   * their counts and leave out their statistics and rates (the costly part to read, and
   * most of the lines to send).
   */
  readonly hurry?: () => boolean;
};

/**
 * A scheduled reporter's reader: builds the {@link ReportSeries} of one report, and
 * remembers what this reporter saw last (counts, interval readers), so that two
 * reporters never disturb each other.
 */
export class ReportCollector {
  readonly #registry: MetricRegistry;
  readonly #filter: MetricFilter | undefined;
  readonly #fieldMaker: FieldMaker;
  readonly #interval: boolean;
  readonly #onError: ReportCollectorOptions['onError'];
  readonly #lastCounts = new WeakMap<Metric, number>();
  readonly #readers = new Map<Metric, IntervalReader>();
  /** Series that expired since the last report: read once more, then forgotten. */
  readonly #departed = new Set<Metric>();
  readonly #onFilterError = (metric: Metric, error: unknown): void => {
    this.#onError('filter', error, `the filter threw for ${show(metric.name)}: ${String(error)}`);
  };
  readonly #read = (metric: Metric, gaugeRead: MetricSnapshot | undefined): ReportSeries => this.#series(metric, gaugeRead);
  #unlisten: (() => void) | null = null;
  #hurry: (() => boolean) | undefined = undefined;
  #hurried = 0;

  /**
   * @param registry - what to read.
   * @param options - see {@link ReportCollectorOptions}.
   */
  constructor(registry: MetricRegistry, options: ReportCollectorOptions) {
    this.#registry = registry;
    this.#filter = options.filter;
    this.#fieldMaker = new FieldMaker(options.statistics, durationConverter(options.durationUnit), rateConverter(options.rateUnit));
    this.#interval = options.distribution === 'interval';
    this.#onError = options.onError;
  }

  /** Reads the selected series of one report (never two at once), within `budget`. */
  async collect(budget: CollectBudget = {}): Promise<ReportSeries[]> {
    this.#hurry = budget.hurry;
    this.#hurried = 0;
    try {
      const options = { filter: this.#filter, onFilterError: this.#onFilterError, read: this.#read };
      const gaugeBoundMs = budget.gaugeBoundMs;
      const out = (await collectSeries(this.#registry, gaugeBoundMs === undefined ? options : { ...options, gaugeBoundMs }))!;
      // What expired since the last report goes out once more (its last delta), then is
      // forgotten: its reader closed, its counts dropped with the metric.
      for (const metric of this.#departed) {
        if (selects(this.#filter, metric, this.#onFilterError)) out.push(this.#read(metric, undefined));
        this.#readers.get(metric)?.close();
        this.#readers.delete(metric);
      }
      this.#departed.clear();
      return out;
    } finally {
      if (this.#hurried > 0) {
        this.#onError(
          'stop-timeout',
          undefined,
          `the report left out the distribution statistics of ${this.#hurried} series to fit in stopTimeoutMs (their counts went)`,
        );
      }
      this.#hurry = undefined;
    }
  }

  /**
   * Starts watching the registry, which a reporter does at construction:
   *
   * - with `distribution: 'interval'`, opens an interval reader on every selected
   *   histogram and timer (and on those added later, when they are added), so that the
   *   first interval of each starts now, or at its creation if later (a reader holds an
   *   HDR histogram only while it holds values);
   * - a series that expires (the registry's `expireAfterMs`) is read once more in the
   *   next report, so that the count it gained since this reporter's last report is
   *   sent (delta reporters would lose it otherwise); one revived before then is read as
   *   usual.
   */
  open(): void {
    if (this.#unlisten !== null) return;
    if (this.#interval) for (const metric of this.#registry.metrics()) this.#openOn(metric);
    // The registry holds the listener, the listener only a weak reference to this
    // collector: a reporter dropped without stop() (say, its subclass's constructor threw
    // after super()) can still be collected, and then its readers are closed.
    const self = new WeakRef(this);
    const readers = this.#readers;
    const departed = this.#departed;
    const unlisten = this.#registry.addListener({
      onAdded: (metric) => {
        departed.delete(metric);
        const collector = self.deref();
        if (collector !== undefined && collector.#interval) collector.#openOn(metric);
      },
      onRemoved: (metric, reason) => {
        if (reason === 'expired' && metric.type !== 'gauge') departed.add(metric);
        else {
          readers.get(metric)?.close();
          readers.delete(metric);
        }
      },
    });
    this.#unlisten = unlisten;
    abandoned.register(this, () => {
      release(readers);
      departed.clear();
      unlisten();
    }, this);
  }

  #openOn(metric: Metric): void {
    if (
      (metric.type === 'histogram' || metric.type === 'timer') &&
      !this.#readers.has(metric) &&
      selects(this.#filter, metric, this.#onFilterError)
    ) {
      this.#readers.set(metric, metric.openInterval());
    }
  }

  /** Closes every interval reader and stops watching the registry. */
  close(): void {
    release(this.#readers);
    this.#departed.clear();
    this.#unlisten?.();
    this.#unlisten = null;
    abandoned.unregister(this);
  }

  #series(metric: Metric, gaugeRead: MetricSnapshot | undefined): ReportSeries {
    // Object literals written out in full, in one key order: spreading (`{ ...base }`)
    // took a slow path per series, which at 100,000 series was most of the read.
    if (metric.type === 'gauge') {
      const snap = gaugeRead ?? metric.snapshot();
      const value = snap.type === 'gauge' ? snap.value : null;
      const error = snap.type === 'gauge' && snap.error !== undefined ? snap.error : null;
      if (error !== null || value === null) {
        this.#onError('gauge', undefined, `gauge ${show(metric.name)} failed: ${error ?? 'no value'}`);
      }
      const fields: ReportField[] = value === null ? [] : [{ statistic: 'value', suffix: STATISTIC_SUFFIX.value, value }];
      return new CollectedSeries(metric, snap, null, null, fields, false, value, error);
    }
    let snap: MetricSnapshot;
    let hurried = false;
    if ((metric.type === 'histogram' || metric.type === 'timer') && this.#hurry?.() === true) {
      this.#hurried++;
      hurried = true;
      snap = metric.type === 'histogram'
        ? { type: 'histogram', count: metric.count, sum: metric.sum, ...EMPTY_WINDOW }
        : {
          type: 'timer', count: metric.count, sum: metric.sum,
          meanRate: metric.meanRate, m1Rate: metric.m1Rate, m5Rate: metric.m5Rate, m15Rate: metric.m15Rate,
          ...EMPTY_WINDOW,
        };
    } else if (this.#interval && metric.type === 'histogram') {
      // The window statistics would be computed only to be replaced: read the cheap fields.
      const w = this.#intervalFields(metric);
      snap = {
        type: 'histogram', count: metric.count, sum: metric.sum,
        windowCount: w.windowCount, min: w.min, max: w.max, mean: w.mean, stddev: w.stddev,
        p50: w.p50, p75: w.p75, p95: w.p95, p98: w.p98, p99: w.p99, p999: w.p999,
      };
    } else if (this.#interval && metric.type === 'timer') {
      const w = this.#intervalFields(metric);
      snap = {
        type: 'timer', count: metric.count, sum: metric.sum,
        meanRate: metric.meanRate, m1Rate: metric.m1Rate, m5Rate: metric.m5Rate, m15Rate: metric.m15Rate,
        windowCount: w.windowCount, min: w.min, max: w.max, mean: w.mean, stddev: w.stddev,
        p50: w.p50, p75: w.p75, p95: w.p95, p98: w.p98, p99: w.p99, p999: w.p999,
      };
    } else snap = metric.snapshot();
    const count = (snap as { readonly count: number }).count;
    const last = this.#lastCounts.get(metric);
    this.#lastCounts.set(metric, count);
    const countDelta = last === undefined ? count : count - last;
    // Hurried: only the count is sent (a timer's rates are most of its lines, and can wait).
    return new CollectedSeries(metric, snap, count, countDelta, this.#fieldMaker, hurried);
  }

  /** The window fields of the interval since the last report (its `count` and `sum` are the interval's: not read). */
  #intervalFields(metric: Metric & { openInterval(): IntervalReader }): Omit<DistributionFields, 'count' | 'sum'> {
    const reader = this.#readers.get(metric);
    if (reader === undefined) {
      // A metric with no reader yet (the reporter is stopped, or the filter skipped it
      // when it was added): its interval starts here.
      if (this.#unlisten !== null) this.#readers.set(metric, metric.openInterval());
      return EMPTY_WINDOW;
    }
    return reader.take();
  }
}
