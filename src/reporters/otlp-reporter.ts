/**
 * The OTLP reporter: pushes the registry to any OpenTelemetry receiver (the Collector,
 * Grafana Alloy and Mimir, Prometheus 3, VictoriaMetrics, vendors' endpoints) over
 * OTLP/HTTP, protobuf or JSON, with no OpenTelemetry dependency. See docs/otlp.md.
 *
 * @module
 */

import { ErrorCodes, MetricsError } from '../errors.js';
import { OtlpJsonEncoder } from '../formats/otlp/json.js';
import type { OtlpAttributes, OtlpEncoder } from '../formats/otlp/model.js';
import { OtlpProtobufEncoder } from '../formats/otlp/protobuf.js';
import { OTLP_SCOPE, TAPEMEASURE_VERSION } from '../formats/otlp/resource.js';
import { decodeOtlpResponse } from '../formats/otlp/response.js';
import { readOptions } from '../internal/options.js';
import { sliceYielder } from '../internal/slicer.js';
import type { Metric } from '../registry/types.js';
import { HttpTransport } from '../transports/http.js';
import type { HttpResponse } from '../transports/http-options.js';
import type { Transport, TransportStats } from '../transports/transport.js';
import { OtlpMapping, type OtlpMetricGroups } from './otlp-mapping.js';
import { OTLP_SCHEMA, resolveOtlpConfig, type OtlpConfig, type OtlpReporterOptions } from './otlp-options.js';
import { REPORTER_OPTIONS, ScheduledReporter, type Report } from './scheduled-reporter.js';
import { compileSelector } from './select.js';

/**
 * An OTLP receiver accepted an export but rejected some of its data points (its
 * `partial_success`). Code `ERR_TAPEMEASURE_PARTIAL_SUCCESS`; handed to `onError`
 * (as the `cause` of a `ReporterError` of kind `transport`), never thrown.
 */
export class OtlpPartialSuccessError extends MetricsError {
  /** Data points the receiver rejected. */
  readonly rejectedDataPoints: number;
  /** The receiver's explanation (`''` when none). */
  readonly errorMessage: string;

  /**
   * @param rejectedDataPoints - how many were rejected.
   * @param errorMessage - the receiver's explanation.
   * @param where - the endpoint, for the message.
   */
  constructor(rejectedDataPoints: number, errorMessage: string, where: string) {
    super(
      ErrorCodes.PARTIAL_SUCCESS,
      `${where}: the receiver rejected ${rejectedDataPoints} data point${rejectedDataPoints === 1 ? '' : 's'}` +
        (errorMessage === '' ? '' : `: ${errorMessage}`),
    );
    this.name = 'OtlpPartialSuccessError';
    this.rejectedDataPoints = rejectedDataPoints;
    this.errorMessage = errorMessage;
  }
}

/**
 * Sends the registry to an OTLP/HTTP receiver every interval: counters as Sums,
 * gauges as Gauges, meters as Sums of their count, histograms and timers as
 * exponential histograms built from their HDR counts (or Summaries), timers in seconds.
 * Cumulative temporality by default (start times: when the reporter first saw each
 * series), or delta. Requests are retried on 429, 502, 503, 504, timeouts and
 * connection failures (honouring `Retry-After`), queued within `maxQueueBytes`
 * (the oldest dropped and counted beyond it), and never throw into the application.
 *
 * The mapping, the environment variables and a Collector configuration are in
 * docs/otlp.md.
 *
 * @example
 * ```ts
 * import { OtlpReporter, Registry } from 'tapemeasure';
 *
 * const registry = new Registry();
 * const reporter = new OtlpReporter({
 *   registry,
 *   url: 'http://127.0.0.1:4318/v1/metrics',
 *   resource: { 'service.name': 'checkout' },
 * }).start(10_000);
 * registry.timer('db.query').update(12);
 * await reporter.stop(); // the final export; no collector listening: reported, not thrown
 * ```
 */
export class OtlpReporter extends ScheduledReporter {
  /** The endpoint requests go to (unless a `transport` was given). */
  readonly url: URL;
  readonly #config: OtlpConfig;
  readonly #encoder: OtlpEncoder;
  readonly #transport: Transport;
  readonly #ownsTransport: boolean;
  readonly #mapping: OtlpMapping;
  readonly #resource: OtlpAttributes;
  #droppedSeen = 0;
  #rejectedDataPoints = 0;

