/**
 * tapemeasure: in-process application metrics for Node.js.
 *
 * @module tapemeasure
 */
/// <reference types="node" preserve="true" />

export { ManualClock, systemClock, TICK_MS } from './clock.js';
export type { Clock, ManualClockOptions } from './clock.js';
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
export type { GaugeAggregation, GaugeOptions } from './metrics/gauge.js';
export { Histogram } from './metrics/histogram.js';
export type { HistogramOptions } from './metrics/histogram.js';
export { MAX_BUCKETS, PROMETHEUS_DEFAULT_BUCKETS } from './metrics/buckets.js';
export type { BucketOptions, BucketsOption } from './metrics/buckets.js';
export type { LifetimeBucketsRead, NativeBucketsRead } from './metrics/lifetime-buckets.js';
export type { WindowOptions } from './metrics/distribution.js';
export { IntervalReader } from './metrics/interval-reader.js';
export { Stopwatch, Timer } from './metrics/timer.js';
export type { DurationSink, TimerOptions } from './metrics/timer.js';
export type { MetricOptions, MetricType } from './metrics/metric.js';
export { Registry } from './registry/registry.js';
export { Scope } from './registry/scope.js';
export { isRegistry, OVERFLOW_TAGS, REGISTRY_BRAND } from './registry/types.js';
export type {
  AddedReason,
  Metric,
  MetricFactory,
  MetricFilter,
  MetricRegistry,
  RegistryListener,
  RegistryOptions,
  RemovedReason,
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
  TimerSnapshot,
} from './metrics/snapshot.js';
export type { SeriesSnapshot, SnapshotTree, TaggedSnapshot } from './registry/snapshot.js';
export { ScheduledReporter } from './reporters/scheduled-reporter.js';
export { STOP_BUDGET } from './reporters/stop-budget.js';
export { stopOnSignals } from './reporters/stop-on-signals.js';
export type { Stoppable, StopOnSignalsOptions } from './reporters/stop-on-signals.js';
export type { ReporterIdentity, ScheduledReporterOptions } from './reporters/scheduled-reporter.js';
export { ReporterError } from './reporters/report.js';
export type { Report, ReportField, ReportSeries, ReporterErrorKind, ReporterStats } from './reporters/report.js';
export type { SelfMetricsOptions } from './reporters/self-metrics.js';
export {
  ALL_STATISTICS,
  DEFAULT_STATISTICS,
  DISTRIBUTION_STATISTICS,
  RATE_STATISTIC_ORDER,
  STATISTIC_SUFFIX,
  TIME_UNIT_MS,
  TIME_UNITS,
} from './formats/statistics.js';
export type { DistributionStatistic, RateStatistic, Statistic, TimeUnit } from './formats/statistics.js';
export type { MetricSelector } from './reporters/select.js';
export { JsonStreamReporter } from './reporters/json-stream-reporter.js';
export type { JsonStreamReporterOptions } from './reporters/json-stream-reporter.js';
export { metricsHandler } from './exposition/handler.js';
export type { MetricsHandler, MetricsHandlerOptions } from './exposition/handler.js';
export { renderMetrics } from './exposition/render.js';
export type { RenderMetricsOptions } from './exposition/render.js';
export { serveMetrics } from './exposition/server.js';
export type { MetricsServer, ServeMetricsOptions } from './exposition/server.js';
export type { MetricsFormat } from './exposition/negotiate.js';
export { EndpointError } from './exposition/endpoint-error.js';
export type { EndpointErrorKind } from './exposition/endpoint-error.js';
export { buildSnapshotTree, SnapshotTreeBuilder } from './registry/snapshot-tree.js';
export type { JsonSeries } from './registry/snapshot-tree.js';
export { formatJsonLine, formatJsonTree, jsonLineChunks, jsonTreeChunks } from './formats/json.js';
export type { JsonReportDocument } from './formats/json.js';
export { formatPrometheus, OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE, prometheusChunks } from './formats/prometheus.js';
export type { PrometheusFormat, PrometheusFormatOptions, PrometheusSeries } from './formats/prometheus.js';
export { formatPrometheusProtobuf, PROTOBUF_CONTENT_TYPE, prometheusProtobufChunks } from './formats/prometheus-protobuf.js';
export { formatStatsdNumber, sanitizeStatsdName, sanitizeStatsdSetMember, sanitizeStatsdTag } from './formats/statsd-sanitize.js';
export { StatsdFormat } from './formats/statsd.js';
export type { StatsdFormatOptions, StatsdMetricType, StatsdSeries, StatsdTagStyle } from './formats/statsd.js';
export { TransportError, TransportErrorCodes } from './transports/transport.js';
export type {
  DropPolicy,
  Framing,
  Transport,
  TransportErrorCode,
  TransportErrorHandler,
  TransportStats,
} from './transports/transport.js';
export { DEFAULT_MAX_DATAGRAM_BYTES, UdpTransport } from './transports/udp.js';
export type { UdpTransportOptions } from './transports/udp.js';
export { TcpTransport } from './transports/tcp.js';
export type { TcpTransportOptions } from './transports/tcp-options.js';
export { StreamTransport } from './transports/stream.js';
export type { StreamTransportOptions } from './transports/stream.js';
export { MemoryTransport } from './transports/memory.js';
export type { MemoryTransportOptions } from './transports/memory.js';
export { StatsdReporter } from './reporters/statsd-reporter.js';
export type { StatsdReporterOptions } from './reporters/statsd-reporter.js';
export { StatsdClient } from './clients/statsd-client.js';
export type { StatsdCallOptions, StatsdClientOptions, StatsdClientStats, StatsdGaugeOptions } from './clients/statsd-client.js';
export { StatsdTimer } from './clients/statsd-timer.js';
export type { StatsdOptions, StatsdProtocol } from './clients/statsd-options.js';
export { GraphiteClient } from './clients/graphite-client.js';
export type { GraphiteClientOptions, GraphiteClientStats, GraphiteSample } from './clients/graphite-client.js';
export type { GraphiteOptions, GraphiteProtocol } from './clients/graphite-options.js';
export { GraphiteReporter } from './reporters/graphite-reporter.js';
export type { GraphiteReporterOptions } from './reporters/graphite-reporter.js';
export {
  graphitePath,
  graphiteSuffixed,
  sanitizeGraphitePath,
  sanitizeGraphiteTagKey,
  sanitizeGraphiteTagValue,
} from './formats/graphite-path.js';
export type { GraphitePoint } from './formats/graphite-path.js';
export { encodeGraphitePlaintext, formatGraphiteLine, formatGraphiteLines } from './formats/graphite-plaintext.js';
export { CARBON_MAX_PICKLE_BYTES, encodeGraphitePickle } from './formats/graphite-pickle.js';
export type { GraphitePickleFrames, GraphitePickleOptions } from './formats/graphite-pickle.js';
export { deleteMetrics, pushMetrics } from './reporters/pushgateway-push.js';
export type { DeleteMetricsOptions, PushMetricsOptions } from './reporters/pushgateway-push.js';
export { PushgatewayReporter } from './reporters/pushgateway-reporter.js';
export type { PushgatewayReporterOptions } from './reporters/pushgateway-reporter.js';
export { PushError } from './reporters/pushgateway-error.js';
export type { PushErrorCode, PushMethod, PushResult, PushSummary } from './reporters/pushgateway-error.js';
export type { PushBodyOptions, PushgatewayTargetOptions } from './reporters/pushgateway-options.js';
export type { GroupingKey } from './reporters/pushgateway-grouping-key.js';
export { dashboardHandler } from './exposition/dashboard/handler.js';
export type { DashboardHandler } from './exposition/dashboard/handler.js';
export type { DashboardOptions } from './exposition/dashboard/options.js';
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
