/**
 * The Prometheus exposition messages (io.prometheus.client, metrics.proto of
 * https://github.com/prometheus/client_model, proto2), the subset tapemeasure writes plus
 * the fields around it, parsed by protobufjs: the reference decoder of our protobuf
 * exposition. `decodeDelimited()` reads the `encoding=delimited` stream.
 */

import protobuf from 'protobufjs';

const PROTO = `
syntax = "proto2";
package io.prometheus.client;

message LabelPair { optional string name = 1; optional string value = 2; }
enum MetricType { COUNTER = 0; GAUGE = 1; SUMMARY = 2; UNTYPED = 3; HISTOGRAM = 4; GAUGE_HISTOGRAM = 5; }
message Gauge { optional double value = 1; }
message Counter { optional double value = 1; }
message Quantile { optional double quantile = 1; optional double value = 2; }
message Summary { optional uint64 sample_count = 1; optional double sample_sum = 2; repeated Quantile quantile = 3; }
message Untyped { optional double value = 1; }
message Histogram {
  optional uint64 sample_count = 1;
  optional double sample_count_float = 4;
  optional double sample_sum = 2;
  repeated Bucket bucket = 3;
  optional sint32 schema = 5;
  optional double zero_threshold = 6;
  optional uint64 zero_count = 7;
  optional double zero_count_float = 8;
  repeated BucketSpan negative_span = 9;
  repeated sint64 negative_delta = 10;
  repeated double negative_count = 11;
  repeated BucketSpan positive_span = 12;
  repeated sint64 positive_delta = 13;
  repeated double positive_count = 14;
}
message Bucket { optional uint64 cumulative_count = 1; optional double cumulative_count_float = 4; optional double upper_bound = 2; }
message BucketSpan { optional sint32 offset = 1; optional uint32 length = 2; }
message Metric {
  repeated LabelPair label = 1;
  optional Gauge gauge = 2;
  optional Counter counter = 3;
  optional Summary summary = 4;
  optional Untyped untyped = 5;
  optional Histogram histogram = 7;
  optional int64 timestamp_ms = 6;
}
message MetricFamily { optional string name = 1; optional string help = 2; optional MetricType type = 3; repeated Metric metric = 4; }
`;

const root = protobuf.parse(PROTO, { keepCase: true }).root;
const MetricFamily = root.lookupType('io.prometheus.client.MetricFamily');

/** A decoded histogram (uint64 and sint64 as numbers). */
export type DecodedHistogram = {
  sample_count?: number;
  sample_sum?: number;
  bucket: { cumulative_count?: number; upper_bound?: number }[];
  schema?: number;
  zero_threshold?: number;
  zero_count?: number;
  positive_span: { offset?: number; length?: number }[];
  positive_delta: number[];
};

/** A decoded MetricFamily. */
export type DecodedFamily = {
  name: string;
  help?: string;
  type: string;
  metric: {
    label: { name: string; value: string }[];
    gauge?: { value: number };
    counter?: { value: number };
    untyped?: { value: number };
    summary?: { sample_count: number; sample_sum: number; quantile: { quantile: number; value: number }[] };
    histogram?: DecodedHistogram;
  }[];
};

/** Decodes a stream of varint-length-delimited MetricFamily messages. */
export function decodeDelimited(bytes: Uint8Array): DecodedFamily[] {
  const reader = protobuf.Reader.create(bytes);
  const out: DecodedFamily[] = [];
  while (reader.pos < reader.len) {
    const message = MetricFamily.decodeDelimited(reader);
    out.push(MetricFamily.toObject(message, { longs: Number, enums: String, arrays: true, defaults: false }) as DecodedFamily);
  }
  return out;
}

/**
 * The bucket counts of a decoded native histogram by bucket index (spans and deltas
 * undone), for comparing with what was recorded.
 */
export function nativeCounts(h: DecodedHistogram): Map<number, number> {
  const out = new Map<number, number>();
  let index = 0;
  let d = 0;
  let count = 0;
  for (const span of h.positive_span) {
    index += span.offset ?? 0;
    for (let j = 0; j < (span.length ?? 0); j++) {
      count += h.positive_delta[d++]!;
      if (count !== 0) out.set(index, count);
      index++;
    }
  }
  return out;
}
