import { describe, expect, it } from 'vitest';
import type { OtlpExportRequest, OtlpMetric } from '../../src/formats/otlp/model.js';
import { OtlpJsonEncoder } from '../../src/formats/otlp/json.js';
import { OtlpProtobufEncoder } from '../../src/formats/otlp/protobuf.js';
import { decodeOtlpResponse } from '../../src/formats/otlp/response.js';
import { nanosParts, nanosString } from '../../src/formats/otlp/time.js';
import { attributesOf, decodeJson, decodeProtobuf, ExportResponse, metricsByName } from '../helpers/otlp-proto.js';

const T = 1_700_000_000_123;
const S = 1_699_999_990_000;

const METRICS: OtlpMetric[] = [
  {
    kind: 'sum', name: 'jobs.done', description: 'jobs finished', unit: '', temporality: 'cumulative', monotonic: true,
    points: [
      { attributes: { queue: 'mail' }, startTimeMs: S, timeMs: T, value: 12 },
      { attributes: { queue: 'sms', 'non.ascii': 'héllo' }, startTimeMs: S, timeMs: T, value: 0.5 },
    ],
  },
  {
    kind: 'sum', name: 'pool.size', description: '', unit: '', temporality: 'delta', monotonic: false,
    points: [{ attributes: {}, startTimeMs: S, timeMs: T, value: -3 }],
  },
  { kind: 'gauge', name: 'queue.depth', description: '', unit: '', points: [{ attributes: {}, startTimeMs: null, timeMs: T, value: 0 }] },
  {
    kind: 'exponentialHistogram', name: 'db.query', description: '', unit: 's', temporality: 'cumulative',
    points: [{
      attributes: { db: 'main' }, startTimeMs: S, timeMs: T, count: 6, sum: 1.25, min: 0, max: 0.9,
      scale: -2, zeroCount: 1, zeroThreshold: 5e-7, positive: { offset: -3, counts: new Float64Array([2, 0, 3]) },
    }],
  },
  {
    kind: 'histogram', name: 'sizes', description: '', unit: 'By', temporality: 'delta',
    points: [{ attributes: {}, startTimeMs: S, timeMs: T, count: 3, sum: 600, min: 100, max: 300, bounds: [150, 250], counts: [1, 1, 1] }],
  },
  {
    kind: 'summary', name: 'latency', description: '', unit: 's',
    points: [{ attributes: {}, startTimeMs: S, timeMs: T, count: 4, sum: 2, quantiles: [{ quantile: 0, value: 0.1 }, { quantile: 0.99, value: 0.9 }] }],
  },
];

const REQUEST: OtlpExportRequest = {
  resource: { 'service.name': 'checkout', 'process.pid': 42, ratio: 0.5, debug: true },
  scope: { name: 'tapemeasure', version: '0.1.0' },
  metrics: METRICS,
};

function encode(encoder: OtlpProtobufEncoder | OtlpJsonEncoder): Uint8Array {
  encoder.begin(REQUEST.resource, REQUEST.scope);
  for (const m of REQUEST.metrics) encoder.metric(m);
  return encoder.finish();
}

