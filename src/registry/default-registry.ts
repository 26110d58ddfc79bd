/**
 * The process-wide default registry and module-level shortcuts to it.
 *
 * @module
 */

import type { Counter } from '../metrics/counter.js';
import type { Gauge, GaugeOptions, GaugeReader } from '../metrics/gauge.js';
import type { Histogram, HistogramOptions } from '../metrics/histogram.js';
import type { Meter } from '../metrics/meter.js';
import type { MetricOptions } from '../metrics/metric.js';
import type { Timer, TimerOptions } from '../metrics/timer.js';
import type { Tags } from '../names.js';
import { Registry } from './registry.js';
import type { Scope } from './scope.js';

/**
 * The default registry behind {@link counter}, {@link gauge}, {@link meter},
 * {@link histogram}, {@link timer} and {@link scope}, and what every reporter, endpoint
 * and integration reads when given no `registry` option.
 */
export const defaultRegistry: Registry = new Registry();

/** `defaultRegistry.counter(name, options)`. */
export function counter(name: string, options?: MetricOptions): Counter {
  return defaultRegistry.counter(name, options);
}

/** `defaultRegistry.gauge(name, reader, options)`. */
export function gauge(name: string, reader?: GaugeReader | GaugeOptions, options?: GaugeOptions): Gauge {
  return defaultRegistry.gauge(name, reader, options);
}

/** `defaultRegistry.meter(name, options)`. */
export function meter(name: string, options?: MetricOptions): Meter {
  return defaultRegistry.meter(name, options);
}

/** `defaultRegistry.histogram(name, options)`. */
export function histogram(name: string, options?: HistogramOptions): Histogram {
  return defaultRegistry.histogram(name, options);
}

/** `defaultRegistry.timer(name, options)`. */
export function timer(name: string, options?: TimerOptions): Timer {
  return defaultRegistry.timer(name, options);
}

/** `defaultRegistry.scope(prefix, tags)`: a {@link Scope} of the default registry. */
export function scope(prefix: string, tags?: Tags): Scope {
  return defaultRegistry.scope(prefix, tags);
}
