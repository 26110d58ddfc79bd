/**
 * The options of the OTLP reporter and how they combine with the standard
 * `OTEL_EXPORTER_OTLP_*` and `OTEL_RESOURCE_ATTRIBUTES` / `OTEL_SERVICE_NAME`
 * environment variables (read only from the injected `env`).
 *
 * Precedence, as the OpenTelemetry specification sets it: an option given to the
 * constructor wins over the metrics-specific variable (`OTEL_EXPORTER_OTLP_METRICS_*`),
 * which wins over the generic one (`OTEL_EXPORTER_OTLP_*`), which wins over the default.
 * Headers merge name by name in that order. `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` is
 * used as it is; `OTEL_EXPORTER_OTLP_ENDPOINT` is a base URL to which `v1/metrics` is
 * appended. Resource attributes merge: defaults, then `OTEL_RESOURCE_ATTRIBUTES`, then
 * `OTEL_SERVICE_NAME` (as `service.name`), then the `resource` option. An empty
 * variable counts as unset; a malformed one fails the constructor, naming it.
 *
 * @module
 */

import { checkValue, check, boolean, env as envCheck, integer, is, oneOf, type Check, type Read } from '../internal/options.js';
import type { OtlpAttributes, OtlpAttributeValue } from '../formats/otlp/model.js';
import { defaultResource } from '../formats/otlp/resource.js';
import { DEFAULT_MAX_BUCKETS } from '../formats/exponential-histogram.js';
import { headersCheck, httpUrlCheck } from '../transports/http-options.js';
import { retryCheck, type HttpRetryOptions } from '../transports/http-retry.js';
import type { Transport } from '../transports/transport.js';
import type { ScheduledReporterOptions } from './scheduled-reporter.js';

/** The OTLP/HTTP encodings. */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

/**
 * The temporality of sums and histograms, as `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`
 * defines the preferences: `'cumulative'` (every point since the series was first
 * seen), `'delta'` (monotonic sums, histograms and timers since the previous export;
 * counters that went down, like OpenTelemetry's up-down counters, stay cumulative), or
 * `'lowmemory'` (the same as `'delta'` here: they differ only for asynchronous counters,
 * which tapemeasure does not have).
 */
export type OtlpTemporalityPreference = 'cumulative' | 'delta' | 'lowmemory';

