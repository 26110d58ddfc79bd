/**
 * OTLP/HTTP JSON: the protobuf JSON mapping of `ExportMetricsServiceRequest` with
 * OTLP's rules (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding):
 * lowerCamelCase keys, enums as integers, 64-bit integers (times, counts) as decimal
 * strings. Written from the same model as the protobuf encoder.
 *
 * @module
 */

import {
  AGGREGATION_TEMPORALITY,
  type OtlpAttributes,
  type OtlpEncoder,
  type OtlpExponentialHistogramPoint,
  type OtlpHistogramPoint,
  type OtlpMetric,
  type OtlpNumberPoint,
  type OtlpPointBase,
  type OtlpScope,
  type OtlpSummaryPoint,
} from './model.js';
import { nanosString } from './time.js';

/** The `Content-Type` of OTLP/HTTP JSON. */
export const OTLP_JSON_CONTENT_TYPE = 'application/json';

const str = JSON.stringify;

/** A finite number as JSON (never NaN or infinities: they are not in the model). */
function num(value: number): string {
  return Number.isFinite(value) ? String(value) : '0';
}

function attributes(attrs: OtlpAttributes): string {
  let out = '';
  for (const key in attrs) {
    const value = attrs[key]!;
    let any: string;
    if (typeof value === 'string') any = `{"stringValue":${str(value)}}`;
    else if (typeof value === 'boolean') any = `{"boolValue":${value}}`;
    else if (Number.isSafeInteger(value)) any = `{"intValue":"${value}"}`;
    else any = `{"doubleValue":${num(value)}}`;
    out += `${out === '' ? '' : ','}{"key":${str(key)},"value":${any}}`;
  }
  return `[${out}]`;
}

function times(p: OtlpPointBase): string {
  const start = p.startTimeMs !== null && p.startTimeMs > 0 ? `"startTimeUnixNano":"${nanosString(p.startTimeMs)}",` : '';
  return `${start}"timeUnixNano":"${nanosString(p.timeMs)}"`;
}

function integers(values: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < values.length; i++) out += `${i === 0 ? '' : ','}"${values[i]!}"`;
  return `[${out}]`;
}

function doubles(values: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < values.length; i++) out += `${i === 0 ? '' : ','}${num(values[i]!)}`;
  return `[${out}]`;
}

function numberPoint(p: OtlpNumberPoint): string {
  return `{"attributes":${attributes(p.attributes)},${times(p)},"asDouble":${num(p.value)}}`;
}

function minMax(min: number | null, max: number | null): string {
  return `${min === null ? '' : `,"min":${num(min)}`}${max === null ? '' : `,"max":${num(max)}`}`;
}

function histogramPoint(p: OtlpHistogramPoint): string {
  return (
    `{"attributes":${attributes(p.attributes)},${times(p)},"count":"${p.count}","sum":${num(p.sum)},` +
    `"bucketCounts":${integers(p.counts)},"explicitBounds":${doubles(p.bounds)}${minMax(p.min, p.max)}}`
  );
}

function exponentialPoint(p: OtlpExponentialHistogramPoint): string {
  return (
    `{"attributes":${attributes(p.attributes)},${times(p)},"count":"${p.count}","sum":${num(p.sum)},` +
    `"scale":${p.scale},"zeroCount":"${p.zeroCount}","zeroThreshold":${num(p.zeroThreshold)},` +
    `"positive":{"offset":${p.positive.offset},"bucketCounts":${integers(p.positive.counts)}}${minMax(p.min, p.max)}}`
  );
}

function summaryPoint(p: OtlpSummaryPoint): string {
  let quantiles = '';
  for (const q of p.quantiles) {
    quantiles += `${quantiles === '' ? '' : ','}{"quantile":${num(q.quantile)},"value":${num(q.value)}}`;
  }
  return `{"attributes":${attributes(p.attributes)},${times(p)},"count":"${p.count}","sum":${num(p.sum)},"quantileValues":[${quantiles}]}`;
}

function points<P>(list: readonly P[], write: (p: P) => string): string {
  let out = '';
  for (const p of list) out += `${out === '' ? '' : ','}${write(p)}`;
  return `[${out}]`;
}

/**
 * Encodes OTLP metrics as JSON, metric by metric; see {@link OtlpEncoder}.
 *
 * @example
 * ```ts
 * import { OtlpJsonEncoder } from 'tapemeasure';
 *
 * const encoder = new OtlpJsonEncoder();
 * encoder.begin({ 'service.name': 'checkout' }, { name: 'tapemeasure', version: '0.1.0' });
 * encoder.metric({
 *   kind: 'sum', name: 'jobs.done', description: '', unit: '', temporality: 'cumulative', monotonic: true,
 *   points: [{ attributes: { queue: 'mail' }, startTimeMs: Date.now() - 10_000, timeMs: Date.now(), value: 12 }],
 * });
 * console.log(new TextDecoder().decode(encoder.finish()));
 * ```
 */
export class OtlpJsonEncoder implements OtlpEncoder {
  /** `application/json`. */
  readonly contentType = OTLP_JSON_CONTENT_TYPE;
  #parts: string[] = [];

  /** @inheritDoc */
  begin(resource: OtlpAttributes, scope: OtlpScope): void {
    const version = scope.version === '' ? '' : `,"version":${str(scope.version)}`;
    this.#parts = [
      `{"resourceMetrics":[{"resource":{"attributes":${attributes(resource)}},` +
        `"scopeMetrics":[{"scope":{"name":${str(scope.name)}${version}},"metrics":[`,
    ];
  }

  /** @inheritDoc */
  metric(metric: OtlpMetric): void {
    let data: string;
    switch (metric.kind) {
      case 'gauge':
        data = `"gauge":{"dataPoints":${points(metric.points, numberPoint)}}`;
        break;
      case 'sum':
        data =
          `"sum":{"dataPoints":${points(metric.points, numberPoint)},` +
          `"aggregationTemporality":${AGGREGATION_TEMPORALITY[metric.temporality]},"isMonotonic":${metric.monotonic}}`;
        break;
      case 'histogram':
        data =
          `"histogram":{"dataPoints":${points(metric.points, histogramPoint)},` +
          `"aggregationTemporality":${AGGREGATION_TEMPORALITY[metric.temporality]}}`;
        break;
      case 'exponentialHistogram':
        data =
          `"exponentialHistogram":{"dataPoints":${points(metric.points, exponentialPoint)},` +
          `"aggregationTemporality":${AGGREGATION_TEMPORALITY[metric.temporality]}}`;
        break;
      case 'summary':
        data = `"summary":{"dataPoints":${points(metric.points, summaryPoint)}}`;
        break;
    }
    const comma = this.#parts.length > 1 ? ',' : '';
    this.#parts.push(`${comma}{"name":${str(metric.name)},"description":${str(metric.description)},"unit":${str(metric.unit)},${data}}`);
  }

  /** @inheritDoc */
  finish(): Uint8Array {
    this.#parts.push(']}]}]}');
    const bytes = Buffer.from(this.#parts.join(''), 'utf8');
    this.#parts = [];
    return bytes;
  }
}
