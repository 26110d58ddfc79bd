/**
 * `aggregate()`: the aggregator side of a fleet. Merges what every worker forwards into
 * one read-only registry view, `fleet.registry`, that reporters and the pull endpoint
 * take like any registry.
 *
 * @module
 */

import type { Worker as ThreadWorker } from 'node:worker_threads';
import { clockCheck, systemClock, type Clock } from '../clock.js';
import { anyOf, arrayOf, boolean, integer, is, nonEmptyString, readOptions } from '../internal/options.js';
import { defaultRegistry } from '../registry/default-registry.js';
import { Registry } from '../registry/registry.js';
import { isRegistry, type MetricRegistry } from '../registry/types.js';
import { LocalChannel } from './channel.js';
import { FleetRegistry } from './fleet-registry.js';
import { FleetState, type Link } from './fleet-state.js';
import { DEFAULT_FORWARD_INTERVAL_MS, isRuntimeMetric } from './forward.js';
import { Forwarder } from './forwarder.js';
import { ClusterSource, SocketSource, ThreadSource, type Source } from './sources.js';

/** Options of {@link aggregate}. */
export type AggregateOptions = {
  /**
   * Listen to every `node:cluster` worker of this primary, present and future.
   *
   * @defaultValue `true` unless `workers` or `listen` is given
   */
  readonly cluster?: boolean;
  /** worker_threads workers to listen to (more with `fleet.addWorker()`); each calls `forward()`. */
  readonly workers?: readonly ThreadWorker[];
  /**
   * Listen on a socket for forwarders with no common parent (`forward({ connect })`):
   * a Unix domain socket path, or a TCP port on `host` (0 picks a free one; see
   * `fleet.address`).
   */
  readonly listen?: string | number;
  /**
   * The host a TCP `listen` port binds to.
   *
   * @defaultValue '127.0.0.1'
   */
  readonly host?: string;
  /**
   * The aggregator's own registry, merged into the fleet view as worker `primary`
   * (pushed every `intervalMs` like a worker's); `false` leaves it out.
   *
   * @defaultValue the default registry
   */
  readonly primary?: MetricRegistry | false;
  /**
   * How often the primary's own registry is merged in, and forgotten sessions swept, in
   * milliseconds (10 to 2147483647).
   *
   * @defaultValue 1000
   */
  readonly intervalMs?: number;
  /**
   * The clock of the merged series (windows, rates) and of liveness.
   *
   * @defaultValue `systemClock`
   */
  readonly clock?: Clock;
  /**
   * The largest frame accepted from a worker, in bytes (1024 to 1073741824); larger ones
   * are dropped and counted in `tapemeasure.fleet.dropped{reason="too_large"}`.
   *
   * @defaultValue 1048576 (1 MiB)
   */
  readonly maxMessageBytes?: number;
  /**
   * How long a worker may go without pushing before it no longer counts as live in
   * `tapemeasure.fleet.workers`, in milliseconds. Its last state is still used. The
   * primary's own registry (merged in from this process) is never stale, whatever
   * this is beside `intervalMs`.
   *
   * @defaultValue three of the worker's push intervals (at least 3000)
   */
  readonly staleAfterMs?: number;
  /**
   * How long the state of a socket forwarder whose connection dropped is kept for it
   * to reconnect, in milliseconds. Its totals stay in the fleet either way.
   *
   * @defaultValue 600000 (10 minutes)
   */
  readonly sessionTtlMs?: number;
  /**
   * The merged registry's cap on tagged series per name (see `RegistryOptions`): the
   * fleet holds every worker's series, so raise it with the workers' own caps.
   *
   * @defaultValue 1000
   */
  readonly maxSeriesPerName?: number;
  /**
   * The merged registry's cap on series in all (see `RegistryOptions`).
   *
   * @defaultValue 50000
   */
  readonly maxSeries?: number;
};

const AGGREGATE_SCHEMA = Object.freeze({
  cluster: boolean,
  workers: arrayOf(is('a worker_threads Worker', (v): v is ThreadWorker => typeof v === 'object' && v !== null && typeof (v as { on?: unknown }).on === 'function')),
  listen: anyOf(nonEmptyString, integer(0, 65_535)),
  host: nonEmptyString,
  primary: is<MetricRegistry | false>('a registry, or false', (v): v is MetricRegistry | false => v === false || isRegistry(v)),
  intervalMs: integer(10, 2_147_483_647),
  clock: clockCheck,
  maxMessageBytes: integer(1_024, 1_073_741_824),
  staleAfterMs: integer(1),
  sessionTtlMs: integer(0),
  maxSeriesPerName: integer(1),
  maxSeries: integer(1),
});

/**
 * A fleet: the merged view of many processes. Get one from {@link aggregate}.
 */
