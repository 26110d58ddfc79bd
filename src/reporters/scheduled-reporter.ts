/**
 * The base of every push reporter (StatsD, Graphite, JSON stream): a scheduler that
 * reads the registry on an interval and hands a ready-made {@link Report} to a subclass.
 *
 * ## Subclass contract
 *
 * ```ts
 * class MyReporter extends ScheduledReporter {
 *   constructor(registry: Registry, options: MyReporterOptions = {}) {
 *     super(registry, options, 'my');              // 'my' names warnings and self-metrics
 *     // validate your own options here; throw InvalidOptionError for bad ones
 *   }
 *   protected override async send(report: Report): Promise<void> {
 *     // format report.series and write them; throw or reject on failure
 *     // (the base counts it and calls onError with kind 'send').
 *     // Call this.countBytes(n) and this.countDropped(n) for self-metrics.
 *   }
 *   protected override async close(): Promise<void> {
 *     // optional: flush and close the transport. Called once, by stop(), after the final
 *     // report; or, if that report hangs past stopTimeoutMs, while its send() is pending.
 *   }
 * }
 * ```
 *
 * - `send()` is never called concurrently: the base runs one report at a time.
 * - `report.timestampMs` is the wall-clock time of the report, aligned to a multiple of
 *   the interval for scheduled reports (Graphite: `Math.floor(timestampMs / 1000)`).
 * - `report.series` holds only selected series, already read (async gauges awaited with
 *   their timeout) and converted to `rateUnit` / `durationUnit`. Each series carries its
 *   `count`, its `countDelta` since *this reporter's* previous report, a gauge's `value`
 *   (or `error`), and `fields`: the selected statistics that have a value (an empty
 *   window's statistics are omitted, never sent as 0).
 * - Errors outside `send()` (a socket's `'error'` event, ...) go to
 *   `this.reportError('transport', error)`; never throw them.
 *
 * @module
 */

import type { Clock } from '../clock.js';
import { clockCheck } from '../clock.js';
import { ErrorCodes, InvalidOptionError, MetricsError, show } from '../errors.js';
import { anyOf, arrayOf, boolean, func, integer, nonEmptyString, object, oneOf, readOptions, shape, type Schema } from '../internal/options.js';
import type { IntervalReader } from '../metrics/interval-reader.js';
import type { MetricType } from '../metrics/metric.js';
import type { Tags } from '../names.js';
import type { Counter } from '../metrics/counter.js';
import { registryOf, REGISTRY_OPTION } from '../registry/registry-option.js';
import type { Metric, MetricRegistry } from '../registry/types.js';
import type { DistributionFields, MetricSnapshot } from '../metrics/snapshot.js';
import { compileSelector, selectorCheck, type MetricSelector } from './select.js';
import {
  ALL_STATISTICS,
  DEFAULT_STATISTICS,
  DURATION_STATISTICS,
  durationConverter,
  RATE_STATISTICS,
  rateConverter,
  STATISTIC_SUFFIX,
  statisticCheck,
  timeUnitCheck,
  type Statistic,
  type TimeUnit,
} from '../formats/statistics.js';
import { sliceYielder } from '../internal/slicer.js';

/**
 * What failed in a reporter:
 * - `send`: the subclass could not send a report (it threw or rejected);
 * - `transport`: the transport failed outside a report (socket error, reconnect, ...);
 * - `close`: closing the transport failed;
 * - `stop-timeout`: `stop()` gave up waiting for the final report or the close;
 * - `gauge`: a gauge threw, rejected, timed out or returned a non-number (the rest of
 *   the report still went out);
 * - `filter`: the filter predicate threw for a metric (the metric was left out);
 * - `stream`: the destination stream failed or is not draining (JSON stream reporter).
 */
export type ReporterErrorKind = 'send' | 'transport' | 'close' | 'stop-timeout' | 'gauge' | 'filter' | 'stream';

/**
 * An error a reporter hands to `onError`. It never reaches the application otherwise.
 * Code `ERR_TAPEMEASURE_REPORT_FAILED`; the original error is the `cause`.
 */
export class ReporterError extends MetricsError {
  /** What failed. */
  readonly kind: ReporterErrorKind;
  /** Which reporter (`'statsd'`, `'graphite'`, `'json-stream'`, ...). */
  readonly reporter: string;

