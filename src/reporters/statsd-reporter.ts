/**
 * The StatsD reporter: sends the registry's pre-aggregated values to StatsD on an
 * interval: the StatsD format over a transport (UDP, TCP, or the one you pass).
 *
 * @module
 */

import { openStatsd, STATSD_OPTIONS, type StatsdOptions } from '../clients/statsd-options.js';
import type { StatsdFormat, StatsdSeries } from '../formats/statsd.js';
import { OwnedTransport } from '../clients/owned-transport.js';
import { readOptions } from '../internal/options.js';
import { sliceYielder } from '../internal/slicer.js';
import type { Metric } from '../registry/types.js';
import { hasCountField, transientFields } from './report-collector.js';
import { closeTimeoutCheck, DEFAULT_CLOSE_TIMEOUT_MS, type Transport, type TransportStats } from '../transports/transport.js';
import {
  REPORTER_OPTIONS,
  ScheduledReporter,
  type Report,
  type ReportSeries,
  type ScheduledReporterOptions,
} from './scheduled-reporter.js';

/** Options of a {@link StatsdReporter}. */
export type StatsdReporterOptions = ScheduledReporterOptions &
  StatsdOptions & {
    /**
     * How long `stop()` may spend flushing the transport it created, in milliseconds
     * (within `stopTimeoutMs`).
     *
     * @defaultValue 2000
     */
    readonly closeTimeoutMs?: number;
  };

const STATSD_REPORTER_OPTIONS = Object.freeze({ ...STATSD_OPTIONS, closeTimeoutMs: closeTimeoutCheck });

/** Series formatted between two looks at the clock. */
const SLICE_CHECK_EVERY = 64;
/** How often the final report looks whether a full queue made room, in milliseconds. */
const DRAIN_POLL_MS = 2;

/**
 * Sends the registry to StatsD every interval. Values are pre-aggregated in the
 * process, so StatsD only relays them:
 *
 * | metric | lines |
 * | --- | --- |
 * | counter | `name:delta|c` (change since this reporter's last report) |
 * | gauge | `name:value|g` (a negative value is sent as `0|g` then `-v|g`, so it is set, not subtracted) |
 * | meter | `name.count:delta|c`, `name.m1_rate`, `.m5_rate`, `.m15_rate`, `.mean_rate` as `|g` |
 * | histogram | `name.count:delta|c`, `.min .max .mean .stddev .p50 .p75 .p95 .p98 .p99 .p999` as `|g` |
 * | timer | the histogram's lines (durations in `durationUnit`, ms by default) plus the meter's rates |
 *
 * Distribution statistics cover the values recorded since the previous report
 * (`distribution: 'interval'`, the default here), and are left out when there were none.
 * Counts travel as deltas, so StatsD sums them correctly across hosts and reports. Every
 * count line of a report goes before its statistics and gauges; a count line the
 * transport refuses (its queue is full while StatsD is down, or the report is larger than
 * the queue) is counted in `stats.dropped` and its delta is carried until a line of that
 * series is accepted; each report starts where the previous one was first refused, so no
 * series starves; the final report of `stop()` waits for the queue to drain to send
 * carried counts, within the stop budget.
 *
 * @example
 * ```ts
 * import { Registry, StatsdReporter } from 'tapemeasure';
 *
 * const registry = new Registry();
 * const reporter = new StatsdReporter({ registry, host: '127.0.0.1', port: 8125, prefix: 'web', env: {} }).start(10_000);
 * registry.counter('jobs.done').inc();
 * await reporter.stop(); // one final report, flushed
 * ```
 */
export class StatsdReporter extends ScheduledReporter {
  readonly #format: StatsdFormat;
  readonly #link: OwnedTransport;
  readonly #transport: Transport;
  readonly #closeTimeoutMs: number;
  readonly #series = new WeakMap<Metric, StatsdSeries>();
  /** Per metric, the count delta not yet accepted by the transport. */
  readonly #carry = new WeakMap<Metric, number>();
  #countCursor = 0;
  #gaugeCursor = 0;

  /**
   * @param options - where StatsD is and what to send (`options.registry`, by default
   *   the default registry); missing host, port, protocol and prefix come from `env`
   *   (`STATSD_HOST`, `STATSD_PORT`, `STATSD_PROTOCOL`, `STATSD_PREFIX`).
   * @throws {@link InvalidOptionError} or {@link UnknownOptionError} for a bad option (or
   *   environment variable).
   */
  constructor(options: StatsdReporterOptions = {}) {
    const where = 'StatsdReporter';
    super(options, { kind: 'statsd', where, schema: STATSD_REPORTER_OPTIONS, distribution: 'interval' });
    const o = readOptions(where, options, STATSD_REPORTER_OPTIONS, REPORTER_OPTIONS);
    const sender = openStatsd(where, o, (error) => {
      this.reportError('transport', error);
    });
    this.#format = sender.format;
    this.#link = new OwnedTransport(sender);
    this.#transport = sender.transport;
    this.#closeTimeoutMs = o.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
  }

  /** The transport's counters: lines and bytes sent, dropped and queued. */
  get transportStats(): TransportStats {
    return this.#transport.stats;
  }

