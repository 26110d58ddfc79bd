/**
 * The Graphite reporter: every report sends each selected series to carbon with
 * Dropwizard's suffixes, over plaintext TCP, plaintext UDP or pickle, one timestamp per
 * report.
 *
 * @module
 */

import { GraphiteClient, type GraphiteClientOptions } from '../clients/graphite-client.js';
import { graphitePath, graphiteSuffixed, sanitizeGraphitePath, type GraphitePoint } from '../formats/graphite-plaintext.js';
import { InvalidOptionError, show } from '../errors.js';
import type { Tags } from '../names.js';
import type { Metric } from '../registry/types.js';
import { keysOnly } from '../internal/options.js';
import { ScheduledReporter, type Report, type ScheduledReporterOptions } from './scheduled-reporter.js';

const GRAPHITE_REPORTER_KEYS = keysOnly(
  'host', 'port', 'protocol', 'maxQueueBytes', 'maxDatagramBytes', 'maxFrameBytes', 'prefix', 'tags', 'closeTimeoutMs',
);

/** Options of a {@link GraphiteReporter}: what to report, and where. */
export type GraphiteReporterOptions = ScheduledReporterOptions &
  Pick<
    GraphiteClientOptions,
    'host' | 'port' | 'protocol' | 'maxQueueBytes' | 'maxDatagramBytes' | 'maxFrameBytes'
  > & {
    /**
     * A dotted prefix for every path (`'servers.web1'`); sanitised like paths.
     *
     * @defaultValue `process.env.GRAPHITE_PREFIX`, else none
     */
    readonly prefix?: string;
    /**
     * Tags added to every series (Graphite 1.1 `path;k=v`); a metric's own tags win.
     *
     * @defaultValue none
     */
    readonly tags?: Tags;
    /**
     * How long `stop()` lets the connection flush the final report, in milliseconds
     * (within the reporter's `stopTimeoutMs`).
     *
     * @defaultValue 2000
     */
    readonly closeTimeoutMs?: number;
  };

/** Per metric: its base path (prefix, name, tags) and the paths of its suffixes, built once. */
type Paths = { readonly base: string; readonly bySuffix: Map<string, string> };

/**
 * How long one slice of a report may run before yielding to the event loop, in
 * milliseconds: 10,000 timers are 150,000 datapoints, and formatting them in one go would
 * block the application for far longer than this.
 */
const SLICE_BUDGET_MS = 8;
/** Series between two looks at the clock. */
const SLICE_CHECK_EVERY = 32;
/** Datapoints encoded and handed on at a time (a pickle frame holds at most this many). */
const POINTS_PER_BATCH = 4_096;

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Reports a registry to Graphite's carbon on an interval. Each series is sent under
 * Dropwizard's suffixes (`name.count`, `name.m1_rate`, `name.p99`, ...; a gauge under its
 * bare name), tags in Graphite 1.1 form (`name.p99;route=/users/:id`), values at full
 * precision, all with one whole-second timestamp per report aligned to the interval. An
 * empty window sends no statistics; NaN and infinities are never sent.
 *
 * Over TCP (plaintext or pickle) one connection is kept and reused; a report made while
 * carbon is unreachable waits in a bounded queue (oldest dropped first, counted) and is
 * sent after the reconnect.
 *
 * @example
 * ```ts
 * const reporter = new GraphiteReporter({ registry, host: 'carbon.internal', protocol: 'pickle', prefix: 'web1' });
 * reporter.start(10_000);
 * process.on('SIGTERM', () => void reporter.stop()); // final report, flushed
 * ```
 */
export class GraphiteReporter extends ScheduledReporter {
  readonly #client: GraphiteClient;
  readonly #prefix: string;
  readonly #tags: Tags | undefined;
  readonly #closeTimeoutMs: number;
  readonly #paths = new WeakMap<Metric, Paths>();
  #droppedSeen = 0;
  #bytesSeen = 0;