  /**
   * @param reporter - the reporter's kind.
   * @param kind - what failed.
   * @param message - what happened.
   * @param cause - the original error, if any.
   */
  constructor(reporter: string, kind: ReporterErrorKind, message: string, cause?: unknown) {
    super(
      ErrorCodes.REPORT_FAILED,
      message,
      cause === undefined ? undefined : { cause },
    );
    this.name = 'ReporterError';
    this.kind = kind;
    this.reporter = reporter;
  }
}

/** One statistic of a series, ready to send. */
export type ReportField = {
  /** Which statistic (`'p99'`), or `'value'` for a gauge. */
  readonly statistic: Statistic | 'value';
  /** Its Dropwizard suffix (`'p99'`, `'m1_rate'`, `'value'`). */
  readonly suffix: string;
  /** The value, finite, in the reporter's units. */
  readonly value: number;
};

/** One series (a metric name plus tags) in a {@link Report}. */
export type ReportSeries = {
  /** The metric itself. */
  readonly metric: Metric;
  /** The dotted name. */
  readonly name: string;
  /** Its tags (`{}` for none). */
  readonly tags: Tags;
  /** The metric type. */
  readonly type: MetricType;
  /**
   * What was read, in the registry's own units (milliseconds, per second), like
   * `metric.snapshot()`; with `distribution: 'interval'` the window statistics
   * (`windowCount`, `min` ... `p999`) cover the interval since this reporter's previous report.
   */
  readonly snapshot: MetricSnapshot;
  /** Lifetime count (events, values or the counter's count); `null` for a gauge. */
  readonly count: number | null;
  /**
   * `count` minus the `count` this reporter saw in its previous report (the whole count
   * the first time); `null` for a gauge. Negative if a counter went down.
   */
  readonly countDelta: number | null;
  /** A gauge's value; `null` for other types or when the gauge failed. */
  readonly value: number | null;
  /** Why a gauge failed; `null` otherwise. */
  readonly error: string | null;
  /**
   * The selected statistics that have a value, converted to the reporter's units; a
   * gauge has one field, `value` (none if it failed).
   */
  readonly fields: readonly ReportField[];
};

/** What a reporter sends in one report. */
export type Report = {
  /**
   * Wall-clock time of the report in epoch milliseconds: the interval boundary for a
   * scheduled report, the clock's time for `report()` and the final report.
   */
  readonly timestampMs: number;
  /** Whether this is the final report sent by `stop()`. */
  readonly final: boolean;
  /** The selected series, in registry order. */
  readonly series: readonly ReportSeries[];
};

/** Counters a reporter keeps about itself (always; also in the registry with `selfMetrics`). */
export type ReporterStats = {
  /** Reports sent successfully. */
  readonly reports: number;
  /** Reports that failed. */
  readonly failures: number;
  /** Scheduled reports skipped because the previous one was still running (or the stream was not draining). */
  readonly skipped: number;
  /** Lines, datagrams or documents dropped by the transport (bounded queues, oversize lines). */
  readonly dropped: number;
  /** Bytes handed to the transport. */
  readonly bytes: number;
  /** How long the last report took, in milliseconds (`null` before the first). */
  readonly lastDurationMs: number | null;
};

/** Options of self-metrics. */
export type SelfMetricsOptions = {
  /**
   * Name prefix of the self-metrics.
   *
   * @defaultValue `tapemeasure.reporter.<kind>` (`tapemeasure.reporter.statsd`, ...)
   */
  readonly prefix?: string;
  /** Tags added to the self-metrics. */
  readonly tags?: Tags;
};

