/**
 * The Graphite reporter: every report sends each selected series to carbon with
 * Dropwizard's suffixes, one timestamp per report: a Graphite encoder (plaintext or
 * pickle) over a transport (TCP, UDP, or the one you pass).
 *
 * @module
 */

import type { GraphiteEncoder } from '../clients/graphite-encoder.js';
import { GRAPHITE_OPTIONS, openGraphite, type GraphiteOptions } from '../clients/graphite-options.js';
import { graphitePath, graphitePathFits, graphiteSuffixed, type GraphitePoint } from '../formats/graphite-path.js';
import { OwnedTransport } from '../clients/owned-transport.js';
import { readOptions } from '../internal/options.js';
import { sliceYielder } from '../internal/slicer.js';
import type { Tags } from '../names.js';
import type { Metric } from '../registry/types.js';
import { closeTimeoutCheck, DEFAULT_CLOSE_TIMEOUT_MS, type Transport, type TransportStats } from '../transports/transport.js';
import { transientFields } from './report-collector.js';
import { REPORTER_OPTIONS, ScheduledReporter, type Report, type ScheduledReporterOptions } from './scheduled-reporter.js';

/** Options of a {@link GraphiteReporter}: what to report, and where. */
export type GraphiteReporterOptions = ScheduledReporterOptions &
  GraphiteOptions & {
    /**
     * How long `stop()` lets the transport it created flush the final report, in
     * milliseconds (within the reporter's `stopTimeoutMs`).
     *
     * @defaultValue 2000
     */
    readonly closeTimeoutMs?: number;
  };

const GRAPHITE_REPORTER_OPTIONS = Object.freeze({ ...GRAPHITE_OPTIONS, closeTimeoutMs: closeTimeoutCheck });

/**
 * Per metric: its base path (prefix, name, tags) and the paths of its suffixes, built and
 * checked once (`null`: carbon could not store it; its points are left out, counted).
 */
type Paths = { readonly base: string; readonly bySuffix: Map<string, string | null> };

/** Series between two looks at the clock. */
const SLICE_CHECK_EVERY = 32;
/** Datapoints encoded and handed on at a time (a pickle frame holds at most this many). */
const POINTS_PER_BATCH = 4_096;

/**
 * Reports a registry to Graphite's carbon on an interval. Each series is sent under
 * Dropwizard's suffixes (`name.count`, `name.m1_rate`, `name.p99`, ...; a gauge under its
 * bare name), tags in Graphite 1.1 form (`name.p99;route=/users/:id`), values at full
 * precision, all with one whole-second timestamp per report aligned to the interval. An
 * empty window sends no statistics; NaN and infinities are never sent.
 *
 * Over TCP (plaintext or pickle) one connection is kept and reused; a report made while
 * carbon is unreachable waits in the transport's bounded queue (the oldest records
 * dropped first, counted) and is sent after the reconnect.
 *
 * @example
 * ```ts
 * import { GraphiteReporter, Registry } from 'tapemeasure';
 *
 * const registry = new Registry();
 * const reporter = new GraphiteReporter({ registry, host: '127.0.0.1', protocol: 'udp', prefix: 'web1', env: {} });
 * reporter.start(10_000);
 * registry.counter('jobs.done').inc();
 * await reporter.stop(); // final report, flushed
 * ```
 */
export class GraphiteReporter extends ScheduledReporter {
  readonly #encoder: GraphiteEncoder;
  readonly #link: OwnedTransport;
  readonly #transport: Transport;
  readonly #prefix: string;
  readonly #tags: Tags | undefined;
  readonly #closeTimeoutMs: number;
  readonly #paths = new WeakMap<Metric, Paths>();

