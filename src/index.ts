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
  MetricsError,
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
export type { TimerOptions } from './metrics/timer.js';
export type { MetricType } from './metrics/metric.js';
export { OVERFLOW_TAGS, Registry } from './registry.js';
export type {
  GaugeOptions,
  Metric,
  MetricFactory,
  MetricFilter,
  MetricOptions,
  RegistryListener,
  RegistryOptions,
} from './registry.js';
export { counter, defaultRegistry, gauge, histogram, meter, scope, timer } from './default-registry.js';
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
} from './snapshot.js';