/** Options every scheduled reporter accepts. */
export type ScheduledReporterOptions = {
  /**
   * The registry to report: a {@link Registry}, a scope of one, or any object with the
   * registry brand.
   *
   * @defaultValue the default registry
   */
  readonly registry?: MetricRegistry;
  /**
   * Which metrics to report: a name prefix, a glob, a list of them, or a predicate.
   *
   * @defaultValue every metric
   */
  readonly filter?: MetricSelector;
  /**
   * The unit rates are reported per (`'min'`: events per minute).
   *
   * @defaultValue `'s'`
   */
  readonly rateUnit?: TimeUnit;
  /**
   * The unit timer durations are reported in.
   *
   * @defaultValue `'ms'`
   */
  readonly durationUnit?: TimeUnit;
  /**
   * Which statistics to report for meters, histograms and timers (counters report
   * `count` if it is listed; gauges always report their value).
   *
   * @defaultValue {@link DEFAULT_STATISTICS}: all but `sum` and `windowCount`
   */
  readonly statistics?: readonly Statistic[];
  /**
   * Where histogram and timer statistics come from: `'window'`, the metric's recent
   * sliding window (about a minute, shared by every reader); `'interval'`, the values
   * recorded since this reporter's previous report (its own reader, so two reporters
   * never disturb each other; an interval with no values omits them).
   *
   * @defaultValue `'window'`
   */
  readonly distribution?: 'window' | 'interval';
  /**
   * Called with every error; must not throw (what it throws is ignored).
   *
   * @defaultValue one `process.emitWarning` per error kind, then at most one per kind
   *   per minute, saying how many were suppressed.
   */
  readonly onError?: (error: ReporterError) => void;
  /**
   * Also count reports, failures, skipped reports, dropped items, bytes sent and the
   * last report's duration as metrics in the registry.
   *
   * @defaultValue false
   */
  readonly selfMetrics?: boolean | SelfMetricsOptions;
  /**
   * How long `stop()` waits for the running report, the final report and the close,
   * together, before giving up (reported as `stop-timeout`).
   *
   * @defaultValue 5000
   */
  readonly stopTimeoutMs?: number;
  /**
   * The wall-clock source for alignment and timestamps.
   *
   * @defaultValue the registry's clock
   */
  readonly clock?: Clock;
};

/** Who a subclass of {@link ScheduledReporter} is; see its constructor. */
export type ReporterIdentity = {
  /** The reporter's kind, in warnings and self-metric names (`'statsd'`). */
  readonly kind: string;
  /** Its name in error messages (`'StatsdReporter'`). */
  readonly where: string;
  /** The schema of the subclass's own options (beyond `REPORTER_OPTIONS`). */
  readonly schema?: Schema;
  /** The default of `distribution` for this reporter. */
  readonly distribution?: 'window' | 'interval';
};

/** The longest interval `setTimeout` accepts. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The schema of {@link ScheduledReporterOptions}: every scheduled reporter reads these
 * keys, and spreads them into the schema of its own options.
 *
 * @internal
 */
export const REPORTER_OPTIONS = Object.freeze({
  ...REGISTRY_OPTION,
  filter: selectorCheck,
  rateUnit: timeUnitCheck,
  durationUnit: timeUnitCheck,
  statistics: arrayOf(statisticCheck),
  distribution: oneOf('window', 'interval'),
  onError: func,
  selfMetrics: anyOf(boolean, shape({ prefix: nonEmptyString, tags: object }, '{ prefix?, tags? }')),
  stopTimeoutMs: integer(1, MAX_TIMER_MS),
  clock: clockCheck,
});

/** The minimum gap between two default warnings of the same kind. */
const WARNING_INTERVAL_MS = 60_000;
/** The longest interval `setTimeout` accepts. */
const MAX_INTERVAL_MS = 2 ** 31 - 1;

type SelfMetrics = {
  readonly reports: Counter;
  readonly failures: Counter;
  readonly skipped: Counter;
  readonly dropped: Counter;
  readonly bytes: Counter;
};

type WarningState = { lastMs: number; suppressed: number };

const NULL_DISTRIBUTION = {
  windowCount: 0,
  min: null,
  max: null,
  mean: null,
  stddev: null,
  p50: null,
  p75: null,
  p95: null,
  p98: null,
  p99: null,
  p999: null,
} as const;

/**
 * The base of push reporters: `start(intervalMs)` schedules reports on one `unref()`ed
 * timer aligned to wall-clock multiples of the interval, `report()` sends one now,
 * `await stop()` sends a final report and closes. A report still running when the next
 * is due makes that one skip (counted in `stats.skipped`); reports never pile up.
 * Errors never reach the application: they go to `onError`.
 *
 * See the module documentation for the subclass contract.
 */
export abstract class ScheduledReporter {
  /** The registry this reporter reads. */
  readonly registry: MetricRegistry;
  /** The reporter's kind, used in warnings and self-metric names (`'statsd'`). */
  readonly kind: string;
  /** The reporter's name in messages (`'StatsdReporter'`). */
  readonly where: string;
  /** The clock used for alignment and timestamps. */
  protected readonly clock: Clock;
  readonly #filter: ((metric: Metric) => boolean) | undefined;
  readonly #statistics: ReadonlySet<Statistic>;
  readonly #toDuration: (ms: number) => number;
  readonly #toRate: (perSecond: number) => number;
  readonly #interval: boolean;
  readonly #onError: ((error: ReporterError) => void) | undefined;
  readonly #selfOptions: { readonly prefix?: string | undefined; readonly tags?: Tags | undefined } | null;
  readonly #stopTimeoutMs: number;

