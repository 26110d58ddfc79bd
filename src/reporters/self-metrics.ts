/**
 * What a reporter counts about itself: reports sent, failed and skipped, items dropped,
 * bytes handed to the transport, the last report's duration. Always kept (the reporter's
 * `stats`); also registered as metrics in the reported registry with `selfMetrics`.
 *
 * @module
 */

import { anyOf, boolean, nonEmptyString, object, shape, type Check } from '../internal/options.js';
import type { Counter } from '../metrics/counter.js';
import type { Tags } from '../names.js';
import type { MetricRegistry } from '../registry/types.js';
import type { ReporterStats } from './report.js';

/** Options of self-metrics (the `selfMetrics` option of every scheduled reporter). */
export type SelfMetricsOptions = {
  /**
   * Name prefix of the self-metrics.
   *
   * @defaultValue `tapemeasure.reporter.<kind>` (`tapemeasure.reporter.statsd`, ...)
   */
  readonly prefix?: string;
  /** Tags added to the self-metrics. */
  readonly tags?: Tags;
};

/**
 * The check of the `selfMetrics` option: `true`, `false` or `{ prefix?, tags? }`.
 *
 * @internal
 */
export const selfMetricsCheck: Check<boolean | SelfMetricsOptions> = anyOf(
  boolean,
  shape({ prefix: nonEmptyString, tags: object }, '{ prefix?, tags? }'),
) as Check<boolean | SelfMetricsOptions>;

type Counters = {
  readonly reports: Counter;
  readonly failures: Counter;
  readonly skipped: Counter;
  readonly dropped: Counter;
  readonly bytes: Counter;
};

/**
 * A reporter's counters about itself.
 *
 * @internal
 */
export class SelfMetrics {
  #reports = 0;
  #failures = 0;
  #skipped = 0;
  #dropped = 0;
  #bytes = 0;
  #lastDurationMs: number | null = null;
  readonly #counters: Counters | null;

  /**
   * @param registry - where to register the self-metrics.
   * @param kind - the reporter's kind, in the default prefix.
   * @param options - the `selfMetrics` option: off when `false` or `undefined`.
   * @throws {@link InvalidNameError} or {@link InvalidTagError} for a bad prefix or tags.
   */
  constructor(registry: MetricRegistry, kind: string, options: boolean | SelfMetricsOptions | undefined) {
    if (options === undefined || options === false) {
      this.#counters = null;
      return;
    }
    const { prefix, tags } = options === true ? {} : options;
    const scope = registry.scope(prefix ?? `tapemeasure.reporter.${kind.replace(/[^A-Za-z0-9_-]/g, '_')}`, tags);
    this.#counters = {
      reports: scope.counter('reports'),
      failures: scope.counter('failures'),
      skipped: scope.counter('skipped'),
      dropped: scope.counter('dropped'),
      bytes: scope.counter('bytes'),
    };
    scope.gauge('last_duration_ms', () => this.#lastDurationMs ?? 0);
  }

  /** Counts a report sent. */
  reported(): void {
    this.#reports++;
    this.#counters?.reports.inc();
  }

  /** Counts a report that failed. */
  failed(): void {
    this.#failures++;
    this.#counters?.failures.inc();
  }

  /** Counts a report skipped. */
  skipped(): void {
    this.#skipped++;
    this.#counters?.skipped.inc();
  }

  /** Counts `n` items the transport dropped (ignored unless `n > 0`). */
  dropped(n: number): void {
    if (!(n > 0)) return;
    this.#dropped += n;
    this.#counters?.dropped.inc(n);
  }

  /** Counts `n` bytes handed to the transport (ignored unless `n > 0`). */
  bytes(n: number): void {
    if (!(n > 0)) return;
    this.#bytes += n;
    this.#counters?.bytes.inc(n);
  }

  /** Records how long the last report took, in milliseconds. */
  duration(ms: number): void {
    this.#lastDurationMs = ms;
  }

  /** The counts so far. */
  get stats(): ReporterStats {
    return {
      reports: this.#reports,
      failures: this.#failures,
      skipped: this.#skipped,
      dropped: this.#dropped,
      bytes: this.#bytes,
      lastDurationMs: this.#lastDurationMs,
    };
  }
}
