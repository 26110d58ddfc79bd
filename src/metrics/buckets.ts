/**
 * The `buckets`, `nativeHistogram` and `summary` options of histograms and timers, and
 * the bucket layout they make: which lifetime bucket each HDR bucket of the metric's
 * precision and resolution is counted in. One layout serves every metric of the same
 * options (interned with the window config), and its tables are computed lazily, once
 * per HDR bucket, not once per metric.
 *
 * ## Classic buckets
 * An upper bound `b` (in the metric's unit: milliseconds for timers) is compared in HDR
 * units, `X = round(b / resolution)`, the same rounding `record()` applies, so a value
 * equal to `b` is always counted in `le = b`. An HDR bucket holding the integers
 * `[L, L + W)` is counted in the first bound whose `X >= L + W - 1`: a bucket that
 * straddles a bound is counted whole ABOVE it. So `le = b` counts every value `<= b`
 * except those in the one HDR bucket that straddles `b`: the miss is limited to values
 * in `(b - w, b]`, `w` the HDR bucket width at `b` (at most `b * 2^-h`, 0.78% of `b` at
 * 2 significant digits; exactly 0 below `2^(h+1)` resolution units, where HDR buckets
 * are one unit wide); and it may count values within half a resolution above `b` (they
 * are recorded as `b`; within one resolution when `b` is not a multiple of it).
 *
 * ## Native buckets
 * Prometheus native histograms of schema `s` split every power of two into `2^s`
 * buckets; bucket `k` holds `(2^((k-1)/2^s), 2^(k/2^s)]`. The schema is `h - 1`
 * (capped at 8), the finest whose buckets are all at least as wide as the widest HDR
 * bucket: 6 (buckets 1.09% wide) for 2 significant digits, 8 for 3 or more, 3 for 1.
 * Each HDR bucket is counted in the native bucket of its highest value (the same
 * "straddling counts above" rule); values recorded as 0 (below half the resolution) are
 * the zero bucket, whose threshold is half the resolution (in seconds for timers).
 *
 * @module
 */

import { anyOf, arrayOf, boolean, check, number, oneOf, type Check, type Read } from '../internal/options.js';
import { bucketLowest, bucketWidth, halfMagnitude } from '../stats/hdr-layout.js';
import type { WindowedHistogramConfig } from '../stats/windowed-histogram.js';
import type { OptionDifference } from './metric.js';

/**
 * Prometheus' default buckets (`prometheus.DefBuckets`, prom-client's defaults): 5 ms to
 * 10 s for timers (in milliseconds here, seconds on the wire), `0.005` to `10` for
 * histograms.
 */
export const PROMETHEUS_DEFAULT_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/** {@link PROMETHEUS_DEFAULT_BUCKETS} in milliseconds, for timers (written so, not multiplied: exact bounds). */
const PROMETHEUS_DEFAULT_BUCKETS_MS: readonly number[] = Object.freeze([5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]);

/** The most classic bounds a metric may have. */
export const MAX_BUCKETS = 256;

/**
 * The `buckets` option: upper bounds in the metric's unit (milliseconds for timers),
 * ascending; `'prometheus'` for {@link PROMETHEUS_DEFAULT_BUCKETS}; `'none'` for no
 * classic buckets (overrides a registry default).
 */
export type BucketsOption = readonly number[] | 'prometheus' | 'none';

/** The Prometheus options of histograms and timers (and their registry-level defaults). */
export type BucketOptions = {
  /**
   * Classic histogram buckets: the Prometheus and OpenMetrics outputs write a `histogram`
   * (cumulative `_bucket{le}` over the whole life of the metric, `_sum`, `_count`)
   * instead of a summary. Upper bounds in the metric's unit (milliseconds for timers,
   * written in seconds), strictly ascending, at most 256; `'prometheus'` for Prometheus'
   * default set (5 ms to 10 s for timers); `'none'` for none. Costs nothing per value:
   * the counts are derived from the HDR slices as they rotate out (8 bytes per bound).
   *
   * @defaultValue the registry's `buckets`, else none (a summary)
   */
  readonly buckets?: BucketsOption;
  /**
   * Also keep a Prometheus native histogram (exponential buckets at the schema of the
   * precision: 6 for 2 significant digits), sent when the scraper asks for the protobuf
   * format. 8 bytes per native bucket between the lowest and highest value ever
   * recorded (64 per power of two at 2 digits: about 5 KB for a timer whose values
   * span 1 ms to 1 s).
   *
   * @defaultValue the registry's `nativeHistograms`, else false
   */
  readonly nativeHistogram?: boolean;
  /**
   * With `buckets` or `nativeHistogram`: also write the window quantiles as a summary
   * named `<name>_window` (`<name>_window_seconds` for timers). Without either, the
   * summary is all there is.
   *
   * @defaultValue false
   */
  readonly summary?: boolean;
};

