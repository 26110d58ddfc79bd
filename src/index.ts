/**
 * tapemeasure: in-process application metrics for Node.js.
 *
 * @packageDocumentation
 */

export { ManualClock, systemClock, TICK_MS } from './clock.js';
export type { Clock } from './clock.js';
export {
  ErrorCodes,
  InvalidNameError,
  InvalidOptionError,
  InvalidTagError,
  MetricConflictError,
  InvalidArgumentError,
  MetricsError,
  UnknownOptionError,
} from './errors.js';
export type { ErrorCode } from './errors.js';
export { decodeSegment, encodeSegment, name } from './names.js';
export type { Tags } from './names.js';
export { Counter } from './metrics/counter.js';
export { Gauge } from './metrics/gauge.js';
export type { GaugeReader } from './metrics/gauge.js';
export { Meter } from './metrics/meter.js';
export { Histogram, IntervalReader } from './metrics/histogram.js';
export type { HistogramOptions, WindowOptions } from './metrics/histogram.js';
export { Stopwatch, Timer } from './metrics/timer.js';
export type { DurationSink, TimerOptions } from './metrics/timer.js';
export type { MetricType } from './metrics/metric.js';
export { Registry } from './registry/registry.js';
export { Scope } from './registry/scope.js';
export { isRegistry, OVERFLOW_TAGS, REGISTRY_BRAND } from './registry/types.js';
export type {
  GaugeOptions,
  Metric,
  MetricFactory,
  MetricFilter,
  MetricOptions,
  MetricRegistry,
  RegistryListener,
  RegistryOptions,
} from './registry/types.js';
export { counter, defaultRegistry, gauge, histogram, meter, scope, timer } from './registry/default-registry.js';
export type {
  CounterSnapshot,
  DistributionFields,
  GaugeSnapshot,
  HistogramSnapshot,
  MeterSnapshot,
  MetricSnapshot,
  RateFields,
  SeriesSnapshot,
  SnapshotTree,
  TaggedSnapshot,
  TimerSnapshot,
} from './registry/snapshot.js';
export { ReporterError, ScheduledReporter } from './reporters/scheduled-reporter.js';
export type {
  Report,
  ReportField,
  ReportSeries,
  ReporterErrorKind,
  ReporterStats,
  ScheduledReporterOptions,
  SelfMetricsOptions,
} from './reporters/scheduled-reporter.js';
export { ALL_STATISTICS, DEFAULT_STATISTICS, STATISTIC_SUFFIX, TIME_UNIT_MS } from './formats/statistics.js';
export type { Statistic, TimeUnit } from './formats/statistics.js';
export type { MetricSelector } from './reporters/select.js';
export { JsonStreamReporter } from './reporters/json-stream-reporter.js';
export type { JsonStreamReporterOptions } from './reporters/json-stream-reporter.js';
export { metricsHandler, renderMetrics, serveMetrics } from './exposition/handler.js';
export type {
  MetricsFormat,
  MetricsHandler,
  MetricsHandlerOptions,
  MetricsServer,
  RenderMetricsOptions,
  ServeMetricsOptions,
} from './exposition/handler.js';
export { buildSnapshotTree, formatJsonLine, formatJsonTree, jsonTreeChunks, SnapshotTreeBuilder } from './formats/json.js';
export type { JsonReportDocument, JsonSeries } from './formats/json.js';
export { formatPrometheus, OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE, prometheusChunks } from './formats/prometheus.js';
export type { PrometheusFormat, PrometheusFormatOptions, PrometheusSeries } from './formats/prometheus.js';
export {
  formatStatsdNumber,
  resolveStatsdTarget,
  sanitizeStatsdName,
  sanitizeStatsdSetMember,
  sanitizeStatsdTag,
  STATSD_DISTRIBUTION_SUFFIXES,
  STATSD_RATE_SUFFIXES,
  StatsdFormat,
} from './formats/statsd.js';
export type {
  StatsdFormatOptions,
  StatsdMetricType,
  StatsdProtocol,
  StatsdSeries,
  StatsdTagStyle,
  StatsdTarget,
  StatsdTargetOptions,
  StatsdUnits,
} from './formats/statsd.js';
export { TransportError, TransportErrorCodes } from './transports/transport.js';
export type { Transport, TransportErrorCode, TransportErrorHandler, TransportStats } from './transports/transport.js';
export { DEFAULT_MAX_DATAGRAM_BYTES, UdpTransport } from './transports/udp.js';
export type { UdpTransportOptions } from './transports/udp.js';
export { TcpTransport } from './transports/tcp.js';
export type { TcpFraming, TcpTransportOptions } from './transports/tcp.js';
export { createLineTransport } from './transports/line-transport.js';
export type { LineTransportOptions } from './transports/line-transport.js';
export { StatsdReporter } from './reporters/statsd-reporter.js';
export type { StatsdReporterOptions } from './reporters/statsd-reporter.js';
export { StatsdClient, StatsdTimer } from './clients/statsd-client.js';
export type { StatsdCallOptions, StatsdClientOptions, StatsdClientStats, StatsdGaugeOptions } from './clients/statsd-client.js';
export type { StatsdOptions } from './clients/statsd-options.js';
export { GraphiteClient } from './clients/graphite-client.js';
export type { GraphiteClientOptions, GraphiteClientStats, GraphiteProtocol, GraphiteSample } from './clients/graphite-client.js';
export { GraphiteReporter } from './reporters/graphite-reporter.js';
export type { GraphiteReporterOptions } from './reporters/graphite-reporter.js';
export {
  encodeGraphitePlaintext,
  formatGraphiteLine,
  formatGraphiteLines,
  graphitePath,
  graphiteSuffixed,
  sanitizeGraphitePath,
  sanitizeGraphiteTagKey,
  sanitizeGraphiteTagValue,
} from './formats/graphite-plaintext.js';
export type { GraphitePoint } from './formats/graphite-plaintext.js';
export { CARBON_MAX_PICKLE_BYTES, encodeGraphitePickle } from './formats/graphite-pickle.js';
export type { GraphitePickleFrames, GraphitePickleOptions } from './formats/graphite-pickle.js';
export { classMetric, counted, metered, timed } from './integrations/decorators.js';
export type {
  ClassMetricKind,
  ClassMetricOf,
  CountedOptions,
  DecoratorOptions,
  MetricMethodDecorator,
} from './integrations/decorators.js';
export { collectRuntimeMetrics } from './integrations/runtime.js';
export type { RuntimeMetrics, RuntimeMetricsOptions } from './integrations/runtime.js';
export { OtlpPartialSuccessError, OtlpReporter } from './reporters/otlp-reporter.js';
export type { OtlpProtocol, OtlpReporterOptions, OtlpTemporalityPreference } from './reporters/otlp-options.js';
export { OTLP_JSON_CONTENT_TYPE, OtlpJsonEncoder } from './formats/otlp/json.js';
export { OTLP_PROTOBUF_CONTENT_TYPE, OtlpProtobufEncoder } from './formats/otlp/protobuf.js';
export { decodeOtlpResponse } from './formats/otlp/response.js';
export type { OtlpPartialSuccess } from './formats/otlp/response.js';
export type {
  OtlpAttributes,
  OtlpAttributeValue,
  OtlpEncoder,
  OtlpExponentialBuckets,
  OtlpExponentialHistogram,
  OtlpExponentialHistogramPoint,
  OtlpExportRequest,
  OtlpGauge,
  OtlpHistogram,
  OtlpHistogramPoint,
  OtlpMetric,
  OtlpMetricBase,
  OtlpNumberPoint,
  OtlpPointBase,
  OtlpQuantile,
  OtlpScope,
  OtlpSum,
  OtlpSummary,
  OtlpSummaryPoint,
  OtlpTemporality,
} from './formats/otlp/model.js';
export { HttpTransport } from './transports/http.js';
export type { HttpResponse, HttpTimers, HttpTransportOptions, HttpTransportStats } from './transports/http-options.js';
export { HttpTransportError, HttpTransportErrorCodes } from './transports/http-retry.js';
export type { HttpFailureDetails, HttpRetryOptions, HttpTransportErrorCode } from './transports/http-retry.js';
