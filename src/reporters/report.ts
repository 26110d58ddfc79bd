/**
 * What a scheduled reporter hands its subclass and its `onError`: the {@link Report} of
 * one interval, its series and fields, the {@link ReporterError} of a failure, and the
 * {@link ReporterStats} a reporter keeps about itself.
 *
 * @module
 */

import { ErrorCodes, MetricsError } from '../errors.js';
import type { Statistic } from '../formats/statistics.js';
import type { MetricType } from '../metrics/metric.js';
import type { Tags } from '../names.js';
import type { MetricSnapshot } from '../metrics/snapshot.js';
import type { Metric } from '../registry/types.js';

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
 * Code `ERR_TAPEMEASURE_REPORT_FAILED`; the original error, if any, is the `cause`.
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
    super(ErrorCodes.REPORT_FAILED, message, cause === undefined ? undefined : { cause });
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
