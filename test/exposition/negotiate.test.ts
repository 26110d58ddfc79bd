import { describe, expect, it } from 'vitest';
import { acceptsGzip, negotiate, negotiateQuery } from '../../src/exposition/negotiate.js';

describe('negotiate', () => {
  it.each([
    [undefined, 'json'],
    ['*/*', 'json'],
    ['text/html,application/xhtml+xml,*/*;q=0.8', 'json'],
    ['text/plain;version=0.0.4;q=0.3,application/openmetrics-text;version=1.0.0;q=0.5', 'openmetrics'],
    ['application/openmetrics-text;version=2.0.0,text/plain', 'prometheus'],
    ['text/plain;q=0,application/json', 'json'],
    ['image/png', 'json'],
  ] as const)('%s -> %s', (accept, format) => {
    expect(negotiate(accept, 'json').format).toBe(format);
  });

  it('answers OpenMetrics 0.0.1 with its own version', () => {
    expect(negotiate('application/openmetrics-text; version=0.0.1', 'json').contentType).toBe(
      'application/openmetrics-text; version=0.0.1; charset=utf-8',
    );
  });

  it('uses defaultFormat for wildcards', () => {
    expect(negotiate('*/*', 'prometheus').format).toBe('prometheus');
  });
});

describe('negotiateQuery', () => {
  it('reads ?format=, with text as Prometheus text, and nothing else', () => {
    expect(negotiateQuery('json')?.format).toBe('json');
    expect(negotiateQuery('text')?.format).toBe('prometheus');
    expect(negotiateQuery('openmetrics')?.contentType).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    expect(negotiateQuery('xml')).toBeUndefined();
    expect(negotiateQuery('__proto__')).toBeUndefined();
  });
});

describe('acceptsGzip', () => {
  it.each([
    [undefined, false],
    ['gzip', true],
    ['deflate, gzip;q=0.5', true],
    ['gzip;q=0', false],
    ['br', false],
  ] as const)('%s -> %s', (header, accepted) => {
    expect(acceptsGzip(header)).toBe(accepted);
  });
});

describe('negotiate protobuf', () => {
  // The Accept header of Prometheus 2.42 started with --enable-feature=native-histograms.
  const PROMETHEUS_NATIVE =
    'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,' +
    'application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,' +
    'text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

  it('answers the delimited MetricFamily stream when Prometheus asks for it first', () => {
    const n = negotiate(PROMETHEUS_NATIVE, 'json');
    expect(n.format).toBe('protobuf');
    expect(n.contentType).toBe('application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited');
  });

  it.each([
    ['application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text,text/plain;q=0.5', 'prometheus'],
    ['application/vnd.google.protobuf;encoding=delimited,text/plain;q=0.5', 'prometheus'],
    ['application/vnd.google.protobuf;proto=other.Message;encoding=delimited', 'json'],
    ['application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.4,text/plain;q=0.5', 'prometheus'],
    ['application/vnd.google.protobuf; proto="io.prometheus.client.MetricFamily"; encoding=DELIMITED', 'protobuf'],
  ] as const)('%s -> %s', (accept, format) => {
    expect(negotiate(accept, 'json').format).toBe(format);
  });

  it('never picks protobuf for a wildcard, and takes ?format=protobuf', () => {
    expect(negotiate('*/*', 'prometheus').format).toBe('prometheus');
    expect(negotiateQuery('protobuf')?.format).toBe('protobuf');
  });
});