  /**
   * @param options - where to send and what; see {@link OtlpReporterOptions}. Missing
   *   options come from the `OTEL_*` variables of `options.env` (`process.env` by default).
   * @throws {@link InvalidOptionError} for a bad option or environment variable, and
   *   {@link UnknownOptionError} for an unknown option.
   */
  constructor(options: OtlpReporterOptions = {}) {
    super(options, { kind: 'otlp', where: 'OtlpReporter', schema: OTLP_SCHEMA });
    const o = readOptions('OtlpReporter', options, OTLP_SCHEMA, REPORTER_OPTIONS);
    const config = resolveOtlpConfig(o, o.env ?? process.env);
    this.#config = config;
    this.url = config.url;
    this.#resource = config.resource;
    this.#encoder = config.protocol === 'http/json' ? new OtlpJsonEncoder() : new OtlpProtobufEncoder();
    if (o.transport !== undefined) {
      this.#transport = o.transport;
      this.#ownsTransport = false;
    } else {
      const where = `OTLP export to ${config.url.origin}${config.url.pathname}`;
      this.#transport = new HttpTransport({
        url: config.url,
        headers: { 'user-agent': `tapemeasure/${TAPEMEASURE_VERSION}`, ...config.headers },
        contentType: this.#encoder.contentType,
        compression: config.compression,
        timeoutMs: config.timeoutMs,
        ...(config.retry === undefined ? {} : { retry: config.retry }),
        ...(config.maxQueueBytes === undefined ? {} : { maxQueueBytes: config.maxQueueBytes }),
        onError: (error) => { this.reportError('transport', error); },
        onResponse: (response) => { this.#onResponse(response, where); },
      });
      this.#ownsTransport = true;
    }
    const filter = compileSelector(options.filter, 'OtlpReporter');
    const selects = (metric: Metric): boolean => {
      try {
        return filter === undefined || filter(metric);
      } catch {
        return false; // the base reporter reports the throwing filter
      }
    };
    this.#mapping = new OtlpMapping(this.registry, selects, config, () => this.clock.now());
  }

  /** The transport's counters: requests (lines) and bytes sent, dropped and queued; with HTTP, retries too. */
  get transportStats(): TransportStats {
    return this.#transport.stats;
  }

  /** Data points receivers rejected in partial successes, since the reporter was created. */
  get rejectedDataPoints(): number {
    return this.#rejectedDataPoints;
  }

  /** The encoding in use. */
  get protocol(): 'http/protobuf' | 'http/json' {
    return this.#config.protocol;
  }

  #onResponse(response: HttpResponse, where: string): void {
    const partial = decodeOtlpResponse(response.body, response.contentType);
    if (partial === null) return;
    this.#rejectedDataPoints += partial.rejectedDataPoints;
    this.reportError('transport', new OtlpPartialSuccessError(partial.rejectedDataPoints, partial.errorMessage, where));
  }

  /** @inheritDoc */
  protected override async send(report: Report): Promise<void> {
    const mapping = this.#mapping;
    const groups: OtlpMetricGroups = new Map();
    mapping.prepare(report.series);
    let pause = sliceYielder();
    for (const series of report.series) {
      mapping.add(series, report.timestampMs, groups);
      const wait = pause();
      if (wait !== undefined) await wait;
    }
    if (groups.size === 0) return;
    const encoder = this.#encoder;
    encoder.begin(this.#resource, OTLP_SCOPE);
    pause = sliceYielder();
    for (const metric of groups.values()) {
      encoder.metric(metric);
      const wait = pause();
      if (wait !== undefined) await wait;
    }
    const body = encoder.finish();
    this.#transport.send(body);
    this.countBytes(body.length);
    this.#countDrops();
  }

  #countDrops(): void {
    const dropped = this.#transport.stats.droppedLines;
    if (dropped > this.#droppedSeen) {
      this.countDropped(dropped - this.#droppedSeen);
      this.#droppedSeen = dropped;
    }
  }

  /** @inheritDoc */
  protected override async close(): Promise<void> {
    this.#mapping.close();
    this.#transport.flush();
    if (this.#ownsTransport) await this.#transport.close(this.#config.closeTimeoutMs);
    this.#countDrops();
  }
}
