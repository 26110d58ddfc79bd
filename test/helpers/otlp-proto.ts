/**
 * The OTLP metrics messages as a protobufjs JSON descriptor, written from the published
 * opentelemetry-proto definitions (collector/metrics/v1/metrics_service.proto,
 * metrics/v1/metrics.proto, common/v1/common.proto, resource/v1/resource.proto):
 * field names in lowerCamelCase, so `fromObject()` also reads OTLP/JSON.
 * The official exporter's bytes and ours are decoded with this one descriptor.
 */

import protobuf from 'protobufjs';

const f = (type: string, id: number, rule?: 'repeated', options?: Record<string, unknown>) => ({
  type,
  id,
  ...(rule === undefined ? {} : { rule }),
  ...(options === undefined ? {} : { options }),
});

const descriptor = {
  nested: {
    otlp: {
      nested: {
        AnyValue: {
          oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] } },
          fields: {
            stringValue: f('string', 1),
            boolValue: f('bool', 2),
            intValue: f('int64', 3),
            doubleValue: f('double', 4),
            arrayValue: f('ArrayValue', 5),
            kvlistValue: f('KeyValueList', 6),
            bytesValue: f('bytes', 7),
          },
        },
        ArrayValue: { fields: { values: f('AnyValue', 1, 'repeated') } },
        KeyValueList: { fields: { values: f('KeyValue', 1, 'repeated') } },
        KeyValue: { fields: { key: f('string', 1), value: f('AnyValue', 2) } },
        InstrumentationScope: {
          fields: { name: f('string', 1), version: f('string', 2), attributes: f('KeyValue', 3, 'repeated'), droppedAttributesCount: f('uint32', 4) },
        },
        Resource: { fields: { attributes: f('KeyValue', 1, 'repeated'), droppedAttributesCount: f('uint32', 2) } },
        ExportMetricsServiceRequest: { fields: { resourceMetrics: f('ResourceMetrics', 1, 'repeated') } },
        ExportMetricsServiceResponse: { fields: { partialSuccess: f('ExportMetricsPartialSuccess', 1) } },
        ExportMetricsPartialSuccess: { fields: { rejectedDataPoints: f('int64', 1), errorMessage: f('string', 2) } },
        ResourceMetrics: { fields: { resource: f('Resource', 1), scopeMetrics: f('ScopeMetrics', 2, 'repeated'), schemaUrl: f('string', 3) } },
        ScopeMetrics: { fields: { scope: f('InstrumentationScope', 1), metrics: f('Metric', 2, 'repeated'), schemaUrl: f('string', 3) } },
        Metric: {
          oneofs: { data: { oneof: ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] } },
          fields: {
            name: f('string', 1),
            description: f('string', 2),
            unit: f('string', 3),
            gauge: f('Gauge', 5),
            sum: f('Sum', 7),
            histogram: f('Histogram', 9),
            exponentialHistogram: f('ExponentialHistogram', 10),
            summary: f('Summary', 11),
            metadata: f('KeyValue', 12, 'repeated'),
          },
        },
        AggregationTemporality: { values: { AGGREGATION_TEMPORALITY_UNSPECIFIED: 0, AGGREGATION_TEMPORALITY_DELTA: 1, AGGREGATION_TEMPORALITY_CUMULATIVE: 2 } },
        Gauge: { fields: { dataPoints: f('NumberDataPoint', 1, 'repeated') } },
        Sum: { fields: { dataPoints: f('NumberDataPoint', 1, 'repeated'), aggregationTemporality: f('AggregationTemporality', 2), isMonotonic: f('bool', 3) } },
        Histogram: { fields: { dataPoints: f('HistogramDataPoint', 1, 'repeated'), aggregationTemporality: f('AggregationTemporality', 2) } },
        ExponentialHistogram: {
          fields: { dataPoints: f('ExponentialHistogramDataPoint', 1, 'repeated'), aggregationTemporality: f('AggregationTemporality', 2) },
        },
        Summary: { fields: { dataPoints: f('SummaryDataPoint', 1, 'repeated') } },
        NumberDataPoint: {
          oneofs: { value: { oneof: ['asDouble', 'asInt'] } },
          fields: {
            attributes: f('KeyValue', 7, 'repeated'),
            startTimeUnixNano: f('fixed64', 2),
            timeUnixNano: f('fixed64', 3),
            asDouble: f('double', 4),
            asInt: f('sfixed64', 6),
            exemplars: f('Exemplar', 5, 'repeated'),
            flags: f('uint32', 8),
          },
        },
        HistogramDataPoint: {
          oneofs: { _sum: { oneof: ['sum'] }, _min: { oneof: ['min'] }, _max: { oneof: ['max'] } },
          fields: {
            attributes: f('KeyValue', 9, 'repeated'),
            startTimeUnixNano: f('fixed64', 2),
            timeUnixNano: f('fixed64', 3),
            count: f('fixed64', 4),
            sum: f('double', 5),
            bucketCounts: f('fixed64', 6, 'repeated'),
            explicitBounds: f('double', 7, 'repeated'),
            exemplars: f('Exemplar', 8, 'repeated'),
            flags: f('uint32', 10),
            min: f('double', 11),
            max: f('double', 12),
          },
        },
        ExponentialHistogramDataPoint: {
          oneofs: { _sum: { oneof: ['sum'] }, _min: { oneof: ['min'] }, _max: { oneof: ['max'] } },
          fields: {
            attributes: f('KeyValue', 1, 'repeated'),
            startTimeUnixNano: f('fixed64', 2),
            timeUnixNano: f('fixed64', 3),
            count: f('fixed64', 4),
            sum: f('double', 5),
            scale: f('sint32', 6),
            zeroCount: f('fixed64', 7),
            positive: f('Buckets', 8),
            negative: f('Buckets', 9),
            flags: f('uint32', 10),
            exemplars: f('Exemplar', 11, 'repeated'),
            min: f('double', 12),
            max: f('double', 13),
            zeroThreshold: f('double', 14),
          },
          nested: { Buckets: { fields: { offset: f('sint32', 1), bucketCounts: f('uint64', 2, 'repeated') } } },
        },
        SummaryDataPoint: {
          fields: {
            attributes: f('KeyValue', 7, 'repeated'),
            startTimeUnixNano: f('fixed64', 2),
            timeUnixNano: f('fixed64', 3),
            count: f('fixed64', 4),
            sum: f('double', 5),
            quantileValues: f('ValueAtQuantile', 6, 'repeated'),
            flags: f('uint32', 8),
          },
          nested: { ValueAtQuantile: { fields: { quantile: f('double', 1), value: f('double', 2) } } },
        },
        Exemplar: {
          oneofs: { value: { oneof: ['asDouble', 'asInt'] } },
          fields: {
            filteredAttributes: f('KeyValue', 7, 'repeated'),
            timeUnixNano: f('fixed64', 2),
            asDouble: f('double', 3),
            asInt: f('sfixed64', 6),
            spanId: f('bytes', 4),
            traceId: f('bytes', 5),
          },
        },
      },
    },
  },
};