  #state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  #intervalMs = 0;
  #timer: NodeJS.Timeout | null = null;
  #lastScheduledMs = Number.NEGATIVE_INFINITY;
  #inFlight: Promise<void> | null = null;
  #stopped: Promise<void> | null = null;
  readonly #lastCounts = new WeakMap<Metric, number>();
  readonly #readers = new Map<Metric, IntervalReader>();
  #unlisten: (() => void) | null = null;
  readonly #warnings = new Map<ReporterErrorKind, WarningState>();
  #self: SelfMetrics | null = null;

  #reports = 0;
  #failures = 0;
  #skipped = 0;
  #sendSkipped = false;
  #dropped = 0;
  #bytes = 0;
  #lastDurationMs: number | null = null;

  /**
   * @param options - what to report and how; see {@link ScheduledReporterOptions}. Read
   *   with `REPORTER_OPTIONS` plus `identity.schema`: any other key is an error.
   * @param identity - who the subclass is: its kind (warnings and self-metric names),
   *   its name in messages, the schema of its own options, and its default `distribution`.
   * @throws {@link InvalidOptionError} or {@link UnknownOptionError} for a bad option.
   */
  constructor(options: ScheduledReporterOptions | undefined, identity: ReporterIdentity) {
    const { kind, where, schema = {}, distribution: defaultDistribution = 'window' } = identity;
    const o = readOptions(where, options, REPORTER_OPTIONS, schema);
    this.registry = registryOf(o);
    this.kind = kind;
    this.where = where;
    this.clock = o.clock ?? this.registry.clock;
    this.#filter = compileSelector(o.filter, where);
    this.#statistics = new Set(o.statistics ?? DEFAULT_STATISTICS);
    this.#toDuration = durationConverter(o.durationUnit ?? 'ms');
    this.#toRate = rateConverter(o.rateUnit ?? 's');
    this.#interval = (o.distribution ?? defaultDistribution) === 'interval';
    this.#onError = o.onError as ((error: ReporterError) => void) | undefined;
    const self = o.selfMetrics ?? false;
    this.#selfOptions = self === false ? null : self === true ? {} : (self as { prefix?: string; tags?: Tags });
    if (this.#selfOptions !== null) this.#registerSelfMetrics();
    this.#stopTimeoutMs = o.stopTimeoutMs ?? 5_000;
  }

  /**
   * Sends one report. Implemented by each reporter: format `report.series` and write
   * them. Throw or reject on failure; the base counts it and calls `onError`. Never
   * called concurrently.
   */
  protected abstract send(report: Report): Promise<void> | void;

  /**
   * Flushes and closes the transport. Called once by `stop()` after the final report,
   * within `stopTimeoutMs`; if the final report is still running when that time is up,
   * it is called anyway (while `send()` is pending) to release the transport. The
   * default does nothing.
   */
  protected close(): Promise<void> | void {
    // Nothing to close by default.
  }

  /** Counts bytes handed to the transport (self-metric `bytes`). */
  protected countBytes(n: number): void {
    if (!(n > 0)) return;
    this.#bytes += n;
    this.#self?.bytes.inc(n);
  }

  /** Counts lines, datagrams or documents the transport dropped (self-metric `dropped`). */
  protected countDropped(n = 1): void {
    if (!(n > 0)) return;
    this.#dropped += n;
    this.#self?.dropped.inc(n);
  }

  /**
   * Counts a report skipped for a reason of the subclass, such as backpressure
   * (self-metric `skipped`); call it from `send()` and return without sending: that
   * report then counts as skipped, not as sent.
   */
  protected countSkipped(): void {
    this.#sendSkipped = true;
    this.#countSkip();
  }

  #countSkip(): void {
    this.#skipped++;
    this.#self?.skipped.inc();
  }