  /**
   * @param options - what to report and where (`options.registry`, by default the
   *   default registry); the connection may also come from `env` (`GRAPHITE_HOST`,
   *   `GRAPHITE_PORT`, `GRAPHITE_PROTOCOL`, `GRAPHITE_PREFIX`).
   * @throws {@link InvalidOptionError} or {@link UnknownOptionError} for a bad option (or
   *   environment variable).
   */
  constructor(options: GraphiteReporterOptions = {}) {
    const where = 'GraphiteReporter';
    super(options, { kind: 'graphite', where, schema: GRAPHITE_REPORTER_OPTIONS });
    const o = readOptions(where, options, GRAPHITE_REPORTER_OPTIONS, REPORTER_OPTIONS);
    const sender = openGraphite(where, o, (error) => {
      this.reportError('transport', error);
    });
    this.#encoder = sender.encoder;
    this.#link = new OwnedTransport(sender);
    this.#transport = sender.transport;
    this.#prefix = sender.prefix;
    this.#tags = sender.tags;
    this.#closeTimeoutMs = o.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
  }

  /** The transport's counters: records (lines, or pickle frames) and bytes sent, dropped and queued. */
  get transportStats(): TransportStats {
    return this.#transport.stats;
  }

  #pathsOf(metric: Metric): Paths {
    let paths = this.#paths.get(metric);
    if (paths === undefined) {
      const tags = this.#tags === undefined ? metric.tags : { ...this.#tags, ...metric.tags };
      const name = this.#prefix === '' ? metric.name : `${this.#prefix}.${metric.name}`;
      paths = { base: graphitePath(name, tags), bySuffix: new Map() };
      this.#paths.set(metric, paths);
    }
    return paths;
  }

  /**
   * The datapoints of one report, as they will be sent.
   *
   * @internal Exposed for tests and benchmarks.
   */
  points(report: Report): GraphitePoint[] {
    const points: GraphitePoint[] = [];
    this.#appendPoints(points, report.series, 0, report.series.length, Math.floor(report.timestampMs / 1000));
    return points;
  }

  /**
   * Appends the points of `series[from, to)`, each path checked once per metric and
   * suffix, when first built, not per point and report.
   *
   * @returns how many points were left out because carbon could not store their path.
   */
  #appendPoints(points: GraphitePoint[], series: Report['series'], from: number, to: number, timestampS: number): number {
    let unstorable = 0;
    for (let i = from; i < to; i++) {
      const s = series[i]!;
      const paths = this.#pathsOf(s.metric);
      for (const field of transientFields(s)) {
        // Dropwizard sends a gauge under its bare name.
        const suffix = s.type === 'gauge' ? '' : field.suffix;
        let path = paths.bySuffix.get(suffix);
        if (path === undefined) {
          const built = graphiteSuffixed(paths.base, suffix);
          path = graphitePathFits(built) ? built : null;
          paths.bySuffix.set(suffix, path);
        }
        if (path === null) unstorable++;
        else points.push({ path, value: field.value, timestampS });
      }
    }
    return unstorable;
  }

  /**
   * Formats and hands over the report in slices of about 5 ms of work, yielding
   * to the event loop between them, so a large registry never blocks the application.
   */
  protected override async send(report: Report): Promise<void> {
    const series = report.series;
    const timestampS = Math.floor(report.timestampMs / 1000);
    const pause = sliceYielder();
    let points: GraphitePoint[] = [];
    for (let i = 0; i < series.length; i += SLICE_CHECK_EVERY) {
      const to = Math.min(series.length, i + SLICE_CHECK_EVERY);
      this.countDropped(this.#appendPoints(points, series, i, to, timestampS));
      if (points.length >= POINTS_PER_BATCH) {
        this.#hand(points);
        points = [];
      }
      const wait = to < series.length ? pause() : undefined;
      if (wait !== undefined) await wait;
      if (to < series.length && this.mustWrapUp()) {
        // stop() is running out of time: what is formatted goes, the close keeps its share.
        this.reportError(
          'stop-timeout',
          undefined,
          `the report left out ${series.length - to} series to leave the close its share of stopTimeoutMs`,
        );
        break;
      }
    }
    if (points.length > 0) this.#hand(points);
    this.#transport.flush();
    this.#account();
  }

  /** Encodes points and gives the records to the transport (which counts what it refuses). */
  #hand(points: readonly GraphitePoint[]): void {
    const records: (string | Buffer)[] = [];
    this.countDropped(this.#encoder.encode(points, records, [], true));
    const transport = this.#transport;
    for (const record of records) transport.send(record);
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
