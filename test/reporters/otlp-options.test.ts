import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { Registry } from '../../src/registry/registry.js';
import type { OtlpReporterOptions } from '../../src/reporters/otlp-options.js';
import { OtlpReporter } from '../../src/reporters/otlp-reporter.js';
import { attributesOf, decodeProtobuf, metricsByName } from '../helpers/otlp-proto.js';

const made: OtlpReporter[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((r) => r.stop()));
});

function make(options: OtlpReporterOptions): OtlpReporter {
  const reporter = new OtlpReporter({ registry: new Registry(), env: {}, ...options });
  made.push(reporter);
  return reporter;
}

describe('OtlpReporter options', () => {
  const cases: [string, unknown][] = [
    ['url', 'ftp://collector:4318'],
    ['url', 'collector:4318'],
    ['url', 4318],
    ['protocol', 'grpc'],
    ['protocol', 'http/proto'],
    ['headers', { 'bad name': 'x' }],
    ['headers', { authorization: 3 }],
    ['headers', ['a=b']],
    ['temporality', 'Delta'],
    ['temporality', true],
    ['resource', { 'service.name': null }],
    ['resource', { count: Number.NaN }],
    ['resource', { '': 'x' }],
    ['resource', 'service.name=x'],
    ['timeoutMs', 0],
    ['timeoutMs', 2 ** 31],
    ['timeoutMs', '10s'],
    ['compression', 'zstd'],
    ['compression', true],
    ['histograms', 'explicit'],
    ['maxBuckets', 1],
    ['maxBuckets', 100.5],
    ['rates', 'yes'],
    ['retry', { maxAttempts: 0 }],
    ['retry', { maxAttempts: 101 }],
    ['retry', { initialBackoffMs: 1.5 }],
    ['retry', null],
    ['maxQueueBytes', 0],
    ['maxQueueBytes', -1],
    ['closeTimeoutMs', -1],
    ['transport', { send() {} }],
    ['transport', 'http'],
    ['env', { OTEL_SERVICE_NAME: 5 }],
    ['env', 'OTEL_SERVICE_NAME=x'],
    ['durationUnit', 'ms'],
    ['durationUnit', 's'],
    ['rateUnit', 's'],
    ['stopTimeoutMs', 0],
    ['filter', 5],
    ['distribution', 'bucket'],
  ];
  for (const [key, value] of cases) {
    it(`rejects ${key}: ${JSON.stringify(value) ?? String(value)}`, () => {
      expect(() => new OtlpReporter({ registry: new Registry(), env: {}, [key]: value })).toThrow(
        expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }),
      );
    });
  }

  for (const [typo, suggestion] of [
    ['protocl', 'protocol'],
    ['temporalty', 'temporality'],
    ['timeout', 'timeoutMs'],
    ['header', 'headers'],
    ['compresion', 'compression'],
    ['maxBucket', 'maxBuckets'],
    ['registy', 'registry'],
  ] as const) {
    it(`rejects the unknown key ${typo}, suggesting ${suggestion}`, () => {
      expect(() => new OtlpReporter({ registry: new Registry(), env: {}, [typo]: 1 })).toThrow(
        expect.objectContaining({ code: ErrorCodes.UNKNOWN_OPTION, suggestion }),
      );
    });
  }

  it('rejects unknown keys inside retry', () => {
    expect(() => make({ retry: { attempts: 2 } as never })).toThrow(expect.objectContaining({ code: ErrorCodes.UNKNOWN_OPTION }));
  });
});

