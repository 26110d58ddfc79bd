/**
 * The options every StatsD sender shares (where StatsD is, how lines are written, the
 * transport's bounds), their one schema, and the format and transport they make.
 * `StatsdReporter` and `StatsdClient` spread {@link STATSD_OPTIONS} into their own schemas.
 *
 * @module
 */

import { env as envCheck, type Read } from '../internal/options.js';
import { STATSD_FORMAT_OPTIONS, StatsdFormat, type StatsdFormatOptions } from '../formats/statsd.js';
import { DEFAULT_MAX_QUEUE_BYTES, hostCheck, portCheck, type DropPolicy, type Transport, type TransportErrorHandler } from '../transports/transport.js';
import { protocolCheck, resolveTarget, type Target } from './target.js';
import { senderTransport, SENDER_TRANSPORT_OPTIONS } from './target-transport.js';

/** The transport protocols StatsD listens on. */
export type StatsdProtocol = 'udp' | 'tcp';

/** Options shared by {@link StatsdReporter} and {@link StatsdClient}. */
export type StatsdOptions = StatsdFormatOptions & {
  /**
   * The StatsD host; a name is re-resolved (UDP: every 60 s; TCP: on every reconnect).
   *
   * @defaultValue `env.STATSD_HOST`, else `'127.0.0.1'`
   */
  readonly host?: string;
  /**
   * The StatsD port.
   *
   * @defaultValue `env.STATSD_PORT`, else 8125
   */
  readonly port?: number;
  /**
   * The protocol.
   *
   * @defaultValue `env.STATSD_PROTOCOL`, else `'udp'`
   */
  readonly protocol?: StatsdProtocol;
  /**
   * UDP: the largest datagram in bytes; lines are never split across datagrams.
   *
   * @defaultValue 1432
   */
  readonly maxDatagramBytes?: number;
  /**
   * The most bytes held while the network is slow or StatsD is down; beyond it lines
   * are dropped by `dropPolicy`, counted and reported once (`QUEUE_FULL`) until the
   * queue drains.
   *
   * @defaultValue 4194304 (4 MiB)
   */
  readonly maxQueueBytes?: number;
  /**
   * What a full queue drops. `'newest'` refuses the line being sent, which lets the
   * reporter carry a refused counter delta into its next report (counts stay exact);
   * StatsD has no timestamps, so an old line is worth as much as a new one once it
   * arrives. `'oldest'` keeps the freshest lines instead.
   *
   * @defaultValue 'newest'
   */
  readonly dropPolicy?: DropPolicy;
  /**
   * How long lines may wait to be batched before they are sent, in milliseconds. Full
   * datagrams (or 64 KiB of TCP data) go out at once; reporters flush after each report.
   *
   * @defaultValue 10
   */
  readonly flushIntervalMs?: number;
  /**
   * Send over this transport instead of creating one (a {@link MemoryTransport} in tests,
   * a {@link StreamTransport}, your own). `host`, `port` and the transport options must
   * then be left out, and it is not closed for you.
   */
  readonly transport?: Transport;
  /**
   * The environment `STATSD_HOST`, `STATSD_PORT`, `STATSD_PROTOCOL` and `STATSD_PREFIX`
   * are read from (options win over it). Pass `{}` to ignore the environment.
   *
   * @defaultValue process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
};

/**
 * The schema of {@link StatsdOptions}.
 *
 * @internal
 */
export const STATSD_OPTIONS = Object.freeze({
  ...STATSD_FORMAT_OPTIONS,
  host: hostCheck,
  port: portCheck,
  protocol: protocolCheck('udp', 'tcp'),
  ...SENDER_TRANSPORT_OPTIONS,
  env: envCheck,
});

/** What a StatsD sender sends with. @internal */
export type StatsdSender = {
  readonly target: Target<StatsdProtocol>;
  readonly format: StatsdFormat;
  readonly transport: Transport;
  /** Whether the sender created the transport (and closes it). */
  readonly owned: boolean;
};

/**
 * Resolves the target (options, then `env`, read here once), and builds the format and
 * the transport.
 *
 * @throws {@link InvalidOptionError} for a bad environment variable or conflicting options.
 * @internal
 */
export function openStatsd(where: string, o: Read<typeof STATSD_OPTIONS>, onError: TransportErrorHandler): StatsdSender {
  const target = resolveTarget(where, o, o.env ?? process.env, {
    envPrefix: 'STATSD',
    protocolCheck: STATSD_OPTIONS.protocol,
    defaultProtocol: 'udp',
    defaultPort: () => 8125,
  });
  const format = new StatsdFormat({
    prefix: target.prefix,
    ...(o.tagStyle === undefined ? {} : { tagStyle: o.tagStyle }),
    ...(o.typePrefixes === undefined ? {} : { typePrefixes: o.typePrefixes }),
    ...(o.globalTags === undefined ? {} : { globalTags: o.globalTags }),
  });
  const { transport, owned } = senderTransport(where, o, () => ({
    protocol: target.protocol,
    framing: 'lines',
    host: target.host,
    port: target.port,
    dropPolicy: 'newest',
    maxQueueBytes: DEFAULT_MAX_QUEUE_BYTES,
    onError,
  }));
  return { target, format, transport, owned };
}
