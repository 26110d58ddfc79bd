/**
 * OTLP/HTTP JSON: the protobuf JSON mapping of `ExportMetricsServiceRequest` with
 * OTLP's rules (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding):
 * lowerCamelCase keys, enums as integers. 64-bit integers are decimal strings where a
 * double cannot hold them (nanosecond times, `intValue`); counts, which stay below
 * 2^53, are plain numbers, which the protobuf JSON mapping accepts as well (and which
 * make a body of bucket counts half the size). Written from the same model as the
 * protobuf encoder.
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
const END = Buffer.from(']}]}]}');

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

/** Counts (integers below 2^53) or finite doubles, as a JSON array. */
function numbers(values: ArrayLike<number>): string {
  return `[${Array.prototype.join.call(values, ',')}]`;
}

function numberPoint(p: OtlpNumberPoint): string {
  return `{"attributes":${attributes(p.attributes)},${times(p)},"asDouble":${num(p.value)}}`;
}

function minMax(min: number | null, max: number | null): string {
  return `${min === null ? '' : `,"min":${num(min)}`}${max === null ? '' : `,"max":${num(max)}`}`;
}

function histogramPoint(p: OtlpHistogramPoint): string {
  return (
    `{"attributes":${attributes(p.attributes)},${times(p)},"count":${p.count},"sum":${num(p.sum)},` +
    `"bucketCounts":${numbers(p.counts)},"explicitBounds":${numbers(p.bounds)}${minMax(p.min, p.max)}}`
  );
}

function exponentialPoint(p: OtlpExponentialHistogramPoint): string {
  return (
    `{"attributes":${attributes(p.attributes)},${times(p)},"count":${p.count},"sum":${num(p.sum)},` +
    `"scale":${p.scale},"zeroCount":${p.zeroCount},"zeroThreshold":${num(p.zeroThreshold)},` +
    `"positive":{"offset":${p.positive.offset},"bucketCounts":${numbers(p.positive.counts)}}${minMax(p.min, p.max)}}`
  );
}

function summaryPoint(p: OtlpSummaryPoint): string {
  let quantiles = '';
  for (const q of p.quantiles) {
    quantiles += `${quantiles === '' ? '' : ','}{"quantile":${num(q.quantile)},"value":${num(q.value)}}`;
  }
  return `{"attributes":${attributes(p.attributes)},${times(p)},"count":${p.count},"sum":${num(p.sum)},"quantileValues":[${quantiles}]}`;
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
  /** The request so far, encoded metric by metric (so a large one is encoded in slices too). */
  #parts: Buffer[] = [];

  /** @inheritDoc */
  begin(resource: OtlpAttributes, scope: OtlpScope): void {
    const version = scope.version === '' ? '' : `,"version":${str(scope.version)}`;
    this.#parts = [
      Buffer.from(
        `{"resourceMetrics":[{"resource":{"attributes":${attributes(resource)}},` +
          `"scopeMetrics":[{"scope":{"name":${str(scope.name)}${version}},"metrics":[`,
        'utf8',
      ),
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
    this.#parts.push(
      Buffer.from(`${comma}{"name":${str(metric.name)},"description":${str(metric.description)},"unit":${str(metric.unit)},${data}}`, 'utf8'),
    );
  }

  /** @inheritDoc */
  finish(): Uint8Array {
    this.#parts.push(END);
    const bytes = Buffer.concat(this.#parts);
    this.#parts = [];
    return bytes;
  }
}
