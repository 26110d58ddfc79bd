/**
 * Event-loop delay: what a `monitorEventLoopDelay()` monitor saw, copied into a histogram.
 *
 * @module
 * @internal
 */

import type { IntervalHistogram } from 'node:perf_hooks';
import type { Histogram } from '../../metrics/histogram.js';

/**
 * The most values one sample copies from the event-loop monitor into the histogram; above
 * it, the counts of each percentile bracket are scaled down alike.
 */
const MAX_DELAY_RECORDS = 10_000;

/**
 * Copies what an event-loop delay monitor saw into a histogram, in milliseconds beyond the
 * monitor's own period. Node's monitor keeps an HDR histogram but exposes only percentile
 * points (0, 50, 75, 87.5, ... 100); each sample is recorded at the upper value of its
 * percentile bracket, so quantiles are as exact as those points and the maximum is exact.
 *
 * @returns how many values were recorded.
 * @internal
 */
export function transferDelays(monitor: IntervalHistogram, histogram: Histogram, resolutionMs: number): number {
  const total = monitor.count;
  if (!(total > 0)) return 0;
  const scale = total > MAX_DELAY_RECORDS ? MAX_DELAY_RECORDS / total : 1;
  const points = [...monitor.percentiles].sort((a, b) => a[0] - b[0]);
  let previous = 0;
  let recorded = 0;
  for (const [percentile, valueNs] of points) {
    const cumulative = Math.round((percentile / 100) * total);
    let n = cumulative - previous;
    previous = cumulative;
    if (n <= 0) continue;
    if (scale !== 1) n = Math.max(1, Math.round(n * scale));
    const delayMs = Math.max(0, valueNs / 1e6 - resolutionMs);
    for (let i = 0; i < n; i++) histogram.record(delayMs);
    recorded += n;
  }
  return recorded;
}