  /**
   * @param options - what to report and where (`options.registry`, by default the
   *   default registry); the connection may also come from `GRAPHITE_HOST`,
   *   `GRAPHITE_PORT`, `GRAPHITE_PROTOCOL` and `GRAPHITE_PREFIX`.
   * @throws {@link InvalidOptionError} for a bad option.
   */
  constructor(options: GraphiteReporterOptions = {}) {
    super(options, { kind: 'graphite', where: 'GraphiteReporter', schema: GRAPHITE_REPORTER_KEYS });
    const prefix = options.prefix ?? (process.env.GRAPHITE_PREFIX || undefined);
    if (prefix !== undefined && typeof prefix !== 'string') {
      throw new InvalidOptionError(`graphite reporter: prefix must be a string, received ${show(prefix)}`);
    }
    this.#prefix = prefix === undefined || prefix === '' ? '' : sanitizeGraphitePath(prefix);
    if (options.tags !== undefined && (options.tags === null || typeof options.tags !== 'object')) {
      throw new InvalidOptionError(`graphite reporter: tags must be an object of strings, received ${show(options.tags)}`);
    }
    this.#tags = options.tags !== undefined && Object.keys(options.tags).length > 0 ? options.tags : undefined;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 2_000;
    if (typeof this.#closeTimeoutMs !== 'number' || !(this.#closeTimeoutMs >= 0) || !Number.isFinite(this.#closeTimeoutMs)) {
      throw new InvalidOptionError(
        `graphite reporter: closeTimeoutMs must be a finite number >= 0, received ${show(options.closeTimeoutMs)}`,
      );
    }
    this.#client = new GraphiteClient({
      ...(options.host === undefined ? {} : { host: options.host }),
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.protocol === undefined ? {} : { protocol: options.protocol }),
      ...(options.maxQueueBytes === undefined ? {} : { maxQueueBytes: options.maxQueueBytes }),
      ...(options.maxDatagramBytes === undefined ? {} : { maxDatagramBytes: options.maxDatagramBytes }),
      ...(options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes }),
      clock: this.clock,
      onError: (error) => {
        this.reportError('transport', error);
      },
    });
  }

  /** The client that carries the reports (its `stats` and `connected` state). */
  get client(): GraphiteClient {
    return this.#client;
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

  #appendPoints(
    points: GraphitePoint[],
    series: Report['series'],
    from: number,
    to: number,
    timestampS: number,
  ): void {
    for (let i = from; i < to; i++) {
      const s = series[i]!;
      const paths = this.#pathsOf(s.metric);
      for (const field of s.fields) {
        // Dropwizard sends a gauge under its bare name.
        const suffix = s.type === 'gauge' ? '' : field.suffix;
        let path = paths.bySuffix.get(suffix);
        if (path === undefined) {
          path = graphiteSuffixed(paths.base, suffix);
          paths.bySuffix.set(suffix, path);
        }
        points.push({ path, value: field.value, timestampS });
      }
    }
  }

  /**
   * Formats and hands over the report in slices of about 8 ms of work, yielding
   * to the event loop between them, so a large registry never blocks the application.
   */
  protected override async send(report: Report): Promise<void> {
    const series = report.series;
    const timestampS = Math.floor(report.timestampMs / 1000);
    let startedMs = performance.now();
    let points: GraphitePoint[] = [];
    for (let i = 0; i < series.length; i += SLICE_CHECK_EVERY) {
      const to = Math.min(series.length, i + SLICE_CHECK_EVERY);
      this.#appendPoints(points, series, i, to, timestampS);
      if (points.length >= POINTS_PER_BATCH) {
        this.#client.sendPoints(points); // encodes these and hands them on
        points = [];
      }
      if (to < series.length && performance.now() - startedMs >= SLICE_BUDGET_MS) {
        await nextTurn();
        startedMs = performance.now();
      }
    }
    if (points.length > 0) this.#client.sendPoints(points);
    this.#account();
  }

  #account(): void {
    const stats = this.#client.stats;
    if (stats.droppedPoints > this.#droppedSeen) {
      this.countDropped(stats.droppedPoints - this.#droppedSeen);
      this.#droppedSeen = stats.droppedPoints;
    }
    if (stats.transport.sentBytes > this.#bytesSeen) {
      this.countBytes(stats.transport.sentBytes - this.#bytesSeen);
      this.#bytesSeen = stats.transport.sentBytes;
    }
  }

  /** @inheritDoc */
  protected override async close(): Promise<void> {
    await this.#client.close(this.#closeTimeoutMs);
    this.#account();
  }
}