/** Options of an {@link OtlpReporter}. */
export type OtlpReporterOptions = Omit<ScheduledReporterOptions, 'rateUnit' | 'durationUnit'> & {
  /**
   * Where to send: the full URL of the metrics endpoint.
   *
   * @defaultValue `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`, else `OTEL_EXPORTER_OTLP_ENDPOINT`
   *   + `/v1/metrics`, else `http://localhost:4318/v1/metrics`
   */
  readonly url?: string | URL;
  /**
   * The encoding.
   *
   * @defaultValue `OTEL_EXPORTER_OTLP_METRICS_PROTOCOL`, `OTEL_EXPORTER_OTLP_PROTOCOL`, else `'http/protobuf'`
   */
  readonly protocol?: OtlpProtocol;
  /**
   * Headers of every request (an API key: `{ 'x-api-key': '...' }`), merged over
   * `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_EXPORTER_OTLP_METRICS_HEADERS`.
   */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Cumulative or delta sums and histograms; see {@link OtlpTemporalityPreference}.
   *
   * @defaultValue `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`, else `'cumulative'`
   */
  readonly temporality?: OtlpTemporalityPreference;
  /**
   * Resource attributes (`{ 'service.name': 'checkout', 'deployment.environment.name': 'prod' }`),
   * merged over the defaults and the environment.
   */
  readonly resource?: OtlpAttributes;
  /**
   * How long one export request may take, in milliseconds.
   *
   * @defaultValue `OTEL_EXPORTER_OTLP_METRICS_TIMEOUT`, `OTEL_EXPORTER_OTLP_TIMEOUT`, else 10000
   */
  readonly timeoutMs?: number;
  /**
   * Compress requests with gzip.
   *
   * @defaultValue `OTEL_EXPORTER_OTLP_METRICS_COMPRESSION`, `OTEL_EXPORTER_OTLP_COMPRESSION`, else `'none'`
   */
  readonly compression?: 'gzip' | 'none';
  /**
   * Histograms and timers as `'exponential'` histograms (from the HDR counts of each
   * interval: exact count, sum, min and max) or as `'summary'` (count, sum and the
   * window's quantiles; Summary cannot be aggregated across instances).
   *
   * @defaultValue `'exponential'`
   */
  readonly histograms?: 'exponential' | 'summary';
  /**
   * The most buckets of an exponential histogram point; the scale is lowered to fit.
   *
   * @defaultValue 160 (as the OpenTelemetry SDK)
   */
  readonly maxBuckets?: number;
  /**
   * Also export the rates of meters and timers (those the `statistics` option selects:
   * `meanRate`, `m1Rate`, `m5Rate`, `m15Rate`) as gauges `<name>.m1_rate`, ... in events
   * per second (unit `/s`).
   *
   * @defaultValue false
   */
  readonly rates?: boolean;
  /** How failed requests are retried (429, 502, 503, 504, timeouts, connection failures). */
  readonly retry?: HttpRetryOptions;
  /**
   * The most bytes of requests waiting to be sent or retried; beyond it the oldest are
   * dropped (counted in `stats.dropped`).
   *
   * @defaultValue 16 MiB
   */
  readonly maxQueueBytes?: number;
  /**
   * How long `stop()` may spend delivering what is queued, in milliseconds (within `stopTimeoutMs`).
   *
   * @defaultValue 4000
   */
  readonly closeTimeoutMs?: number;
  /**
   * Send the encoded requests here instead of over HTTP (a test double); `url`,
   * `headers`, `compression`, `timeoutMs`, `retry` and `maxQueueBytes` then do not apply.
   */
  readonly transport?: Transport;
  /**
   * The environment to read `OTEL_*` variables from.
   *
   * @defaultValue `process.env`
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
};

const MAX_TIMER_MS = 2 ** 31 - 1;

/** Attribute values: strings, booleans and finite numbers. @internal */
export const attributesCheck: Check<OtlpAttributes> = check('an object of strings, numbers and booleans', (value, context) => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return context.fail('an object of strings, numbers and booleans');
  const out: Record<string, OtlpAttributeValue> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === '' || !(typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)))) {
      return context.fail('an object of strings, numbers and booleans');
    }
    out[key] = v;
  }
  return Object.freeze(out);
});

const transportCheck = is<Transport>('a Transport (send, flush, close)', (v): v is Transport => {
  const t = v as Partial<Transport> | null;
  return t !== null && typeof t === 'object' && typeof t.send === 'function' && typeof t.flush === 'function' && typeof t.close === 'function';
});

/** Rejects any value: for base options that have no meaning here. */
function leftOut(why: string): Check<never> {
  return is(`left out (${why})`, (_v): _v is never => false);
}

/** The schema of the options the OTLP reporter reads itself. @internal */
export const OTLP_SCHEMA = Object.freeze({
  url: httpUrlCheck,
  protocol: oneOf('http/protobuf', 'http/json'),
  headers: headersCheck,
  temporality: oneOf('cumulative', 'delta', 'lowmemory'),
  resource: attributesCheck,
  timeoutMs: integer(1, MAX_TIMER_MS),
  compression: oneOf('gzip', 'none'),
  histograms: oneOf('exponential', 'summary'),
  maxBuckets: integer(2, 16_384),
  rates: boolean,
  retry: retryCheck,
  maxQueueBytes: integer(1, 2 ** 32),
  closeTimeoutMs: integer(0, MAX_TIMER_MS),
  transport: transportCheck,
  env: envCheck,
  durationUnit: leftOut('OTLP durations are in seconds'),
  rateUnit: leftOut('OTLP rates are per second'),
});

/** What the options and the environment resolve to. @internal */
export type OtlpConfig = {
  readonly url: URL;
  readonly protocol: OtlpProtocol;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly compression: 'gzip' | 'none';
  readonly temporality: OtlpTemporalityPreference;
  readonly resource: OtlpAttributes;
  readonly histograms: 'exponential' | 'summary';
  readonly maxBuckets: number;
  readonly rates: boolean;
  readonly retry: Required<HttpRetryOptions> | undefined;
  readonly maxQueueBytes: number | undefined;
  readonly closeTimeoutMs: number;
};