  /**
   * Hands an error to `onError` (or the default rate-limited warning). Never throws.
   *
   * @param kind - what failed.
   * @param error - the original error (becomes the `cause`).
   * @param message - a description; defaults to the error's message.
   */
  protected reportError(kind: ReporterErrorKind, error: unknown, message?: string): void {
    const text = message ?? (error instanceof Error ? error.message : show(error));
    const wrapped = new ReporterError(this.kind, kind, `${this.kind} reporter: ${kind}: ${text}`, error);
    if (this.#onError !== undefined) {
      try {
        this.#onError(wrapped);
      } catch {
        // onError must not throw; if it does, the application still must not see it.
      }
      return;
    }
    this.#warn(wrapped);
  }

  #warn(error: ReporterError): void {
    const nowMs = this.clock.monotonicMs();
    const state = this.#warnings.get(error.kind);
    if (state !== undefined && nowMs - state.lastMs < WARNING_INTERVAL_MS) {
      state.suppressed++;
      return;
    }
    const suppressed = state?.suppressed ?? 0;
    this.#warnings.set(error.kind, { lastMs: nowMs, suppressed: 0 });
    const more = suppressed > 0 ? ` (${suppressed} more ${error.kind} errors since the last warning)` : '';
    process.emitWarning(`${error.message}${more}`, { type: 'TapemeasureWarning', code: error.code });
  }

  /** What this reporter has done so far. */
  get stats(): ReporterStats {
    return {
      reports: this.#reports,
      failures: this.#failures,
      skipped: this.#skipped,
      dropped: this.#dropped,
      bytes: this.#bytes,
      lastDurationMs: this.#lastDurationMs,
    };
  }

  /** Whether `start()` has been called and `stop()` has not. */
  get running(): boolean {
    return this.#state === 'running';
  }

  /** The interval given to `start()`, in milliseconds (0 if not started). */
  get intervalMs(): number {
    return this.#intervalMs;
  }

  /**
   * Starts reporting every `intervalMs`, at wall-clock multiples of it (every 10 s:
   * at :00, :10, :20, ...). The timer is `unref()`ed: it never keeps the process alive.
   *
   * @param intervalMs - the interval in milliseconds, an integer in [1, 2^31 - 1].
   * @returns this reporter.
   * @throws {@link InvalidOptionError} for a bad interval.
   * @throws {@link MetricsError} `ERR_TAPEMEASURE_REPORTER_STATE` if already started or stopped.
   * @example
   * ```ts
   * const reporter = new JsonStreamReporter({ registry }).start(10_000);
   * process.on('SIGTERM', () => void reporter.stop());
   * ```
   */
  start(intervalMs: number): this {
    if (!Number.isInteger(intervalMs) || intervalMs < 1 || intervalMs > MAX_INTERVAL_MS) {
      throw new InvalidOptionError(
        `${this.kind} reporter: start() needs an integer intervalMs in [1, ${MAX_INTERVAL_MS}], received ${show(intervalMs)}`,
      );
    }
    if (this.#state !== 'idle') {
      throw new MetricsError(
        ErrorCodes.REPORTER_STATE,
        `${this.kind} reporter: start() called on a reporter that is ${this.#state === 'running' ? 'already running' : 'stopped'}; ` +
          `create a new reporter instead`,
      );
    }
    this.#state = 'running';
    this.#intervalMs = intervalMs;
    if (this.#interval && this.#unlisten === null) this.#openReaders();
    this.#schedule();
    return this;
  }

  /**
   * Sends one report now (after the one running, if any). Never rejects: failures go
   * to `onError`. Does nothing once the reporter is stopped.
   */
  async report(): Promise<void> {
    if (this.#state === 'stopping' || this.#state === 'stopped') return;
    await this.#runAfterCurrent(null, false);
  }

  /**
   * Stops the timer, waits for the running report, sends a final report, then closes
   * the transport, all within `stopTimeoutMs`. Never rejects; safe to call twice (the
   * second call returns the same promise).
   */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  /** `await using reporter = ...` stops it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  async #stop(): Promise<void> {
    this.#state = 'stopping';
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    let closing = false;
    const close = async (): Promise<void> => {
      if (closing) return;
      closing = true;
      try {
        await this.close();
      } catch (error) {
        this.reportError('close', error);
      }
    };
    // A reporter that was never started still sends its final report: report() users
    // (and `await using`) expect stop() to flush what was recorded.
    let finalDone = false;
    const work = (async () => {
      await this.#runAfterCurrent(null, true);
      finalDone = true;
      await close();
    })();
    if (!(await withTimeout(work, this.#stopTimeoutMs))) {
      this.reportError(
        'stop-timeout',
        undefined,
        `${finalDone ? 'closing' : 'the final report'} did not finish within ${this.#stopTimeoutMs} ms`,
      );
      // Release the transport anyway; close() must cope with a send() still pending.
      void close();
    }
    for (const reader of this.#readers.values()) reader.close();
    this.#readers.clear();
    this.#unlisten?.();
    this.#unlisten = null;
    this.#state = 'stopped';
  }

  #schedule(): void {
    const nowMs = this.clock.now();
    const interval = this.#intervalMs;
    // The next multiple of the interval after now, and never the one already used (a
    // timer can fire a little before the wall clock reaches its boundary).
    // (If the wall clock was set back by more than an interval, start afresh from now.)
    let next = (Math.floor(nowMs / interval) + 1) * interval;
    if (next <= this.#lastScheduledMs && this.#lastScheduledMs - nowMs <= interval) next = this.#lastScheduledMs + interval;
    this.#lastScheduledMs = next;
    const delay = Math.min(Math.max(next - nowMs, 0), MAX_INTERVAL_MS);
    const timer = setTimeout(() => { this.#onTimer(next); }, delay);
    timer.unref();
    this.#timer = timer;
  }

  #onTimer(dueMs: number): void {
    if (this.#state !== 'running') return;
    // The report carries the boundary it was due at; if the wall clock jumped meanwhile
    // (NTP, a suspended VM), the boundary it is at now.
    const nowMs = this.clock.now();
    const timestampMs = Math.abs(nowMs - dueMs) < this.#intervalMs ? dueMs : Math.floor(nowMs / this.#intervalMs) * this.#intervalMs;
    this.#schedule();
    if (this.#inFlight !== null) {
      this.#countSkip();
      return;
    }
    void this.#run(timestampMs, false);
  }

  async #runAfterCurrent(timestampMs: number | null, final: boolean): Promise<void> {
    while (this.#inFlight !== null) await this.#inFlight;
    await this.#run(timestampMs, final);
  }

  #run(timestampMs: number | null, final: boolean): Promise<void> {
    const run = this.#execute(timestampMs ?? this.clock.now(), final).finally(() => {
      if (this.#inFlight === run) this.#inFlight = null;
    });
    this.#inFlight = run;
    return run;
  }

  async #execute(timestampMs: number, final: boolean): Promise<void> {
    const startedMs = this.clock.monotonicMs();
    try {
      const series = await this.#collect();
      this.#sendSkipped = false;
      await this.send({ timestampMs, final, series });
      // A send() that skipped its report (backpressure) counted it as skipped, not sent.
      if (!this.#sendSkipped) {
        this.#reports++;
        this.#self?.reports.inc();
      }
    } catch (error) {
      this.#failures++;
      this.#self?.failures.inc();
      this.reportError('send', error);
    } finally {
      this.#lastDurationMs = this.clock.monotonicMs() - startedMs;
    }
  }

  /**
   * Reads the selected series: gauges in parallel (each bounded by its own timeout),
   * then everything else, yielding to the event loop every few milliseconds so that a
   * large registry never stalls the application.
   */
  async #collect(): Promise<ReportSeries[]> {
    const selected: Metric[] = [];
    for (const metric of this.registry.metrics()) {
      if (this.#selects(metric)) selected.push(metric);
    }
    const gaugeReads = new Map<Metric, MetricSnapshot>();
    const pending: Promise<void>[] = [];
    for (const metric of selected) {
      if (metric.type === 'gauge' && !metric.settable) {
        pending.push(metric.collect().then((s) => void gaugeReads.set(metric, s)));
      }
    }
    if (pending.length > 0) await Promise.all(pending);
    const out: ReportSeries[] = [];
    const pause = sliceYielder();
    for (const metric of selected) {
      out.push(this.#read(metric, gaugeReads.get(metric)));
      const wait = pause();
      if (wait !== undefined) await wait;
    }
    return out;
  }

  #selects(metric: Metric): boolean {
    const filter = this.#filter;
    if (filter === undefined) return true;
    try {
      return filter(metric);
    } catch (error) {
      this.reportError('filter', error, `the filter threw for ${show(metric.name)}: ${String(error)}`);
      return false;
    }
  }

  #read(metric: Metric, gaugeRead: MetricSnapshot | undefined): ReportSeries {
    const base = { metric, name: metric.name, tags: metric.tags, type: metric.type };
    if (metric.type === 'gauge') {
      const snap = gaugeRead ?? metric.snapshot();
      const value = snap.type === 'gauge' ? snap.value : null;
      const error = snap.type === 'gauge' && snap.error !== undefined ? snap.error : null;
      if (error !== null || value === null) {
        this.reportError('gauge', undefined, `gauge ${show(metric.name)} failed: ${error ?? 'no value'}`);
      }
      const fields: ReportField[] =
        value === null ? [] : [{ statistic: 'value', suffix: STATISTIC_SUFFIX.value, value }];
      return { ...base, snapshot: snap, count: null, countDelta: null, value, error, fields };
    }
    let snap: MetricSnapshot;
    if (this.#interval && metric.type === 'histogram') {
      // The window statistics would be computed only to be replaced: read the cheap fields.
      snap = { type: 'histogram', count: metric.count, sum: metric.sum, ...this.#intervalFields(metric) };
    } else if (this.#interval && metric.type === 'timer') {
      snap = {
        type: 'timer', count: metric.count, sum: metric.sum,
        meanRate: metric.meanRate, m1Rate: metric.m1Rate, m5Rate: metric.m5Rate, m15Rate: metric.m15Rate,
        ...this.#intervalFields(metric),
      };
    } else snap = metric.snapshot();
    const count = (snap as { readonly count: number }).count;
    const last = this.#lastCounts.get(metric);
    this.#lastCounts.set(metric, count);
    const countDelta = last === undefined ? count : count - last;
    const fields: ReportField[] = [];
    const isTimer = metric.type === 'timer';
    const record = snap as unknown as Readonly<Record<string, number | null | undefined>>;
    for (const statistic of ALL_STATISTICS) {
      if (!this.#statistics.has(statistic) || (metric.type === 'counter' && statistic !== 'count')) continue;
      let value = record[statistic];
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      if (RATE_STATISTICS.has(statistic)) value = this.#toRate(value);
      else if (isTimer && DURATION_STATISTICS.has(statistic)) value = this.#toDuration(value);
      fields.push({ statistic, suffix: STATISTIC_SUFFIX[statistic], value });
    }
    return { ...base, snapshot: snap, count, countDelta, value: null, error: null, fields };
  }

  #intervalFields(metric: Metric & { openInterval(): IntervalReader }): Omit<DistributionFields, 'count' | 'sum'> {
    const reader = this.#readers.get(metric);
    if (reader === undefined) {
      // First report of a metric created before start() without a reader (or report()
      // without start()): open readers now, and watch for removed metrics so their
      // readers are closed; the first interval starts here.
      if (this.#unlisten === null) this.#openReaders();
      if (!this.#readers.has(metric)) this.#readers.set(metric, metric.openInterval());
      return NULL_DISTRIBUTION;
    }
    const { count: _count, sum: _sum, ...window } = reader.take();
    return window;
  }

  #openReaders(): void {
    const open = (metric: Metric): void => {
      if ((metric.type === 'histogram' || metric.type === 'timer') && !this.#readers.has(metric) && this.#selects(metric)) {
        this.#readers.set(metric, metric.openInterval());
      }
    };
    for (const metric of this.registry.metrics()) open(metric);
    this.#unlisten = this.registry.addListener({
      onAdded: open,
      onRemoved: (metric) => {
        const reader = this.#readers.get(metric);
        if (reader !== undefined) {
          reader.close();
          this.#readers.delete(metric);
        }
      },
    });
  }

  #registerSelfMetrics(): void {
    const options = this.#selfOptions ?? {};
    const prefix = options.prefix ?? `tapemeasure.reporter.${this.kind.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const scope = this.registry.scope(prefix, options.tags);
    this.#self = {
      reports: scope.counter('reports'),
      failures: scope.counter('failures'),
      skipped: scope.counter('skipped'),
      dropped: scope.counter('dropped'),
      bytes: scope.counter('bytes'),
    };
    scope.gauge('last_duration_ms', () => this.#lastDurationMs ?? 0);
  }
}

/** Resolves `true` if `promise` settles within `ms`, `false` otherwise; never rejects. */
function withTimeout(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(resolve, ms, false);
    timer.unref();
  });
  return Promise.race([promise.then(() => true, () => true), timeout]).finally(() => {
    clearTimeout(timer);
  });
}
