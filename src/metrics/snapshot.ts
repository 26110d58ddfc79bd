/**
 * The JSON snapshot of each metric type: what `metric.snapshot()` returns, and what the
 * registry's snapshot tree holds at its leaves.
 *
 * @module
 */

/** A counter's snapshot. */
export type CounterSnapshot = {
  /** `'counter'`. */
  readonly type: 'counter';
  /** The current count. */
  readonly count: number;
};

/** A gauge's snapshot. `value` is `null` and `error` says why when reading it failed. */
export type GaugeSnapshot = {
  /** `'gauge'`. */
  readonly type: 'gauge';
  /** The value read, or `null` if the gauge threw, rejected, timed out or returned a non-number. */
  readonly value: number | null;
  /** Present only when reading failed: what went wrong. */
  readonly error?: string;
};

/** The rate fields of a meter or timer, in events per second. */
export type RateFields = {
  /** Events since creation. */
  readonly count: number;
  /** Lifetime average rate (count / seconds since creation). */
  readonly meanRate: number;
  /** 1-minute exponentially weighted moving average rate. */
  readonly m1Rate: number;
  /** 5-minute exponentially weighted moving average rate. */
  readonly m5Rate: number;
  /** 15-minute exponentially weighted moving average rate. */
  readonly m15Rate: number;
};

/**
 * The distribution fields of a histogram or timer. `count` and `sum` cover the metric's
 * whole life; the rest cover the recent window and are `null` when it is empty.
 */
export type DistributionFields = {
  /** Values recorded since creation. */
  readonly count: number;
  /** Sum of all values recorded since creation. */
  readonly sum: number;
  /** Values in the current window. */
  readonly windowCount: number;
  /** Smallest value in the window (exact). */
  readonly min: number | null;
  /** Largest value in the window (exact). */
  readonly max: number | null;
  /** Mean of the window (exact). */
  readonly mean: number | null;
  /** Population standard deviation of the window. */
  readonly stddev: number | null;
  /** Median of the window. */
  readonly p50: number | null;
  /** 75th percentile of the window. */
  readonly p75: number | null;
  /** 95th percentile of the window. */
  readonly p95: number | null;
  /** 98th percentile of the window. */
  readonly p98: number | null;
  /** 99th percentile of the window. */
  readonly p99: number | null;
  /** 99.9th percentile of the window. */
  readonly p999: number | null;
};

/** A meter's snapshot. */
export type MeterSnapshot = {
  /** `'meter'`. */
  readonly type: 'meter';
} & RateFields;

/** A histogram's snapshot. */
export type HistogramSnapshot = {
  /** `'histogram'`. */
  readonly type: 'histogram';
} & DistributionFields;

/**
 * A timer's snapshot: rates of timed events plus the distribution of their durations,
 * in milliseconds (`sum`, `min`, ..., `p999`).
 */
export type TimerSnapshot = {
  /** `'timer'`. */
  readonly type: 'timer';
} & Omit<RateFields, 'count'> &
  DistributionFields;

/** The snapshot of one series (one name plus one set of tags). */
export type MetricSnapshot = CounterSnapshot | GaugeSnapshot | MeterSnapshot | HistogramSnapshot | TimerSnapshot;
