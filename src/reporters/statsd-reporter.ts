/**
 * The StatsD reporter: sends the registry's pre-aggregated values to StatsD on an
 * interval, over UDP or TCP.
 *
 * @module
 */

import type { StatsdOptions } from '../clients/statsd-options.js';
import { InvalidOptionError, show } from '../errors.js';
import {
  resolveStatsdTarget,
  StatsdFormat,
  type StatsdSeries,
} from '../formats/statsd.js';
import type { Metric } from '../registry/types.js';
import { createLineTransport } from '../transports/line-transport.js';
import type { Transport, TransportStats } from '../transports/transport.js';
import { keysOnly } from '../internal/options.js';
import { ScheduledReporter, type Report, type ScheduledReporterOptions } from './scheduled-reporter.js';

const STATSD_REPORTER_KEYS = keysOnly(
  'host', 'port', 'protocol', 'prefix', 'tagStyle', 'typePrefixes', 'globalTags',
  'maxDatagramBytes', 'maxQueueBytes', 'transport', 'env', 'closeTimeoutMs',
);

/** Options of a {@link StatsdReporter}. */
export type StatsdReporterOptions = ScheduledReporterOptions & StatsdOptions & {
  /**
   * How long `stop()` may spend flushing the transport, in milliseconds (within
   * `stopTimeoutMs`).
   *
   * @defaultValue 2000
   */
  readonly closeTimeoutMs?: number;
};

/** The longest stretch a large report formats before it yields to the event loop, in ms. */
const SLICE_MS = 8;

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
 * const reporter = new StatsdReporter({ host: '127.0.0.1', port: 8125, prefix: 'web' }).start(10_000);
 * process.on('SIGTERM', () => void reporter.stop());
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

  /**
   * @param options - where StatsD is and what to send (`options.registry`, by default
   *   the default registry); missing host, port, protocol and prefix come from
   *   `STATSD_HOST`, `STATSD_PORT`, `STATSD_PROTOCOL` and `STATSD_PREFIX`.
   * @throws {@link InvalidOptionError} for a bad option (or environment variable).
   */
  constructor(options: StatsdReporterOptions = {}) {
    super(options, { kind: 'statsd', where: 'StatsdReporter', schema: STATSD_REPORTER_KEYS, distribution: 'interval' });
    const target = resolveStatsdTarget(options, options.env ?? process.env);
    this.#format = new StatsdFormat({
      prefix: target.prefix,
      ...(options.tagStyle === undefined ? {} : { tagStyle: options.tagStyle }),
      ...(options.typePrefixes === undefined ? {} : { typePrefixes: options.typePrefixes }),
      ...(options.globalTags === undefined ? {} : { globalTags: options.globalTags }),
    });
    const closeTimeoutMs = options.closeTimeoutMs ?? 2_000;
    if (typeof closeTimeoutMs !== 'number' || !Number.isInteger(closeTimeoutMs) || closeTimeoutMs < 0) {
      throw new InvalidOptionError(
        `StatsdReporter closeTimeoutMs must be an integer >= 0, received ${show(closeTimeoutMs)}`,
      );
    }
    this.#closeTimeoutMs = closeTimeoutMs;
    if (options.transport !== undefined) {
      const t = options.transport as Partial<Transport> | null;
      if (t === null || typeof t.send !== 'function' || typeof t.flush !== 'function') {
        throw new InvalidOptionError(`StatsdReporter transport must implement Transport, received ${show(t)}`);
      }
      this.#transport = options.transport;
      this.#ownsTransport = false;
    } else {
      this.#transport = createLineTransport({
        protocol: target.protocol,
        host: target.host,
        port: target.port,
        ...(options.maxDatagramBytes === undefined ? {} : { maxDatagramBytes: options.maxDatagramBytes }),
        ...(options.maxQueueBytes === undefined ? {} : { maxQueueBytes: options.maxQueueBytes }),
        onError: (error) => {
          this.reportError('transport', error);
        },
      });
      this.#ownsTransport = true;
    }
  }

  /** The transport's counters: lines and bytes sent, dropped and queued. */
  get transportStats(): TransportStats {
    return this.#transport.stats;
  }

  /** @inheritDoc */
  protected override async send(report: Report): Promise<void> {
    const format = this.#format;
    const transport = this.#transport;
    let bytes = 0;
    let n = 0;
    let sliceStartMs = performance.now();
    for (const s of report.series) {
      let series = this.#series.get(s.metric);
      if (series === undefined) {
        series = format.series(s.name, s.tags);
        this.#series.set(s.metric, series);
      }
      const plainCounter = s.type === 'counter';
      for (const field of s.fields) {
        let record: string | null;
        if (field.statistic === 'count') {
          if (s.countDelta === null) continue;
          // A delta the transport refused is carried into the next report, so counts stay
          // exact across a full queue (the loss of the line is still counted as dropped).
          const delta = s.countDelta + (this.#carry.get(s.metric) ?? 0);
          record = format.line(series, plainCounter ? '' : '.count', delta, 'c');
          if (record === null) continue;
          if (transport.send(record)) {
            this.#carry.delete(s.metric);
            bytes += record.length + 1;
          } else if (delta !== 0) {
            this.#carry.set(s.metric, delta);
          }
          continue;
        }
        const suffix = field.statistic === 'value' ? '' : `.${field.suffix}`;
        record = format.gauge(series, suffix, field.value);
        if (record !== null && transport.send(record)) {
          bytes += record.length + 1; // sanitised, so ASCII: one byte per character, plus the newline
        }
      }
      if (++n % 64 === 0 && performance.now() - sliceStartMs >= SLICE_MS) {
        // Let socket callbacks and the application run between slices of a large report.
        await new Promise<void>((resolve) => {
          setImmediate(resolve);
        });
        sliceStartMs = performance.now();
      }
    }
    transport.flush();
    this.countBytes(bytes);
    this.#countDrops();
  }

  #countDrops(): void {
    const dropped = this.#transport.stats.droppedLines;
    if (dropped > this.#droppedSeen) {
      this.countDropped(dropped - this.#droppedSeen);
      this.#droppedSeen = dropped;
    }
  }

  /** @inheritDoc */
  protected override async close(): Promise<void> {
    this.#transport.flush();
    if (this.#ownsTransport) await this.#transport.close(this.#closeTimeoutMs);
    this.#countDrops();
  }
}
