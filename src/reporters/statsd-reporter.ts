/**
 * The StatsD reporter: sends the registry's pre-aggregated values to StatsD on an
 * interval: the StatsD format over a transport (UDP, TCP, or the one you pass).
 *
 * @module
 */

import { openStatsd, STATSD_OPTIONS, type StatsdOptions } from '../clients/statsd-options.js';
import type { StatsdFormat, StatsdSeries } from '../formats/statsd.js';
import { readOptions } from '../internal/options.js';
import { sliceYielder } from '../internal/slicer.js';
import type { Metric } from '../registry/types.js';
import { closeTimeoutCheck, DEFAULT_CLOSE_TIMEOUT_MS, type Transport, type TransportStats } from '../transports/transport.js';
import { REPORTER_OPTIONS, ScheduledReporter, type Report, type ScheduledReporterOptions } from './scheduled-reporter.js';

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
 * Counts travel as deltas, so StatsD sums them correctly across hosts and reports; a
 * count line the transport refuses (its queue is full while StatsD is down) is counted
 * in `stats.dropped` and its delta is carried into the next report.
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
  readonly #transport: Transport;
  readonly #ownsTransport: boolean;
  readonly #closeTimeoutMs: number;
  readonly #series = new WeakMap<Metric, StatsdSeries>();
  readonly #carry = new WeakMap<Metric, number>();
  #droppedSeen = 0;
  #bytesSeen = 0;

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
    this.#transport = sender.transport;
    this.#ownsTransport = sender.owned;
    this.#closeTimeoutMs = o.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    const stats = this.#transport.stats; // a transport passed in may have counted before
    this.#droppedSeen = stats.droppedLines;
    this.#bytesSeen = stats.sentBytes;
  }

  /** The transport's counters: lines and bytes sent, dropped and queued. */
  get transportStats(): TransportStats {
    return this.#transport.stats;
  }

  /** @inheritDoc */
  protected override async send(report: Report): Promise<void> {
    const format = this.#format;
    const transport = this.#transport;
    const pause = sliceYielder();
    let n = 0;
    for (const s of report.series) {
      let series = this.#series.get(s.metric);
      if (series === undefined) {
        series = format.series(s.name, s.tags);
        this.#series.set(s.metric, series);
      }
      const plainCounter = s.type === 'counter';
      for (const field of s.fields) {
        if (field.statistic === 'count') {
          if (s.countDelta === null) continue;
          // A delta the transport refused is carried into the next report, so counts stay
          // exact across a full queue (the loss of the line is still counted as dropped).
          const delta = s.countDelta + (this.#carry.get(s.metric) ?? 0);
          const record = format.line(series, plainCounter ? '' : '.count', delta, 'c');
          if (record === null) continue;
          if (transport.send(record)) this.#carry.delete(s.metric);
          else if (delta !== 0) this.#carry.set(s.metric, delta);
          continue;
        }
        const record = format.gauge(series, field.statistic === 'value' ? '' : `.${field.suffix}`, field.value);
        if (record !== null) transport.send(record);
      }
      if (++n % SLICE_CHECK_EVERY === 0) {
        // Let socket callbacks and the application run between slices of a large report.
        const wait = pause();
        if (wait !== undefined) await wait;
      }
    }
    transport.flush();
    this.#account();
  }

  /** Counts what the transport dropped and sent since the last look (self-metrics). */
  #account(): void {
    const stats = this.#transport.stats;
    this.countDropped(stats.droppedLines - this.#droppedSeen);
    this.#droppedSeen = stats.droppedLines;
    this.countBytes(stats.sentBytes - this.#bytesSeen);
    this.#bytesSeen = stats.sentBytes;
  }

  /** @inheritDoc */
  protected override async close(): Promise<void> {
    this.#transport.flush();
    if (this.#ownsTransport) await this.#transport.close(this.#closeTimeoutMs);
    this.#account();
  }
}
