/**
 * `forward()`: the worker side of a fleet. Ships a registry's mergeable state to the
 * aggregator every `intervalMs`: over `node:cluster` IPC in a cluster worker, over
 * `parentPort` in a worker thread, or over a socket with `connect`.
 *
 * @module
 */

import cluster from 'node:cluster';
import { isMainThread, parentPort, threadId } from 'node:worker_threads';
import { MetricsError, ErrorCodes } from '../errors.js';
import { anyOf, func, integer, is, nonEmptyString, readOptions, type Check } from '../internal/options.js';
import { registryOf, REGISTRY_OPTION } from '../registry/registry-option.js';
import type { Metric, MetricRegistry } from '../registry/types.js';
import { IpcChannel, PortChannel, type Channel } from './channel.js';
import { Forwarder } from './forwarder.js';
import { SocketChannel } from './socket-channel.js';

/** Options of {@link forward}. */
export type ForwardOptions = {
  /**
   * The registry to ship.
   *
   * @defaultValue the default registry
   */
  readonly registry?: MetricRegistry;
  /**
   * How often to push what changed, in milliseconds (10 to 2147483647). This is how
   * stale the fleet view may be, and what a worker that dies loses at most.
   *
   * @defaultValue 1000
   */
  readonly intervalMs?: number;
  /**
   * The aggregator's socket, for processes with no common parent (pm2, containers on one
   * host): a Unix domain socket path, or a TCP port on `host`. Without it, the parent
   * process (a `node:cluster` worker, or a child forked with IPC) or the parent thread
   * (a worker thread) is the aggregator.
   */
  readonly connect?: string | number;
  /**
   * The host of a TCP `connect` port.
   *
   * @defaultValue '127.0.0.1'
   */
  readonly host?: string;
  /**
   * This worker's id: the `worker` tag of its per-worker series and gauges in the fleet.
   *
   * @defaultValue the cluster worker id, the thread id, or the process id
   */
  readonly id?: string;
  /**
   * The largest frame sent, in bytes (1024 to 1073741824): a push that is larger goes
   * as several frames. Keep it at most the aggregator's `maxMessageBytes`.
   *
   * @defaultValue 65536 (small frames parse in about a millisecond: the aggregator never holds its event loop long)
   */
  readonly maxMessageBytes?: number;
  /**
   * The most bytes held for an aggregator that has not taken them yet (an IPC channel
   * the parent does not read, frames a thread's aggregator has not merged yet, a socket
   * that is down), at least 1024. Beyond it an IPC push is refused and sent later; a
   * thread's push waits (up to `intervalMs`) between its frames for the aggregator to
   * merge them, then is refused likewise; a socket's oldest frames are dropped (counts
   * stay exact: the next push carries every total).
   *
   * @defaultValue 8388608 (8 MiB)
   */
  readonly maxBacklogBytes?: number;
  /**
   * Selects the series that stay one per worker in the fleet (tagged `worker`) instead
   * of merging: statistics that do not combine across processes.
   *
   * @defaultValue the runtime metrics: names under `runtime.` (see `tapemeasure/runtime`)
   */
  readonly perWorker?: (metric: Metric) => boolean;
  /**
   * Told when a push fails or is refused (`ERR_TAPEMEASURE_FORWARD_FAILED`) or the socket
   * fails (`ERR_TAPEMEASURE_CONNECTION_FAILED`).
   *
   * @defaultValue one warning per code a minute
   */
  readonly onError?: (error: MetricsError) => void;
};

const FORWARD_SCHEMA = Object.freeze({
  ...REGISTRY_OPTION,
  intervalMs: integer(10, 2_147_483_647),
  connect: anyOf(nonEmptyString, integer(1, 65_535)),
  host: nonEmptyString,
  id: is('a string of 1 to 256 characters', (v): v is string => typeof v === 'string' && v.length > 0 && v.length <= 256),
  maxMessageBytes: integer(1_024, 1_073_741_824),
  maxBacklogBytes: integer(1_024),
  perWorker: func as Check<(metric: Metric) => boolean>,
  onError: func as Check<(error: MetricsError) => void>,
});

/**
 * `forward()` found nowhere to send to. Code `ERR_TAPEMEASURE_NO_AGGREGATOR`.
 */
export class NoAggregatorError extends MetricsError {
  /** @param message - where forward() was called. */
  constructor(message: string) {
    super(ErrorCodes.NO_AGGREGATOR, message);
    this.name = 'NoAggregatorError';
  }
}

/** The default of `perWorker`: runtime metrics. @internal */
export function isRuntimeMetric(metric: Metric): boolean {
  return metric.name.startsWith('runtime.');
}

/** The default forwarding interval. @internal */
export const DEFAULT_FORWARD_INTERVAL_MS = 1_000;

/**
 * Ships a registry to the aggregator (`aggregate()` in the parent, or listening on a
 * socket) every `intervalMs`: counter and meter totals, gauge values, and for histograms
 * and timers their lifetime count and sum plus what each window slice gained, as HDR
 * bucket counts with exact count, sum, min and max. Only series that changed are sent;
 * nothing runs on the hot path.
 *
 * @example
 * ```ts
 * import cluster from 'node:cluster';
 * import { aggregate, forward } from 'tapemeasure/cluster';
 *
 * if (cluster.isPrimary) {
 *   const fleet = aggregate();
 *   cluster.fork();
 * } else {
 *   forward();
 * }
 * ```
 * @throws {@link NoAggregatorError} outside a cluster worker, a forked child or a worker
 *   thread, without `connect`; `InvalidOptionError` or `UnknownOptionError`
 *   for bad options.
 */
export function forward(options?: ForwardOptions): Forwarder {
  const read = readOptions('forward()', options, FORWARD_SCHEMA);
  const maxBacklogBytes = read.maxBacklogBytes ?? 8 << 20;
  let forwarder: Forwarder | null = null;
  const onError =
    read.onError ??
    ((error: MetricsError): void => {
      forwarder?.warnOnce(error);
    });
  const channelError = (error: Error): void => {
    onError(new MetricsError(ErrorCodes.CONNECTION_FAILED, `tapemeasure forward(): ${error.message}`, { cause: error }));
  };
  let channel: Channel;
  let id: string;
  if (read.connect !== undefined) {
    const target =
      typeof read.connect === 'string' ? { path: read.connect } : { port: read.connect, host: read.host ?? '127.0.0.1' };
    channel = new SocketChannel(target, maxBacklogBytes, channelError);
    id = read.id ?? String(process.pid);
  } else if (!isMainThread && parentPort !== null) {
    channel = new PortChannel(parentPort, maxBacklogBytes, channelError);
    id = read.id ?? `thread-${threadId}`;
  } else if (typeof process.send === 'function') {
    channel = new IpcChannel(process, maxBacklogBytes, channelError);
    id = read.id ?? (cluster.isWorker && cluster.worker !== undefined ? String(cluster.worker.id) : String(process.pid));
  } else {
    throw new NoAggregatorError(
      'forward(): nowhere to send to: this is not a cluster worker, a forked child with IPC or a worker thread; ' +
        'pass { connect: socketPath | port } to reach an aggregator listening on a socket',
    );
  }
  forwarder = new Forwarder({
    registry: registryOf(read),
    channel,
    worker: id,
    intervalMs: read.intervalMs ?? DEFAULT_FORWARD_INTERVAL_MS,
    maxMessageBytes: read.maxMessageBytes ?? 65_536,
    perWorker: read.perWorker ?? isRuntimeMetric,
    onError,
  });
  return forwarder;
}
