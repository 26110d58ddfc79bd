/**
 * The base of every push reporter (StatsD, Graphite, JSON stream): a scheduler that
 * reads the registry on an interval (through the one collector, `collect.ts`) and hands
 * a ready-made {@link Report} to a subclass.
 *
 * ## Subclass contract
 *
 * ```ts
 * const MY_OPTIONS = { url: nonEmptyString };
 *
 * class MyReporter extends ScheduledReporter {
 *   constructor(options: MyReporterOptions = {}) {
 *     // kind names warnings and self-metrics; where names the reporter in messages;
 *     // schema lists the subclass's own keys (any other key is an unknown option).
 *     super(options, { kind: 'my', where: 'MyReporter', schema: MY_OPTIONS });
 *     const own = readOptions('MyReporter', options, MY_OPTIONS, REPORTER_OPTIONS);
 *   }
 *   protected override async send(report: Report): Promise<void> {
 *     // format report.series and write them; throw or reject on failure
 *     // (the base counts it and calls onError with kind 'send').
 *     // Call this.countBytes(n) and this.countDropped(n) for self-metrics.
 *   }
 *   protected override async close(): Promise<void> {
 *     // optional: flush and close the transport. Called once, by stop(), after the final
 *     // report; or, if that report hangs past stopTimeoutMs, while its send() is pending.
 *   }
 * }
 * ```
 *
 * - `send()` is never called concurrently: the base runs one report at a time.
 * - `report.timestampMs` is the wall-clock time of the report, aligned to a multiple of
 *   the interval for scheduled reports (Graphite: `Math.floor(timestampMs / 1000)`).
 * - `report.series` holds only selected series, already read (async gauges awaited with
 *   their timeout) and converted to `rateUnit` / `durationUnit`. Each series carries its
 *   `count`, its `countDelta` since *this reporter's* previous report, a gauge's `value`
 *   (or `error`), and `fields`: the selected statistics that have a value (an empty
 *   window's statistics are omitted, never sent as 0).
 * - Errors outside `send()` (a socket's `'error'` event, ...) go to
 *   `this.reportError('transport', error)`; never throw them.
 *
 * @module
 */

import type { Clock } from '../clock.js';
import { ErrorCodes, MetricsError, show } from '../errors.js';
import { DEFAULT_STATISTICS } from '../formats/statistics.js';
import { checkValue, readOptions } from '../internal/options.js';
import { sliceYielder } from '../internal/slicer.js';
import { WARNING_INTERVAL_MS, WarningLimiter } from '../internal/warnings.js';
import { registryOf, rejectRegistryAsOptions } from '../registry/registry-option.js';
import type { MetricRegistry } from '../registry/types.js';
import { trackReporter, untrackReporter } from './active-reporters.js';
import { AlignedTimer } from './aligned-timer.js';
import { ReportCollector, type CollectBudget } from './report-collector.js';
import { STOP_BUDGET, withTimeout } from './stop-budget.js';
import { ReporterError, type Report, type ReporterErrorKind, type ReporterStats } from './report.js';
import {
  intervalCheck,
  REPORTER_OPTIONS,
  schemaWithout,
  type ReporterIdentity,
  type ScheduledReporterOptions,
} from './reporter-options.js';
import { compileSelector } from './select.js';
import { SelfMetrics } from './self-metrics.js';

// What a subclass needs, from one import: the options (reporter-options.ts) and the
// types of a report (report.ts).
export { REPORTER_OPTIONS } from './reporter-options.js';
export { STOP_BUDGET } from './stop-budget.js';
export type { ReporterIdentity, ScheduledReporterOptions } from './reporter-options.js';
export { ReporterError } from './report.js';
export type { Report, ReportField, ReporterErrorKind, ReporterStats, ReportSeries } from './report.js';
export type { SelfMetricsOptions } from './self-metrics.js';

/**
 * The base of push reporters: `start(intervalMs)` schedules reports on one `unref()`ed
 * timer aligned to wall-clock multiples of the interval, `report()` sends one now,
 * `await stop()` sends a final report and closes. A report still running when the next
 * is due makes that one skip (counted in `stats.skipped`); reports never pile up.
 * Errors never reach the application: they go to `onError`.
 *
 * See the module documentation for the subclass contract.
 */