export class Fleet implements AsyncDisposable {
  /** The merged, read-only registry view: give it to reporters and `serveMetrics`. */
  readonly registry: FleetRegistry;
  readonly #state: FleetState;
  readonly #sources: Source[] = [];
  readonly #threads: ThreadSource;
  readonly #socket: SocketSource | null;
  readonly #primary: Forwarder | null;
  readonly #sweep: NodeJS.Timeout;
  #stopped = false;

  /** @internal Use {@link aggregate}. */
  constructor(options: AggregateOptions | undefined) {
    const read = readOptions('aggregate()', options, AGGREGATE_SCHEMA);
    const clock = read.clock ?? systemClock;
    const merged = new Registry({
      clock,
      ...(read.maxSeriesPerName === undefined ? {} : { maxSeriesPerName: read.maxSeriesPerName }),
      ...(read.maxSeries === undefined ? {} : { maxSeries: read.maxSeries }),
    });
    this.#state = new FleetState({
      registry: merged,
      maxMessageBytes: read.maxMessageBytes ?? 1 << 20,
      staleAfterMs: read.staleAfterMs,
      sessionTtlMs: read.sessionTtlMs ?? 600_000,
      nowMs: () => clock.monotonicMs(),
    });
    this.registry = new FleetRegistry(merged);
    const useCluster = read.cluster ?? (read.workers === undefined && read.listen === undefined);
    if (useCluster) this.#sources.push(new ClusterSource(this.#state));
    this.#threads = new ThreadSource(this.#state);
    this.#sources.push(this.#threads);
    for (const worker of read.workers ?? []) this.#threads.add(worker);
    this.#socket = null;
    if (read.listen !== undefined) {
      const target =
        typeof read.listen === 'string' ? { path: read.listen } : { port: read.listen, host: read.host ?? '127.0.0.1' };
      this.#socket = new SocketSource(this.#state, target, read.maxMessageBytes ?? 1 << 20);
      this.#sources.push(this.#socket);
    }
    const intervalMs = read.intervalMs ?? DEFAULT_FORWARD_INTERVAL_MS;
    const primary = read.primary ?? defaultRegistry;
    if (primary === false) this.#primary = null;
    else {
      const link: Link = { reconnects: false, local: true };
      this.#primary = new Forwarder({
        registry: primary,
        channel: new LocalChannel((frame) => {
          this.#state.receive(frame, link);
        }),
        worker: 'primary',
        intervalMs,
        maxMessageBytes: 1 << 20,
        perWorker: isRuntimeMetric,
        onError: (error) => {
          this.#primary?.warnOnce(error);
        },
      });
      void this.#primary.push();
    }
    this.#sweep = setInterval(() => {
      this.#state.sweep();
    }, intervalMs);
    this.#sweep.unref();
  }

  /** Workers that are connected and pushed recently (the value of `tapemeasure.fleet.workers`). */
  get workers(): number {
    return this.#state.liveCount;
  }

  /** The address of the socket source: its path or TCP port; `null` without `listen` or before it listens. */
  get address(): string | number | null {
    return this.#socket?.address ?? null;
  }

  /** Resolves when every source listens (the socket); rejects with the error of a socket that cannot. */
  ready(): Promise<void> {
    return this.#socket?.ready ?? Promise.resolve();
  }

  /** Listens to one more worker thread (a pool that grows). */
  addWorker(worker: ThreadWorker): void {
    if (!this.#stopped) this.#threads.add(worker);
  }

  /**
   * Resolves when every frame received so far is merged (frames are merged in event-loop
   * slices); with the primary merged in, pushes it first.
   */
  async settled(): Promise<void> {
    await this.#primary?.push();
    await this.#state.settled();
  }

  /** Stops listening and merging; the view keeps its last state. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#sweep);
    await this.#primary?.stop();
    await this.#state.settled();
    this.#state.stop();
    await Promise.all(this.#sources.map((s) => s.close()));
  }

  /** Same as {@link Fleet.stop}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/**
 * Merges the registries of many processes into one read-only view, `fleet.registry`.
 * By default it listens to every `node:cluster` worker (each calls `forward()`); with
 * `workers`, to worker threads; with `listen`, to forwarders connecting to a socket.
 * The primary's own registry (the default registry) is merged in as worker `primary`.
 *
 * Counters and meter counts are exact sums, and a worker that exits keeps its totals;
 * histogram and timer buckets merge exactly; gauges follow their `aggregate` policy.
 * A slow or dead worker never blocks a read: its last state is used.
 *
 * @example
 * ```ts
 * import cluster from 'node:cluster';
 * import { serveMetrics } from 'tapemeasure';
 * import { aggregate, forward } from 'tapemeasure/cluster';
 *
 * if (cluster.isPrimary) {
 *   const fleet = aggregate();
 *   await serveMetrics({ registry: fleet.registry, port: 9464 });
 *   for (let i = 0; i < 4; i++) cluster.fork();
 * } else {
 *   forward();
 * }
 * ```
 * @throws `InvalidOptionError` or `UnknownOptionError` for bad options.
 */
export function aggregate(options?: AggregateOptions): Fleet {
  return new Fleet(options);
}