/** The default endpoint of OTLP/HTTP metrics. */
export const DEFAULT_OTLP_URL = 'http://localhost:4318/v1/metrics';

/** `k=v,k2=v2` with percent-encoded values (W3C Baggage style), as the OTEL_* lists are. */
const keyValueList = check<Record<string, string>>('a list of key=value pairs separated by commas', (value, context) => {
  const out: Record<string, string> = {};
  for (const item of String(value).split(',')) {
    if (item.trim() === '') continue;
    const eq = item.indexOf('=');
    const key = eq < 0 ? '' : item.slice(0, eq).trim();
    if (key === '') return context.fail('a list of key=value pairs separated by commas');
    try {
      out[key] = decodeURIComponent(item.slice(eq + 1).trim());
    } catch {
      return context.fail('a list of key=value pairs with percent-encoded values');
    }
  }
  return out;
});

/** A header list: a key=value list of valid header names and values. */
const headerList = check<Readonly<Record<string, string>>>(keyValueList.expected, (value, context) => headersCheck(keyValueList(value, context), context));

const milliseconds = check<number>('a whole number of milliseconds >= 1', (value, context) => {
  const n = Number(value);
  return /^\d+$/.test(String(value)) && n >= 1 && n <= MAX_TIMER_MS ? n : context.fail('a whole number of milliseconds >= 1');
});

/**
 * Resolves the options and the environment into one configuration.
 *
 * @throws {@link InvalidOptionError} naming an environment variable whose value is malformed.
 * @internal
 */
export function resolveOtlpConfig(
  o: Read<typeof OTLP_SCHEMA>,
  environment: Readonly<Record<string, string | undefined>>,
): OtlpConfig {
  const where = 'OtlpReporter';
  const read = <T>(name: string, valueCheck: Check<T>): T | undefined => {
    const raw = environment[name]?.trim();
    return raw === undefined || raw === '' ? undefined : checkValue(where, `environment variable ${name}`, raw, valueCheck);
  };
  const signal = <T>(suffix: string, valueCheck: Check<T>): T | undefined =>
    read(`OTEL_EXPORTER_OTLP_METRICS_${suffix}`, valueCheck) ?? read(`OTEL_EXPORTER_OTLP_${suffix}`, valueCheck);

  let url = o.url ?? read('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', httpUrlCheck);
  if (url === undefined) {
    const base = read('OTEL_EXPORTER_OTLP_ENDPOINT', httpUrlCheck);
    if (base !== undefined) {
      url = new URL(base.href);
      url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/metrics`;
    }
  }
  const temporalityText = environment.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE?.trim().toLowerCase();
  const temporality =
    o.temporality ??
    (temporalityText === undefined || temporalityText === ''
      ? undefined
      : checkValue(where, 'environment variable OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE', temporalityText, oneOf('cumulative', 'delta', 'lowmemory')));
  const serviceName = environment.OTEL_SERVICE_NAME?.trim();
  return {
    url: url ?? new URL(DEFAULT_OTLP_URL),
    protocol: o.protocol ?? signal('PROTOCOL', oneOf('http/protobuf', 'http/json')) ?? 'http/protobuf',
    headers: Object.freeze({
      ...read('OTEL_EXPORTER_OTLP_HEADERS', headerList),
      ...read('OTEL_EXPORTER_OTLP_METRICS_HEADERS', headerList),
      ...o.headers,
    }),
    timeoutMs: o.timeoutMs ?? signal('TIMEOUT', milliseconds) ?? 10_000,
    compression: o.compression ?? signal('COMPRESSION', oneOf('gzip', 'none')) ?? 'none',
    temporality: temporality ?? 'cumulative',
    resource: Object.freeze({
      ...defaultResource(),
      ...read('OTEL_RESOURCE_ATTRIBUTES', keyValueList),
      ...(serviceName === undefined || serviceName === '' ? {} : { 'service.name': serviceName }),
      ...o.resource,
    }),
    histograms: o.histograms ?? 'exponential',
    maxBuckets: o.maxBuckets ?? DEFAULT_MAX_BUCKETS,
    rates: o.rates ?? false,
    retry: o.retry,
    maxQueueBytes: o.maxQueueBytes,
    closeTimeoutMs: o.closeTimeoutMs ?? 4_000,
  };
}