const ascending: Check<readonly number[]> = check(
  `an array of 1 to ${MAX_BUCKETS} strictly ascending finite numbers >= 0`,
  (value, context) => {
    const bounds = arrayOf(number(0))(value, context);
    let ok = bounds.length >= 1 && bounds.length <= MAX_BUCKETS;
    for (let i = 1; ok && i < bounds.length; i++) ok = bounds[i]! > bounds[i - 1]!;
    return ok ? bounds : context.fail(`an array of 1 to ${MAX_BUCKETS} strictly ascending finite numbers >= 0`);
  },
);

/** The check of {@link BucketsOption}. @internal */
export const bucketsCheck: Check<BucketsOption> = anyOf(oneOf('prometheus', 'none'), ascending);

/** The schema of {@link BucketOptions}, spread into the histogram's and the timer's. @internal */
export const BUCKET_SCHEMA = Object.freeze({ buckets: bucketsCheck, nativeHistogram: boolean, summary: boolean });

/** The registry-level defaults of {@link BucketOptions}. @internal */
export type BucketDefaults = { readonly buckets: BucketsOption | undefined; readonly nativeHistogram: boolean | undefined };

/** The finest native schema Prometheus accepts. */
const MAX_SCHEMA = 8;
const UNKNOWN = 0x7fff_ffff;

/**
 * Where the HDR buckets of one precision and resolution are counted over a metric's
 * lifetime: its classic bounds and native schema, and the tables from HDR counts index
 * to classic slot and native bucket index, grown as higher indexes are seen.
 *
 * @internal
 */
export class BucketLayout {
  /** Classic upper bounds in the metric's unit, ascending; empty for none. */
  readonly bounds: readonly number[];
  /** The native schema, or `null` for no native histogram. */
  readonly schema: number | null;
  /** Whether the window summary is written too. */
  readonly summary: boolean;
  /** Metric units per exposed unit: 1000 for timers (ms to seconds), 1 for histograms. */
  readonly divisor: number;
  /** The native zero bucket's threshold, in the exposed unit: half the resolution. */
  readonly zeroThreshold: number;
  readonly #boundX: Float64Array;
  readonly #scale: number;
  readonly #halfCount: number;
  readonly #nativeBounds: Float64Array;
  #classic: Int32Array<ArrayBuffer> = new Int32Array(0);
  #native: Int32Array<ArrayBuffer> = new Int32Array(0);

  constructor(window: WindowedHistogramConfig, bounds: readonly number[], native: boolean, summary: boolean, divisor: number) {
    this.bounds = bounds;
    this.summary = summary;
    this.divisor = divisor;
    this.#scale = 1 / window.resolution;
    const h = halfMagnitude(window.significantDigits);
    this.#halfCount = 2 ** h;
    this.schema = native ? Math.min(MAX_SCHEMA, Math.max(0, h - 1)) : null;
    this.zeroThreshold = window.resolution / 2 / divisor;
    // The rounding record() applies: a value equal to a bound lands at or below it.
    this.#boundX = Float64Array.from(bounds, (b) => Math.round(b * this.#scale));
    const n = 2 ** (this.schema ?? 0);
    this.#nativeBounds = Float64Array.from({ length: n }, (_v, j) => 2 ** (j / n - 1));
  }

  /** The highest integer the HDR bucket `index` holds. */
  #highest(index: number): number {
    return bucketLowest(index, this.#halfCount) + bucketWidth(index, this.#halfCount) - 1;
  }