export const otlpRoot = protobuf.Root.fromJSON(descriptor);
export const ExportRequest = otlpRoot.lookupType('otlp.ExportMetricsServiceRequest');
export const ExportResponse = otlpRoot.lookupType('otlp.ExportMetricsServiceResponse');

/** Plain-object form for comparisons: 64-bit integers as decimal strings, enums as numbers, defaults filled in. */
const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: Number, defaults: true, arrays: true, oneofs: true };

/** A decoded export request as plain objects. */
export type DecodedRequest = {
  resourceMetrics: {
    resource: { attributes: DecodedKeyValue[] };
    scopeMetrics: { scope: { name: string; version: string }; metrics: DecodedMetric[] }[];
  }[];
};
export type DecodedKeyValue = { key: string; value: Record<string, unknown> };
export type DecodedMetric = {
  name: string;
  description: string;
  unit: string;
  data: 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary';
  gauge?: { dataPoints: DecodedPoint[] };
  sum?: { dataPoints: DecodedPoint[]; aggregationTemporality: number; isMonotonic: boolean };
  histogram?: { dataPoints: DecodedPoint[]; aggregationTemporality: number };
  exponentialHistogram?: { dataPoints: DecodedPoint[]; aggregationTemporality: number };
  summary?: { dataPoints: DecodedPoint[] };
};
export type DecodedPoint = Record<string, unknown> & {
  attributes: DecodedKeyValue[];
  startTimeUnixNano: string;
  timeUnixNano: string;
};

/** Decodes OTLP/protobuf bytes. */
export function decodeProtobuf(bytes: Uint8Array): DecodedRequest {
  return ExportRequest.toObject(ExportRequest.decode(bytes), TO_OBJECT) as DecodedRequest;
}

/** Reads OTLP/JSON through the same descriptor (then the same plain form). */
export function decodeJson(bytes: Uint8Array | string): DecodedRequest {
  const json = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
  return ExportRequest.toObject(ExportRequest.fromObject(json), TO_OBJECT) as DecodedRequest;
}

/** Attributes as a plain `{ key: value }` object (string, bool, int or double values). */
export function attributesOf(list: readonly DecodedKeyValue[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list) {
    const v = value as { value?: string; stringValue?: string; boolValue?: boolean; intValue?: string; doubleValue?: number };
    out[key] = v.value === 'boolValue' ? v.boolValue : v.value === 'intValue' ? Number(v.intValue) : v.value === 'doubleValue' ? v.doubleValue : v.stringValue;
  }
  return out;
}

/** Every metric of a decoded request, by name. */
export function metricsByName(request: DecodedRequest): Map<string, DecodedMetric> {
  const out = new Map<string, DecodedMetric>();
  for (const rm of request.resourceMetrics) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) out.set(m.name, m);
  return out;
}

/** The points of a metric, whatever its type. */
export function pointsOf(metric: DecodedMetric): DecodedPoint[] {
  return metric[metric.data]!.dataPoints;
}
