/**
 * How the Prometheus formats read a metric: its snapshot, plus the lifetime buckets of a
 * histogram or timer that has `buckets` or `nativeHistogram`. The `read` of
 * `collectSeries()` for the pull endpoint and the Pushgateway.
 *
 * @module
 * @internal
 */

import type { LifetimeBucketsRead } from '../metrics/lifetime-buckets.js';
import type { MetricSnapshot } from '../metrics/snapshot.js';
import type { Metric } from '../registry/types.js';
import type { PrometheusSeries } from './prometheus.js';

/**
 * The series of `metric` for the Prometheus formats; `gaugeRead` is the awaited read of a
 * callback gauge.
 *
 * @internal
 */
export function prometheusSeriesOf(metric: Metric, gaugeRead: MetricSnapshot | undefined): PrometheusSeries {
  if (metric.type !== 'histogram' && metric.type !== 'timer') {
    return { name: metric.name, tags: metric.tags, snapshot: gaugeRead ?? metric.snapshot() };
  }
  const buckets = lifetimeBucketsOf(metric);
  if (buckets === null || buckets.summary) return { name: metric.name, tags: metric.tags, snapshot: metric.snapshot(), buckets };
  // A histogram family without the window summary writes only count and sum (no timer
  // rates either): the window statistics, a third of the read, are not computed for it.
  const fields = { count: buckets.count, sum: metric.sum, ...NO_WINDOW };
  const snapshot: MetricSnapshot =
    metric.type === 'timer' ? { type: 'timer', meanRate: 0, m1Rate: 0, m5Rate: 0, m15Rate: 0, ...fields } : { type: 'histogram', ...fields };
  return { name: metric.name, tags: metric.tags, snapshot, buckets };
}

/** The window fields of a snapshot whose window is not read. */
const NO_WINDOW = Object.freeze({
  windowCount: 0, min: null, max: null, mean: null, stddev: null, p50: null, p75: null, p95: null, p98: null, p99: null, p999: null,
});

/**
 * The lifetime buckets of a histogram or timer, or `null`: also for a metric of a
 * registry from another copy of tapemeasure (recognised by its brand) that has none.
 *
 * @internal
 */
export function lifetimeBucketsOf(metric: Metric): LifetimeBucketsRead | null {
  const read = (metric as { lifetimeBuckets?: () => LifetimeBucketsRead | null }).lifetimeBuckets;
  return typeof read === 'function' ? read.call(metric) : null;
}
