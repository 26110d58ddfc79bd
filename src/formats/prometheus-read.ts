/**
 * How the Prometheus formats read a metric: its snapshot, plus the lifetime buckets of a
 * histogram or timer that has `buckets` or `nativeHistogram`. The `read` of
 * `collectSeries()` for the pull endpoint and the Pushgateway.
 *
 * @module
 * @internal
 */

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
  const snapshot = gaugeRead ?? metric.snapshot();
  const buckets = metric.type === 'histogram' || metric.type === 'timer' ? metric.lifetimeBuckets() : null;
  return { name: metric.name, tags: metric.tags, snapshot, buckets };
}