export abstract class ScheduledReporter {
  /** The registry this reporter reads. */
  readonly registry: MetricRegistry;
  /** The reporter's kind, used in warnings and self-metric names (`'statsd'`). */
  readonly kind: string;
  /** The reporter's name in messages (`'StatsdReporter'`). */
  readonly where: string;
  /** The clock used for alignment and timestamps. */
  protected readonly clock: Clock;
  readonly #collector: ReportCollector;
  readonly #onError: ((error: ReporterError) => void) | undefined;
  readonly #warnings: WarningLimiter;
  readonly #self: SelfMetrics;
  readonly #stopTimeoutMs: number;
  /** Whether a natural exit of the process stops this reporter (once started or used). */
  readonly stopOnExit: boolean;

  #state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  #intervalMs = 0;
  #timer: AlignedTimer | null = null;
  #inFlight: Promise<void> | null = null;
  #stopped: Promise<void> | null = null;
  #sendSkipped = false;
  /** When the stop budget ends (`performance.now()`), once `stop()` was called. */
  #stopDeadlineMs: number | null = null;

  /**
   * @param options - what to report and how; see {@link ScheduledReporterOptions}. Read
   *   with `REPORTER_OPTIONS` (less `identity.omit`) plus `identity.schema`: any other
   *   key is an error.
   * @param identity - who the subclass is: its kind (warnings and self-metric names),
   *   its name in messages, the schema of its own options, its default `distribution`.
   * @throws {@link InvalidOptionError} or {@link UnknownOptionError} for a bad option.
   */
  constructor(options: ScheduledReporterOptions | undefined, identity: ReporterIdentity) {
    const { kind, where, schema = {}, distribution = 'window', omit } = identity;
    rejectRegistryAsOptions(where, options);
    // Omitted keys are unknown options, and read as not given.
    const own = (omit === undefined ? REPORTER_OPTIONS : schemaWithout(REPORTER_OPTIONS, omit)) as typeof REPORTER_OPTIONS;
    const o = readOptions(where, options, own, schema);
    this.registry = registryOf(o);
    this.kind = kind;
    this.where = where;
    this.clock = o.clock ?? this.registry.clock;
    this.#collector = new ReportCollector(this.registry, {
      filter: compileSelector(o.filter, where),
      statistics: o.statistics ?? DEFAULT_STATISTICS,
      rateUnit: o.rateUnit ?? 's',
      durationUnit: o.durationUnit ?? 'ms',
      distribution: o.distribution ?? distribution,
      onError: (errorKind, error, message) => {
        this.reportError(errorKind, error, message);
      },
    });
    this.#onError = o.onError as ((error: ReporterError) => void) | undefined;
    this.#warnings = new WarningLimiter(WARNING_INTERVAL_MS, () => this.clock.monotonicMs());
    this.#self = new SelfMetrics(this.registry, kind, o.selfMetrics);
    this.#stopTimeoutMs = o.stopTimeoutMs ?? 5_000;
    this.stopOnExit = o.stopOnExit ?? true;
    // The first interval covers what is recorded from now on (or from a metric's
    // creation, if later): readers open now, not at start() or the first report.
    this.#collector.open();
  }

  /**
   * Sends one report. Implemented by each reporter: format `report.series` and write
   * them. Throw or reject on failure; the base counts it and calls `onError`. Never
   * called concurrently.
   */
  protected abstract send(report: Report): Promise<void> | void;

  /**
   * Flushes and closes the transport. Called once by `stop()` after the final report,
   * within `stopTimeoutMs`; if the final report is still running when that time is up,
   * it is called anyway (while `send()` is pending) to release the transport. The
   * default does nothing.
   */
  protected close(): Promise<void> | void {
    // Nothing to close by default.
  }

  /** Counts bytes handed to the transport (self-metric `bytes`). */
  protected countBytes(n: number): void {
    this.#self.bytes(n);
  }

  /** Counts lines, datagrams or documents the transport dropped (self-metric `dropped`). */
  protected countDropped(n = 1): void {
    this.#self.dropped(n);
  }

  /**
   * Counts a report skipped for a reason of the subclass, such as backpressure
   * (self-metric `skipped`); call it from `send()` and return without sending: that
   * report then counts as skipped, not as sent.
   */
  protected countSkipped(): void {
    this.#sendSkipped = true;
    this.#self.skipped();
  }

  /**
   * Hands an error to `onError` (or the default rate-limited warning, one per kind per
   * minute). Never throws.
   *
   * @param kind - what failed.
   * @param error - the original error (becomes the `cause`).
   * @param message - a description; defaults to the error's message.
   */
  protected reportError(kind: ReporterErrorKind, error: unknown, message?: string): void {
    const text = message ?? (error instanceof Error ? error.message : show(error));
    const wrapped = new ReporterError(this.kind, kind, `${this.kind} reporter: ${kind}: ${text}`, error);
    if (this.#onError === undefined) {
      this.#warnings.warn(wrapped, kind);
      return;
    }
    try {
      this.#onError(wrapped);
    } catch {
      // onError must not throw; if it does, the application still must not see it.
    }
  }

  /** What this reporter has done so far. */
  get stats(): ReporterStats {
    return this.#self.stats;
  }

  /** The bound of `stop()`, in milliseconds (the `stopTimeoutMs` option). */
  get stopTimeoutMs(): number {
    return this.#stopTimeoutMs;
  }

  /** Whether `start()` has been called and `stop()` has not. */
  get running(): boolean {
    return this.#state === 'running';
  }

  /** The interval given to `start()`, in milliseconds (0 if not started). */
  get intervalMs(): number {
    return this.#intervalMs;
  }

  /**
   * Starts reporting every `intervalMs`, at wall-clock multiples of it (every 10 s:
   * at :00, :10, :20, ...). The timer is `unref()`ed: it never keeps the process alive.
   *
   * @param intervalMs - the interval in milliseconds, an integer from 1 to 2^31 - 1.
   * @returns this reporter.
   * @throws {@link InvalidOptionError} for a bad interval.
   * @throws {@link MetricsError} `ERR_TAPEMEASURE_REPORTER_STATE` if already started or stopped.
   * @example
   * ```ts
   * const reporter = new JsonStreamReporter({ registry }).start(10_000);
   * stopOnSignals(); // on SIGTERM or SIGINT: the final report, then exit by the signal
   * ```
   */
  start(intervalMs: number): this {
    checkValue(`${this.where}.start()`, 'intervalMs', intervalMs, intervalCheck);
    if (this.#state !== 'idle') {
      throw new MetricsError(
        ErrorCodes.REPORTER_STATE,
        `${this.where}: start() called on a reporter that is ${this.#state === 'running' ? 'already running' : 'stopped'}; ` +
          `create a new reporter instead`,
      );
    }
    this.#state = 'running';
    this.#intervalMs = intervalMs;
    trackReporter(this);
    this.#timer = new AlignedTimer(this.clock, intervalMs, (timestampMs) => {
      this.#onDue(timestampMs);
    });
    return this;
  }

  /**
   * Sends one report now (after the one running, if any). Never rejects: failures go
   * to `onError`. Does nothing once the reporter is stopped.
   */
  async report(): Promise<void> {
    if (this.#state === 'stopping' || this.#state === 'stopped') return;
    trackReporter(this);
    await this.#runAfterCurrent(null, false);
  }

  /**
   * Stops the timer, waits for the running report, sends a final report, then closes
   * the transport, all within `stopTimeoutMs`. Never rejects; safe to call twice (the
   * second call returns the same promise).
   */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  /** `await using reporter = ...` stops it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /**
   * What is left of the `stop()` budget, in milliseconds: `Infinity` until `stop()` is
   * called, then down to 0. A subclass bounds its final flush and close with it.
   */
  protected stopBudgetLeftMs(): number {
    const deadline = this.#stopDeadlineMs;
    return deadline === null ? Number.POSITIVE_INFINITY : Math.max(0, deadline - performance.now());
  }

  /**
   * The share of the `stop()` budget kept for `close()`, in milliseconds
   * ({@link STOP_BUDGET} `close` times `stopTimeoutMs`): a final `send()` that waits
   * (for a full queue to drain) stops waiting when only this much is left.
   */
  protected closeReserveMs(): number {
    return this.#stopTimeoutMs * STOP_BUDGET.close;
  }

  /**
   * Whether a report being read must hurry: `stop()` was called (even after the report
   * began) and the reading share of its budget has passed.
   */
  readonly #hurry = (): boolean => {
    const deadline = this.#stopDeadlineMs;
    return deadline !== null && performance.now() >= deadline - this.#stopTimeoutMs * (1 - STOP_BUDGET.read);
  };

  /**
   * Whether a send must stop adding what can wait (statistics, gauges) so that the close
   * keeps its share of the stop budget: `stop()` was called and only that share is left.
   * Counts still go.
   */
  protected mustWrapUp(): boolean {
    return this.#stopDeadlineMs !== null && this.stopBudgetLeftMs() <= this.closeReserveMs();
  }

  /** The bounds of a report's reading: gauges bounded once `stop()` was called; hurry, always. */
  #budget(): CollectBudget {
    const deadline = this.#stopDeadlineMs;
    if (deadline === null) return { hurry: this.#hurry };
    const leftMs = deadline - performance.now();
    return {
      gaugeBoundMs: Math.max(0, Math.min(this.#stopTimeoutMs * STOP_BUDGET.gauges, leftMs - this.closeReserveMs())),
      hurry: this.#hurry,
    };
  }

  async #stop(): Promise<void> {
    this.#state = 'stopping';
    this.#stopDeadlineMs = performance.now() + this.#stopTimeoutMs;
    untrackReporter(this);
    this.#timer?.stop();
    this.#timer = null;
    let closing = false;
    const close = async (): Promise<void> => {
      if (closing) return;
      closing = true;
      try {
        await this.close();
      } catch (error) {
        this.reportError('close', error);
      }
    };
    // A reporter that was never started still sends its final report: report() users
    // (and `await using`) expect stop() to flush what was recorded.
    let finalDone = false;
    const work = (async () => {
      await this.#runAfterCurrent(null, true);
      finalDone = true;
      await close();
    })();
    if (!(await withTimeout(work, this.#stopTimeoutMs))) {
      this.reportError(
        'stop-timeout',
        undefined,
        `${finalDone ? 'closing' : 'the final report'} did not finish within ${this.#stopTimeoutMs} ms`,
      );
      // Release the transport anyway; close() must cope with a send() still pending.
      void close();
    }
    this.#collector.close();
    this.#state = 'stopped';
  }

  #onDue(timestampMs: number): void {
    if (this.#state !== 'running') return;
    if (this.#inFlight !== null) {
      this.#self.skipped();
      return;
    }
    void this.#run(timestampMs, false);
  }

  async #runAfterCurrent(timestampMs: number | null, final: boolean): Promise<void> {
    while (this.#inFlight !== null) await this.#inFlight;
    // stop() gave up waiting and closed the transport: a final report now would only be dropped.
    if (this.#state === 'stopped') return;
    await this.#run(timestampMs, final);
  }

  #run(timestampMs: number | null, final: boolean): Promise<void> {
    const run = this.#execute(timestampMs ?? this.clock.now(), final).finally(() => {
      if (this.#inFlight === run) this.#inFlight = null;
    });
    this.#inFlight = run;
    return run;
  }

  async #execute(timestampMs: number, final: boolean): Promise<void> {
    const startedMs = this.clock.monotonicMs();
    try {
      const pause = sliceYielder();
      const series = await this.#collector.collect(this.#budget());
      // A read that took longer than a slice lets the event loop turn before the send:
      // its last slice and the send's first would otherwise hold the loop back to back.
      const wait = pause();
      if (wait !== undefined) await wait;
      this.#sendSkipped = false;
      await this.send({ timestampMs, final, series });
      // A send() that skipped its report (backpressure) counted it as skipped, not sent.
      if (!this.#sendSkipped) this.#self.reported();
    } catch (error) {
      this.#self.failed();
      this.reportError('send', error);
    } finally {
      this.#self.duration(this.clock.monotonicMs() - startedMs);
    }
  }
}