describe('OTLP encoders', () => {
  for (const [name, decoded] of [
    ['protobuf', () => decodeProtobuf(encode(new OtlpProtobufEncoder()))],
    ['JSON', () => decodeJson(encode(new OtlpJsonEncoder()))],
  ] as const) {
    it(`write every metric kind as the official definitions read it (${name})`, () => {
      const request = decoded();
      expect(request.resourceMetrics).toHaveLength(1);
      const rm = request.resourceMetrics[0]!;
      expect(attributesOf(rm.resource.attributes)).toEqual({ 'service.name': 'checkout', 'process.pid': 42, ratio: 0.5, debug: true });
      expect(rm.scopeMetrics[0]!.scope).toMatchObject({ name: 'tapemeasure', version: '0.1.0' });
      const byName = metricsByName(request);
      expect([...byName.keys()]).toEqual(METRICS.map((m) => m.name));

      const jobs = byName.get('jobs.done')!;
      expect(jobs).toMatchObject({ data: 'sum', description: 'jobs finished', sum: { aggregationTemporality: 2, isMonotonic: true } });
      const [mail, sms] = jobs.sum!.dataPoints;
      expect(mail).toMatchObject({ startTimeUnixNano: `${S}000000`, timeUnixNano: `${T}000000`, asDouble: 12 });
      expect(attributesOf(mail!.attributes)).toEqual({ queue: 'mail' });
      expect(attributesOf(sms!.attributes)).toEqual({ queue: 'sms', 'non.ascii': 'héllo' });
      expect(sms!.asDouble).toBe(0.5);

      expect(byName.get('pool.size')!.sum).toMatchObject({ aggregationTemporality: 1, isMonotonic: false, dataPoints: [{ asDouble: -3 }] });
      expect(byName.get('queue.depth')!.gauge!.dataPoints[0]).toMatchObject({ startTimeUnixNano: '0', asDouble: 0 });

      const exp = byName.get('db.query')!;
      expect(exp).toMatchObject({ unit: 's', exponentialHistogram: { aggregationTemporality: 2 } });
      expect(exp.exponentialHistogram!.dataPoints[0]).toMatchObject({
        count: '6', sum: 1.25, min: 0, max: 0.9, scale: -2, zeroCount: '1', zeroThreshold: 5e-7,
        positive: { offset: -3, bucketCounts: ['2', '0', '3'] },
      });
      expect(byName.get('sizes')!.histogram!.dataPoints[0]).toMatchObject({
        count: '3', sum: 600, min: 100, max: 300, bucketCounts: ['1', '1', '1'], explicitBounds: [150, 250],
      });
      expect(byName.get('latency')!.summary!.dataPoints[0]).toMatchObject({
        count: '4', sum: 2, quantileValues: [{ quantile: 0, value: 0.1 }, { quantile: 0.99, value: 0.9 }],
      });
    });
  }

  it('reuse their buffers from one request to the next', () => {
    const encoder = new OtlpProtobufEncoder();
    const first = encode(encoder);
    const second = encode(encoder);
    expect(Buffer.from(second)).toEqual(Buffer.from(first));
    const json = new OtlpJsonEncoder();
    expect(Buffer.from(encode(json))).toEqual(Buffer.from(encode(json)));
  });
});

describe('OTLP timestamps', () => {
  it('are exact nanoseconds, fractions of a millisecond included', () => {
    const parts: [number, number] = [0, 0];
    for (const ms of [1, 1_700_000_000_123, 1_700_000_000_123.4568, 8_000_000_000_000.5, 0.000001]) {
      nanosParts(ms, parts);
      const exact = BigInt(Math.floor(ms)) * 1_000_000n + BigInt(Math.round((ms - Math.floor(ms)) * 1e6));
      expect((BigInt(parts[1]) << 32n) + BigInt(parts[0])).toBe(exact);
      expect(nanosString(ms)).toBe(exact.toString());
    }
    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      nanosParts(bad, parts);
      expect(parts).toEqual([0, 0]);
      expect(nanosString(bad)).toBe('0');
    }
  });
});

describe('decodeOtlpResponse', () => {
  it('reads a partial success from protobuf and JSON, and nothing from a full success', () => {
    const partial = ExportResponse.encode(ExportResponse.fromObject({ partialSuccess: { rejectedDataPoints: 3, errorMessage: 'too old' } })).finish();
    expect(decodeOtlpResponse(partial, 'application/x-protobuf')).toEqual({ rejectedDataPoints: 3, errorMessage: 'too old' });
    const json = Buffer.from(JSON.stringify({ partialSuccess: { rejectedDataPoints: '2', errorMessage: 'dup' } }));
    expect(decodeOtlpResponse(json, 'application/json; charset=utf-8')).toEqual({ rejectedDataPoints: 2, errorMessage: 'dup' });
    expect(decodeOtlpResponse(new Uint8Array(0), 'application/x-protobuf')).toBeNull();
    expect(decodeOtlpResponse(ExportResponse.encode({}).finish(), 'application/x-protobuf')).toBeNull();
    expect(decodeOtlpResponse(Buffer.from('{}'), 'application/json')).toBeNull();
    expect(decodeOtlpResponse(Buffer.from('{"partialSuccess":{}}'), 'application/json')).toBeNull();
    // Undecodable bodies of a 2xx answer are a success: the status says the data was accepted.
    expect(decodeOtlpResponse(Buffer.from([0x0a, 0x05, 0x08]), 'application/x-protobuf')).toBeNull();
    expect(decodeOtlpResponse(Buffer.from('not json'), 'application/json')).toBeNull();
  });
});