  /** The classic slot of HDR bucket `index`: the first bound at or above all it holds, `bounds.length` for `+Inf`. */
  classicSlot(index: number): number {
    let table = this.#classic;
    if (index >= table.length) table = this.#classic = grow(table, index);
    let slot = table[index]!;
    if (slot === UNKNOWN) {
      const x = this.#highest(index);
      const bx = this.#boundX;
      let lo = 0;
      let hi = bx.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (bx[mid]! >= x) hi = mid;
        else lo = mid + 1;
      }
      slot = table[index] = lo;
    }
    return slot;
  }

  /** The native bucket index of HDR bucket `index` (> 0; index 0 is the zero bucket). */
  nativeIndex(index: number): number {
    let table = this.#native;
    if (index >= table.length) table = this.#native = grow(table, index);
    let key = table[index]!;
    if (key === UNKNOWN) key = table[index] = this.#nativeKey(this.#highest(index) / this.#scale / this.divisor);
    return key;
  }

  /**
   * The native bucket holding `v > 0`, as the Prometheus client computes it: `v = frac ×
   * 2^exp` with `frac` in [0.5, 1), then the first of the schema's bounds `>= frac`.
   */
  #nativeKey(v: number): number {
    let exp = Math.floor(Math.log2(v)) + 1;
    let frac = v / 2 ** exp;
    if (frac >= 1) {
      frac /= 2;
      exp++;
    } else if (frac < 0.5) {
      frac *= 2;
      exp--;
    }
    const nb = this.#nativeBounds;
    let lo = 0;
    let hi = nb.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (nb[mid]! >= frac) hi = mid;
      else lo = mid + 1;
    }
    return lo + (exp - 1) * nb.length;
  }
}

function grow(table: Int32Array<ArrayBuffer>, index: number): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(Math.max(index + 1, table.length * 2, 256)).fill(UNKNOWN);
  grown.set(table);
  return grown;
}

/** A window config of a metric with lifetime buckets. @internal */
export type BucketedConfig = WindowedHistogramConfig & { readonly buckets: BucketLayout };

const interned = new WeakMap<WindowedHistogramConfig, Map<string, BucketedConfig>>();

/**
 * The family options of a histogram or timer: `window` itself when it has no lifetime
 * buckets, else one interned config per window and bucket options (so equal options
 * compare by identity, and share one {@link BucketLayout}).
 *
 * @param window - the interned window config.
 * @param read - the metric's bucket options.
 * @param defaults - the registry's.
 * @param timer - whether the metric is a timer (bounds in ms, exposed in seconds).
 * @internal
 */
export function bucketConfig(
  window: WindowedHistogramConfig,
  read: Read<typeof BUCKET_SCHEMA>,
  defaults: BucketDefaults,
  timer: boolean,
): WindowedHistogramConfig {
  const option = read.buckets ?? defaults.buckets ?? 'none';
  const bounds = option === 'none' ? [] : option === 'prometheus' ? (timer ? PROMETHEUS_DEFAULT_BUCKETS_MS : PROMETHEUS_DEFAULT_BUCKETS) : option;
  const native = read.nativeHistogram ?? defaults.nativeHistogram ?? false;
  if (bounds.length === 0 && !native) return window;
  const summary = read.summary ?? false;
  const key = `${bounds.join(',')};${native};${summary};${timer}`;
  let byKey = interned.get(window);
  if (byKey === undefined) interned.set(window, (byKey = new Map<string, BucketedConfig>()));
  let config = byKey.get(key);
  if (config === undefined) {
    const layout = new BucketLayout(window, Object.freeze([...bounds]), native, summary, timer ? 1000 : 1);
    config = Object.freeze({ ...window, buckets: layout });
    byKey.set(key, config);
  }
  return config;
}

/** The bucket layout of a family config, or `null` when it has none. @internal */
export function layoutOf(config: WindowedHistogramConfig): BucketLayout | null {
  return (config as Partial<BucketedConfig>).buckets ?? null;
}

/**
 * The bucket options in which two configs differ, in the words of the options.
 *
 * @internal
 */
export function bucketDifferences(existing: WindowedHistogramConfig, asked: WindowedHistogramConfig): OptionDifference[] {
  const out: OptionDifference[] = [];
  const a = layoutOf(existing);
  const b = layoutOf(asked);
  const bounds = (l: BucketLayout | null): string => (l === null || l.bounds.length === 0 ? 'none' : `[${l.bounds.join(', ')}]`);
  if (bounds(a) !== bounds(b)) {
    out.push({ pair: `buckets ${bounds(a)} vs ${bounds(b)}`, existing: `with buckets ${bounds(a)}`, asked: bounds(b) });
  }
  flag('nativeHistogram', a?.schema != null, b?.schema != null, out);
  flag('summary', a?.summary ?? false, b?.summary ?? false, out);
  return out;
}

function flag(option: string, existing: boolean, asked: boolean, out: OptionDifference[]): void {
  if (existing !== asked) out.push({ pair: `${option} ${existing} vs ${asked}`, existing: `with ${option} ${existing}`, asked: String(asked) });
}