  /**
   * Sends a report fairly when it does not fit in the transport's queue: every count
   * line first (a count lost is lost for ever; a gauge is superseded by the next
   * report), then the statistics and gauges. Each pass starts where the previous
   * report's first refusal was, so the series late in registry order get their turn; a
   * refused count's delta is carried until it is sent. The final report waits for the
   * queue to drain and tries refused counts again, within the stop budget.
   */
  protected override async send(report: Report): Promise<void> {
    const series = report.series;
    const pause = sliceYielder();
    const refused: ReportSeries[] = [];
    this.#countCursor = await this.#pass(series, this.#countCursor, pause, (s) => {
      const sent = this.#sendCount(s, true);
      if (!sent) refused.push(s);
      return sent;
    });
    this.#gaugeCursor = await this.#pass(series, this.#gaugeCursor, pause, (s) => this.#sendGauges(s), true);
    this.#transport.flush();
    if (report.final && refused.length > 0) await this.#retryCounts(refused);
    this.#account();
  }

  /**
   * Calls `send` for every series, starting at `cursor` and wrapping around, yielding
   * between slices.
   *
   * @returns where the next pass starts: the first series refused, or 0 if none was.
   */
  async #pass(
    series: readonly ReportSeries[],
    cursor: number,
    pause: () => Promise<void> | undefined,
    send: (s: ReportSeries) => boolean,
    canWrapUp = false,
  ): Promise<number> {
    const n = series.length;
    let i = cursor < n ? cursor : 0;
    let firstRefused = -1;
    for (let k = 0; k < n; k++) {
      if (!send(series[i]!) && firstRefused < 0) firstRefused = i;
      if (++i === n) i = 0;
      if ((k + 1) % SLICE_CHECK_EVERY === 0) {
        // Let socket callbacks and the application run between slices of a large report.
        const wait = pause();
        if (wait !== undefined) await wait;
        if (canWrapUp && k + 1 < n && this.mustWrapUp()) {
          this.reportError(
            'stop-timeout',
            undefined,
            `the report left out the statistics and gauges of ${n - k - 1} series to leave the close its share of stopTimeoutMs`,
          );
          return firstRefused < 0 ? i : firstRefused;
        }
      }
    }
    return firstRefused < 0 ? 0 : firstRefused;
  }

  #seriesOf(s: ReportSeries): StatsdSeries {
    let series = this.#series.get(s.metric);
    if (series === undefined) {
      series = this.#format.series(s.name, s.tags);
      this.#series.set(s.metric, series);
    }
    return series;
  }

  /**
   * Sends what is owed of a series' count: its delta in this report (with `withDelta`)
   * plus what earlier refusals carried.
   *
   * @returns `false` if the transport refused it (the whole amount is then carried).
   */
  #sendCount(s: ReportSeries, withDelta: boolean): boolean {
    if (s.countDelta === null || !hasCountField(s)) return true;
    const carried = this.#carry.get(s.metric);
    const delta = (withDelta ? s.countDelta : 0) + (carried ?? 0);
    // A zero delta is sent too (StatsD then keeps the counter alive); a retry sends only what is owed.
    if (delta === 0 && !withDelta) return true;
    const record = this.#format.line(this.#seriesOf(s), s.type === 'counter' ? '' : '.count', delta, 'c');
    if (record !== null && !this.#transport.send(record)) {
      this.#carry.set(s.metric, delta);
      return false;
    }
    if (carried !== undefined) this.#carry.delete(s.metric);
    return true;
  }

  /** Sends a series' gauges and statistics; `false` if the transport refused one. */
  #sendGauges(s: ReportSeries): boolean {
    let sent = true;
    for (const field of transientFields(s)) {
      if (field.statistic === 'count') continue;
      const record = this.#format.gauge(this.#seriesOf(s), field.statistic === 'value' ? '' : `.${field.suffix}`, field.value);
      if (record !== null && !this.#transport.send(record)) sent = false;
    }
    return sent;
  }

  /**
   * The final report's counts that the queue refused: waits for the queue to drain and
   * tries them again, until all are sent, the queue stops draining, or only the close's
   * share of the stop budget is left.
   */
  async #retryCounts(refused: ReportSeries[]): Promise<void> {
    let pending = refused;
    while (pending.length > 0) {
      const leftMs = this.stopBudgetLeftMs() - this.closeReserveMs();
      if (!(leftMs > 0)) return;
      // A queue that emptied while the report went on (a socket writes as it goes) has
      // room now: try at once. Otherwise wait until it makes room.
      if (this.#transport.stats.queuedBytes > 0 && !(await this.#drained(leftMs))) return;
      const before = pending.length;
      pending = pending.filter((s) => !this.#sendCount(s, false));
      this.#transport.flush();
      // Refused with nothing queued: refusing for another reason (closed, a record too
      // large), so waiting will not help.
      if (pending.length === before && this.#transport.stats.queuedBytes === 0) return;
    }
  }

  /**
   * Resolves `true` once the transport holds fewer bytes than now (it made room), `false`
   * after `withinMs`. Transports tell no event for it: polled every {@link DRAIN_POLL_MS}.
   */
  async #drained(withinMs: number): Promise<boolean> {
    const held = this.#transport.stats.queuedBytes;
    const until = performance.now() + withinMs;
    while (performance.now() < until) {
      // Not unref()ed: this is the final report of stop(), bounded by its budget.
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
      if (this.#transport.stats.queuedBytes < held) return true;
    }
    return false;
  }

  /** Counts what the transport dropped and sent since the last look (self-metrics). */
  #account(): void {
    const { dropped, bytes } = this.#link.delta();
    this.countDropped(dropped);
    this.countBytes(bytes);
  }

  /** @inheritDoc */
  protected override async close(): Promise<void> {
    await this.#link.release(Math.min(this.#closeTimeoutMs, this.stopBudgetLeftMs()));
    this.#account();
  }
}