describe('OtlpReporter environment', () => {
  it('defaults to http://localhost:4318/v1/metrics', () => {
    expect(make({}).url.href).toBe('http://localhost:4318/v1/metrics');
  });

  it('appends v1/metrics to OTEL_EXPORTER_OTLP_ENDPOINT, with or without a trailing slash or a path', () => {
    for (const [base, expected] of [
      ['http://collector:4318', 'http://collector:4318/v1/metrics'],
      ['http://collector:4318/', 'http://collector:4318/v1/metrics'],
      ['https://otlp.example.com/otlp', 'https://otlp.example.com/otlp/v1/metrics'],
      ['https://otlp.example.com/otlp/', 'https://otlp.example.com/otlp/v1/metrics'],
    ]) {
      expect(make({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: base } }).url.href).toBe(expected);
    }
  });

  it('uses OTEL_EXPORTER_OTLP_METRICS_ENDPOINT as it is, before the generic one; the url option wins over both', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://generic:4318', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://metrics:9090/api/v1/otlp' };
    expect(make({ env }).url.href).toBe('http://metrics:9090/api/v1/otlp');
    expect(make({ env, url: 'http://127.0.0.1:4318/v1/metrics' }).url.href).toBe('http://127.0.0.1:4318/v1/metrics');
  });

  it('reads the protocol, metrics variable first; the option wins', () => {
    expect(make({ env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' } }).protocol).toBe('http/json');
    expect(make({ env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/protobuf' } }).protocol).toBe('http/protobuf');
    expect(make({ env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, protocol: 'http/protobuf' }).protocol).toBe('http/protobuf');
    expect(make({ env: { OTEL_EXPORTER_OTLP_PROTOCOL: '' } }).protocol).toBe('http/protobuf');
  });

  const bad: [string, string][] = [
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
    ['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'ftp://x'],
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc'],
    ['OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', 'json'],
    ['OTEL_EXPORTER_OTLP_TIMEOUT', '10s'],
    ['OTEL_EXPORTER_OTLP_METRICS_TIMEOUT', '0'],
    ['OTEL_EXPORTER_OTLP_COMPRESSION', 'deflate'],
    ['OTEL_EXPORTER_OTLP_HEADERS', 'novalue'],
    ['OTEL_EXPORTER_OTLP_HEADERS', 'bad name=x'],
    ['OTEL_EXPORTER_OTLP_METRICS_HEADERS', 'k=%E0%A4%A'],
    ['OTEL_RESOURCE_ATTRIBUTES', '=x'],
    ['OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE', 'sometimes'],
  ];
  for (const [name, value] of bad) {
    it(`fails fast on ${name}=${value}`, () => {
      expect(() => make({ env: { [name]: value } })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
    });
  }

  function firstRequest(env: Record<string, string>, options: OtlpReporterOptions = {}) {
    const registry = new Registry();
    const bodies: Uint8Array[] = [];
    const transport = { send: (b: string | Uint8Array) => (bodies.push(b as Uint8Array), true), flush() {}, close: async () => {}, stats: {} as never };
    const reporter = new OtlpReporter({ registry, transport, env, ...options });
    made.push(reporter);
    registry.counter('c').inc();
    return reporter.report().then(() => decodeProtobuf(bodies[0]!));
  }

  it('accepts a temporality preference in any case, and lets the option win', async () => {
    const env = { OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'DELTA' };
    expect(metricsByName(await firstRequest(env)).get('c')!.sum!.aggregationTemporality).toBe(1);
    expect(metricsByName(await firstRequest(env, { temporality: 'cumulative' })).get('c')!.sum!.aggregationTemporality).toBe(2);
  });

  it('merges resource attributes: defaults, OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME, then the option', async () => {
    const env = { OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs, deployment.environment.name=prod%20eu,team=a', OTEL_SERVICE_NAME: 'from-name' };
    const attrs = (r: Awaited<ReturnType<typeof firstRequest>>) => attributesOf(r.resourceMetrics[0]!.resource.attributes);
    expect(attrs(await firstRequest(env))).toMatchObject({
      'service.name': 'from-name', 'deployment.environment.name': 'prod eu', team: 'a', 'telemetry.sdk.name': 'tapemeasure',
    });
    expect(attrs(await firstRequest({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs' }))['service.name']).toBe('from-attrs');
    expect(attrs(await firstRequest(env, { resource: { 'service.name': 'checkout', team: 'b', replicas: 3 } }))).toMatchObject({
      'service.name': 'checkout', team: 'b', replicas: 3, 'deployment.environment.name': 'prod eu',
    });
  });
});
