/**
 * The options every StatsD sender shares: where StatsD is, how lines are written, and
 * the transport's bounds. `StatsdReporterOptions` and `StatsdClientOptions` add their own.
 *
 * @module
 */

import type { StatsdFormatOptions, StatsdTargetOptions } from '../formats/statsd.js';
import type { Transport } from '../transports/transport.js';

/** Options shared by {@link StatsdReporter} and {@link StatsdClient}. */
export type StatsdOptions = StatsdTargetOptions &
  Omit<StatsdFormatOptions, 'prefix'> & {
    /**
     * UDP: the largest datagram in bytes; lines are never split across datagrams.
     *
     * @defaultValue 1432
     */
    readonly maxDatagramBytes?: number;
    /**
     * The most bytes held while the network is slow or StatsD is down; beyond it lines
     * are dropped, counted and warned about once.
     *
     * @defaultValue 4 MiB
     */
    readonly maxQueueBytes?: number;
    /**
     * Send over this transport instead of creating one (host, port, protocol and the
     * transport options are then ignored, and it is not closed for you).
     */
    readonly transport?: Transport;
    /**
     * Read `STATSD_*` defaults from this environment.
     *
     * @defaultValue process.env
     */
    readonly env?: Readonly<Record<string, string | undefined>>;
  };
