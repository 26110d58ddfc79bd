/**
 * OTLP/HTTP protobuf: the binary `ExportMetricsServiceRequest`, written with our own
 * {@link ProtobufWriter} (field numbers of opentelemetry-proto's `metrics/v1`,
 * `common/v1` and `resource/v1`).
 *
 * @module
 */

import { ProtobufWriter } from '../protobuf-writer.js';
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
import { nanosParts } from './time.js';

/** The `Content-Type` of OTLP/HTTP protobuf. */
export const OTLP_PROTOBUF_CONTENT_TYPE = 'application/x-protobuf';

/** Writes attributes as repeated `KeyValue` in `field`. */
function writeAttributes(w: ProtobufWriter, field: number, attributes: OtlpAttributes): void {
  for (const key in attributes) {
    const value = attributes[key]!;
    w.begin(field);
    w.string(1, key);
    w.begin(2); // AnyValue
    if (typeof value === 'string') w.string(1, value);
    else if (typeof value === 'boolean') w.bool(2, value);
    else if (Number.isSafeInteger(value)) w.int64(3, value);
    else w.double(4, value);
    w.end();
    w.end();
  }
}

/**
 * Encodes OTLP metrics as protobuf, metric by metric; see {@link OtlpEncoder}. Keeps its
 * buffer between requests.
 *
 * @example
 * ```ts
 * import { OtlpProtobufEncoder } from 'tapemeasure';
 *
 * const encoder = new OtlpProtobufEncoder();
 * encoder.begin({ 'service.name': 'checkout' }, { name: 'tapemeasure', version: '0.1.0' });
 * encoder.metric({
 *   kind: 'gauge', name: 'queue.depth', description: '', unit: '',
 *   points: [{ attributes: {}, startTimeMs: null, timeMs: Date.now(), value: 3 }],
 * });
 * const body = encoder.finish(); // POST it to http://localhost:4318/v1/metrics
 * ```
 */
export class OtlpProtobufEncoder implements OtlpEncoder {
  /** `application/x-protobuf`. */
  readonly contentType = OTLP_PROTOBUF_CONTENT_TYPE;
  readonly #w = new ProtobufWriter(64 * 1024);
  readonly #parts: [number, number] = [0, 0];
  /** The last two timestamps converted (a report's points share them). */
  #lastMs = [Number.NaN, Number.NaN];
  #lastLo = [0, 0];
  #lastHi = [0, 0];
  #next = 0;

  /** @inheritDoc */
  begin(resource: OtlpAttributes, scope: OtlpScope): void {
    const w = this.#w.reset();
    w.begin(1); // ExportMetricsServiceRequest.resource_metrics
    w.begin(1); // ResourceMetrics.resource
    writeAttributes(w, 1, resource);
    w.end();
    w.begin(2); // ResourceMetrics.scope_metrics
    w.begin(1); // ScopeMetrics.scope
    w.string(1, scope.name);
    if (scope.version !== '') w.string(2, scope.version);
    w.end();
  }

  /** @inheritDoc */
  metric(metric: OtlpMetric): void {
    const w = this.#w;
    w.begin(2); // ScopeMetrics.metrics
    w.string(1, metric.name);
    if (metric.description !== '') w.string(2, metric.description);
    if (metric.unit !== '') w.string(3, metric.unit);
    switch (metric.kind) {
      case 'gauge':
        w.begin(5);
        for (const p of metric.points) this.#number(p);
        w.end();
        break;
      case 'sum':
        w.begin(7);
        for (const p of metric.points) this.#number(p);
        w.uint32(2, AGGREGATION_TEMPORALITY[metric.temporality]);
        if (metric.monotonic) w.bool(3, true);
        w.end();
        break;
      case 'histogram':
        w.begin(9);
        for (const p of metric.points) this.#histogram(p);
        w.uint32(2, AGGREGATION_TEMPORALITY[metric.temporality]);
        w.end();
        break;
      case 'exponentialHistogram':
        w.begin(10);
        for (const p of metric.points) this.#exponential(p);
        w.uint32(2, AGGREGATION_TEMPORALITY[metric.temporality]);
        w.end();
        break;
      case 'summary':
        w.begin(11);
        for (const p of metric.points) this.#summary(p);
        w.end();
        break;
    }
    w.end();
  }

  /** @inheritDoc */
  finish(): Uint8Array {
    const w = this.#w;
    w.end(); // ScopeMetrics
    w.end(); // ResourceMetrics
    return w.finish();
  }

  /** A `fixed64` timestamp field; the last two conversions are remembered. */
  #time(field: number, ms: number): void {
    const last = this.#lastMs;
    let k = last[0] === ms ? 0 : last[1] === ms ? 1 : -1;
    if (k < 0) {
      k = this.#next;
      this.#next = 1 - k;
      nanosParts(ms, this.#parts);
      last[k] = ms;
      this.#lastLo[k] = this.#parts[0];
      this.#lastHi[k] = this.#parts[1];
    }
    this.#w.fixed64Parts(field, this.#lastLo[k]!, this.#lastHi[k]!);
  }

  #times(p: OtlpPointBase): void {
    if (p.startTimeMs !== null && p.startTimeMs > 0) this.#time(2, p.startTimeMs);
    this.#time(3, p.timeMs);
  }

  #number(p: OtlpNumberPoint): void {
    const w = this.#w;
    w.begin(1);
    this.#times(p);
    w.double(4, p.value);
    writeAttributes(w, 7, p.attributes);
    w.end();
  }

  #histogram(p: OtlpHistogramPoint): void {
    const w = this.#w;
    w.begin(1);
    this.#times(p);
    w.fixed64(4, p.count);
    w.double(5, p.sum);
    w.packedFixed64(6, p.counts);
    w.packedDouble(7, p.bounds);
    writeAttributes(w, 9, p.attributes);
    if (p.min !== null) w.double(11, p.min);
    if (p.max !== null) w.double(12, p.max);
    w.end();
  }

  #exponential(p: OtlpExponentialHistogramPoint): void {
    const w = this.#w;
    w.begin(1);
    writeAttributes(w, 1, p.attributes);
    this.#times(p);
    w.fixed64(4, p.count);
    w.double(5, p.sum);
    if (p.scale !== 0) w.sint32(6, p.scale);
    if (p.zeroCount > 0) w.fixed64(7, p.zeroCount);
    if (p.positive.counts.length > 0) {
      w.begin(8);
      if (p.positive.offset !== 0) w.sint32(1, p.positive.offset);
      w.packedVarint(2, p.positive.counts);
      w.end();
    }
    if (p.min !== null) w.double(12, p.min);
    if (p.max !== null) w.double(13, p.max);
    if (p.zeroThreshold !== 0) w.double(14, p.zeroThreshold);
    w.end();
  }

  #summary(p: OtlpSummaryPoint): void {
    const w = this.#w;
    w.begin(1);
    this.#times(p);
    w.fixed64(4, p.count);
    w.double(5, p.sum);
    for (const q of p.quantiles) {
      w.begin(6);
      w.double(1, q.quantile);
      w.double(2, q.value);
      w.end();
    }
    writeAttributes(w, 7, p.attributes);
    w.end();
  }
}
