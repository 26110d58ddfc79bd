/**
 * Content negotiation of the pull endpoint: which format a request gets (from
 * `?format=`, else its `Accept` header, else the default) and whether its response may
 * be gzipped (`Accept-Encoding`).
 *
 * @module
 */

import { oneOf, type Check } from '../internal/options.js';
import { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE, type PrometheusFormat } from '../formats/prometheus.js';
import { PROTOBUF_CONTENT_TYPE } from '../formats/prometheus-protobuf.js';

/** The formats of the metrics endpoint. */
export type MetricsFormat = 'json' | PrometheusFormat;

/**
 * What a request can negotiate: a {@link MetricsFormat}, or the Prometheus protobuf
 * format (binary: asked for by `Accept` or `?format=protobuf`, never a default).
 *
 * @internal
 */
export type NegotiatedFormat = MetricsFormat | 'protobuf';

/** The check of a {@link MetricsFormat} option. @internal */
export const metricsFormatCheck: Check<MetricsFormat> = oneOf('json', 'prometheus', 'openmetrics');

/** The `Content-Type` of the JSON tree. @internal */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
const OPENMETRICS_001_CONTENT_TYPE = 'application/openmetrics-text; version=0.0.1; charset=utf-8';

/** What a request asked for, after content negotiation. @internal */
export type Negotiated = {
  /** The format to render. */
  readonly format: NegotiatedFormat;
  /** The `Content-Type` to answer with. */
  readonly contentType: string;
};

const BY_FORMAT: Readonly<Record<NegotiatedFormat, Negotiated>> = Object.freeze({
  json: { format: 'json', contentType: JSON_CONTENT_TYPE },
  prometheus: { format: 'prometheus', contentType: PROMETHEUS_CONTENT_TYPE },
  openmetrics: { format: 'openmetrics', contentType: OPENMETRICS_CONTENT_TYPE },
  protobuf: { format: 'protobuf', contentType: PROTOBUF_CONTENT_TYPE },
});

/**
 * The format named by `?format=`: `json`, `prometheus` (or `text`), `openmetrics`,
 * `protobuf`; `undefined` for anything else.
 *
 * @internal
 */
export function negotiateQuery(requested: string): Negotiated | undefined {
  const format = requested === 'text' ? 'prometheus' : requested;
  return Object.hasOwn(BY_FORMAT, format) ? BY_FORMAT[format as NegotiatedFormat] : undefined;
}

/**
 * Chooses the format from an `Accept` header: the supported media range with the
 * highest `q` wins, the first listed on a tie. `application/openmetrics-text` ->
 * OpenMetrics, `text/plain` -> Prometheus text 0.0.4, `application/json` -> JSON,
 * `application/vnd.google.protobuf` with `proto=io.prometheus.client.MetricFamily` and
 * `encoding=delimited` -> protobuf (native histograms), wildcards -> `fallback`.
 *
 * @internal
 */
export function negotiate(accept: string | undefined, fallback: MetricsFormat): Negotiated {
  if (accept === undefined || accept === '') return BY_FORMAT[fallback];
  let best: Negotiated | null = null;
  let bestQ = 0;
  for (const range of accept.split(',')) {
    const [typePart, ...params] = range.split(';');
    const type = (typePart ?? '').trim().toLowerCase();
    let q = 1;
    let version: string | undefined;
    let proto: string | undefined;
    let encoding: string | undefined;
    for (const param of params) {
      const eq = param.indexOf('=');
      if (eq === -1) continue;
      const key = param.slice(0, eq).trim().toLowerCase();
      const value = param.slice(eq + 1).trim().replace(/^"|"$/g, '');
      if (key === 'q') q = Number(value);
      else if (key === 'version') version = value;
      else if (key === 'proto') proto = value;
      else if (key === 'encoding') encoding = value.toLowerCase();
    }
    if (!(q > 0) || q > 1) continue;
    let candidate: Negotiated | null = null;
    if (type === 'application/openmetrics-text') {
      if (version === undefined || version === '1.0.0') candidate = BY_FORMAT.openmetrics;
      else if (version === '0.0.1') candidate = { format: 'openmetrics', contentType: OPENMETRICS_001_CONTENT_TYPE };
    } else if (type === 'text/plain' || type === 'text/*') {
      if (version === undefined || version === '0.0.4') candidate = BY_FORMAT.prometheus;
    } else if (type === 'application/json' || type === 'application/*') {
      candidate = BY_FORMAT.json;
    } else if (type === 'application/vnd.google.protobuf') {
      if (proto === 'io.prometheus.client.MetricFamily' && encoding === 'delimited') candidate = BY_FORMAT.protobuf;
    } else if (type === '*/*') {
      candidate = BY_FORMAT[fallback];
    }
    if (candidate !== null && q > bestQ) {
      best = candidate;
      bestQ = q;
    }
  }
  return best ?? BY_FORMAT[fallback];
}

/**
 * Whether an `Accept-Encoding` header accepts gzip (listed, with no `q=0`).
 *
 * @internal
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  for (const part of header.split(',')) {
    const [coding, ...params] = part.split(';');
    if (coding?.trim().toLowerCase() !== 'gzip') continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return qParam === undefined || Number(qParam.slice(2)) > 0;
  }
  return false;
}
