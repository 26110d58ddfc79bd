/**
 * The OTLP metrics model both encoders (protobuf and JSON) write: a plain-data mirror
 * of `ExportMetricsServiceRequest` with one resource and one instrumentation scope
 * (https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/metrics/v1/metrics.proto).
 * Times are epoch milliseconds (fractions allowed); the encoders write them as exact
 * nanoseconds.
 *
 * @module
 */

/** An attribute value: strings, booleans, and numbers (integers as `intValue`, others as `doubleValue`). */
export type OtlpAttributeValue = string | boolean | number;

/** Attributes (tags, resource attributes), in the order given. */
export type OtlpAttributes = Readonly<Record<string, OtlpAttributeValue>>;

/**
 * How a Sum or histogram point aggregates: over the interval since the previous point
 * (`'delta'`) or since a fixed start (`'cumulative'`).
 */
export type OtlpTemporality = 'delta' | 'cumulative';

/** The `AggregationTemporality` enum values of the protocol. */
export const AGGREGATION_TEMPORALITY: Readonly<Record<OtlpTemporality, number>> = Object.freeze({ delta: 1, cumulative: 2 });

/** What every data point has. */
export type OtlpPointBase = {
  /** The series' attributes (its tags). */
  readonly attributes: OtlpAttributes;
  /** Start of the aggregation, epoch ms; `null` for none (gauges). */
  readonly startTimeMs: number | null;
  /** When the point was taken, epoch ms. */
  readonly timeMs: number;
};

/** A Gauge or Sum point. */
export type OtlpNumberPoint = OtlpPointBase & {
  /** The value, as a double. */
  readonly value: number;
};

/** Buckets of an exponential histogram point: bucket `offset + k` holds `counts[k]` values. */
export type OtlpExponentialBuckets = {
  /** The index of the first bucket. */
  readonly offset: number;
  /** Values per bucket, from `offset` on. */
  readonly counts: ArrayLike<number>;
};

/** An ExponentialHistogram point (positive values only: tapemeasure records no negatives). */
export type OtlpExponentialHistogramPoint = OtlpPointBase & {
  /** Values in the point. */
  readonly count: number;
  /** Their sum. */
  readonly sum: number;
  /** The smallest value, `null` when the point is empty. */
  readonly min: number | null;
  /** The largest value, `null` when the point is empty. */
  readonly max: number | null;
  /** The scale: `2^scale` buckets per power of two. */
  readonly scale: number;
  /** Values in the zero bucket, `[0, zeroThreshold]`. */
  readonly zeroCount: number;
  /** The upper bound of the zero bucket. */
  readonly zeroThreshold: number;
  /** The buckets of positive values. */
  readonly positive: OtlpExponentialBuckets;
};

/** An explicit-bucket Histogram point: `counts.length === bounds.length + 1`. */
export type OtlpHistogramPoint = OtlpPointBase & {
  /** Values in the point. */
  readonly count: number;
  /** Their sum. */
  readonly sum: number;
  /** The smallest value, `null` when the point is empty. */
  readonly min: number | null;
  /** The largest value, `null` when the point is empty. */
  readonly max: number | null;
  /** Upper bounds of the buckets, increasing (the last bucket is unbounded). */
  readonly bounds: readonly number[];
  /** Values per bucket (not cumulative). */
  readonly counts: ArrayLike<number>;
};

/** One quantile of a Summary point (0 is the minimum, 1 the maximum). */
export type OtlpQuantile = {
  /** The quantile, in [0, 1]. */
  readonly quantile: number;
  /** Its value. */
  readonly value: number;
};

/** A Summary point. */
export type OtlpSummaryPoint = OtlpPointBase & {
  /** Values since the start time. */
  readonly count: number;
  /** Their sum. */
  readonly sum: number;
  /** Quantiles, increasing. */
  readonly quantiles: readonly OtlpQuantile[];
};

/** What every metric has. */
export type OtlpMetricBase = {
  /** The metric name (a dotted path). */
  readonly name: string;
  /** A description (`''` for none). */
  readonly description: string;
  /** A UCUM unit (`'s'`, `'By'`; `''` for none). */
  readonly unit: string;
};

/** A Gauge: the last value of each series. */
export type OtlpGauge = OtlpMetricBase & {
  /** `'gauge'`. */
  readonly kind: 'gauge';
  /** One point per series. */
  readonly points: readonly OtlpNumberPoint[];
};

/** A Sum: a count, cumulative or delta, monotonic or not. */
export type OtlpSum = OtlpMetricBase & {
  /** `'sum'`. */
  readonly kind: 'sum';
  /** Since the start time, or since the previous point. */
  readonly temporality: OtlpTemporality;
  /** Whether it only goes up (a counter) or not (an up-down counter). */
  readonly monotonic: boolean;
  /** One point per series. */
  readonly points: readonly OtlpNumberPoint[];
};

/** A Histogram with explicit bucket bounds. */
export type OtlpHistogram = OtlpMetricBase & {
  /** `'histogram'`. */
  readonly kind: 'histogram';
  /** Since the start time, or since the previous point. */
  readonly temporality: OtlpTemporality;
  /** One point per series. */
  readonly points: readonly OtlpHistogramPoint[];
};

/** An ExponentialHistogram. */
export type OtlpExponentialHistogram = OtlpMetricBase & {
  /** `'exponentialHistogram'`. */
  readonly kind: 'exponentialHistogram';
  /** Since the start time, or since the previous point. */
  readonly temporality: OtlpTemporality;
  /** One point per series. */
  readonly points: readonly OtlpExponentialHistogramPoint[];
};

/** A Summary: count, sum and quantiles (always cumulative). */
export type OtlpSummary = OtlpMetricBase & {
  /** `'summary'`. */
  readonly kind: 'summary';
  /** One point per series. */
  readonly points: readonly OtlpSummaryPoint[];
};

/** One metric: a name and its points, one per attribute set. */
export type OtlpMetric = OtlpGauge | OtlpSum | OtlpHistogram | OtlpExponentialHistogram | OtlpSummary;

/** The instrumentation scope of the metrics. */
export type OtlpScope = {
  /** Its name (`'tapemeasure'`). */
  readonly name: string;
  /** Its version (`''` for none). */
  readonly version: string;
};

/** An export request: one resource, one scope, its metrics. */
export type OtlpExportRequest = {
  /** The resource's attributes (`service.name`, ...). */
  readonly resource: OtlpAttributes;
  /** The instrumentation scope. */
  readonly scope: OtlpScope;
  /** The metrics. */
  readonly metrics: readonly OtlpMetric[];
};

/**
 * Writes an export request metric by metric, so a large one can be encoded in slices
 * that yield to the event loop. `begin()`, any number of `metric()`, then `finish()`;
 * reusable after `finish()`.
 */
export interface OtlpEncoder {
  /** The `Content-Type` of what it writes. */
  readonly contentType: string;
  /** Starts a request with this resource and scope. */
  begin(resource: OtlpAttributes, scope: OtlpScope): void;
  /** Writes one metric. */
  metric(metric: OtlpMetric): void;
  /** Ends the request and returns its bytes. */
  finish(): Uint8Array;
}
