/**
 * The options every Graphite sender shares (where carbon is, which protocol, the prefix
 * and tags, the transport's bounds), their one schema, and the encoder and transport
 * they make. `GraphiteReporter` and `GraphiteClient` spread {@link GRAPHITE_OPTIONS}
 * into their own schemas.
 *
 * @module
 */

import { checkValue, env as envCheck, integer, is, string, type Read } from '../internal/options.js';
import type { Tags } from '../names.js';
import { CARBON_MAX_PICKLE_BYTES } from '../formats/graphite-pickle.js';
import { graphitePathProblem, sanitizeGraphitePath } from '../formats/graphite-path.js';
import { tagsCheck } from '../formats/tags-check.js';
import { hostCheck, portCheck, type DropPolicy, type Transport, type TransportErrorHandler } from '../transports/transport.js';
import { PLAINTEXT_ENCODER, pickleEncoder, type GraphiteEncoder } from './graphite-encoder.js';
import { protocolCheck, resolveTarget, type Target } from './target.js';
import { senderTransport, SENDER_TRANSPORT_OPTIONS } from './target-transport.js';

/**
 * How to talk to carbon: `'tcp'` (plaintext lines, carbon's LINE_RECEIVER_PORT, 2003),
 * `'udp'` (plaintext lines packed into datagrams, UDP_RECEIVER_PORT, 2003) or `'pickle'`
 * (length-prefixed protocol-2 pickles over TCP, PICKLE_RECEIVER_PORT, 2004).
 */
export type GraphiteProtocol = 'tcp' | 'udp' | 'pickle';

/** Options shared by {@link GraphiteReporter} and {@link GraphiteClient}. */
export type GraphiteOptions = {
  /**
   * Carbon's host name or IP address; re-resolved on every TCP reconnect.
   *
   * @defaultValue `env.GRAPHITE_HOST`, else `'127.0.0.1'`
   */
  readonly host?: string;
  /**
   * Carbon's port.
   *
   * @defaultValue `env.GRAPHITE_PORT`, else 2004 for `'pickle'` and 2003 otherwise
   */
  readonly port?: number;
  /**
   * The protocol. With a `transport`, it still chooses the encoding: plaintext lines for
   * `'tcp'` and `'udp'`, pickle frames for `'pickle'`.
   *
   * @defaultValue `env.GRAPHITE_PROTOCOL`, else `'tcp'`
   */
  readonly protocol?: GraphiteProtocol;
  /**
   * A dotted prefix for every path (`'servers.web1'`; escaped like paths, a trailing dot
   * is optional). A prefix carbon could not store (an empty segment such as `'a..b'`)
   * throws at construction.
   *
   * @defaultValue `env.GRAPHITE_PREFIX`, else none
   */
  readonly prefix?: string;
  /**
   * Tags added to every series in Graphite 1.1 form (`path;k=v`); a series' own tags win.
   * Checked as the registry checks tags.
   *
   * @defaultValue none
   */
  readonly tags?: Tags;
  /**
   * The most bytes of unsent data kept while carbon is unreachable or slow. Beyond it
   * the oldest records are dropped first (`dropPolicy`), counted, and reported once
   * (`QUEUE_FULL`) until the queue drains.
   *
   * @defaultValue 16777216 (16 MiB)
   */
  readonly maxQueueBytes?: number;
  /**
   * What a full queue drops. Carbon stores every point at its own timestamp, so the
   * freshest data is worth the most after an outage: `'oldest'` drops the oldest records
   * to make room; `'newest'` refuses new ones instead.
   *
   * @defaultValue 'oldest'
   */
  readonly dropPolicy?: DropPolicy;
  /**
   * UDP: the largest datagram in bytes; lines are packed into datagrams up to this size and
   * never split. At most 8192: carbon reads no more of a datagram, and loses all of one
   * that is longer.
   *
   * @defaultValue 1432
   */
  readonly maxDatagramBytes?: number;
  /**
   * Pickle: the largest pickle payload per frame in bytes. With a transport the sender
   * creates, frames are also kept to half of `maxQueueBytes`, so that a frame always fits
   * in the queue.
   *
   * @defaultValue 1048576 (carbon's `PICKLE_RECEIVER_MAX_LENGTH`)
   */
  readonly maxFrameBytes?: number;
  /**
   * How long records may wait to be coalesced into one write or datagram, in
   * milliseconds; reporters flush after each report.
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
   * The environment `GRAPHITE_HOST`, `GRAPHITE_PORT`, `GRAPHITE_PROTOCOL` and
   * `GRAPHITE_PREFIX` are read from (options win over it). Pass `{}` to ignore it.
   *
   * @defaultValue process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
};

/**
 * The largest datagram carbon reads whole: Twisted's UDP `maxPacketSize` is 8192, and
 * carbon decodes the truncated rest as UTF-8, fails, and drops every line of it.
 */
export const CARBON_MAX_DATAGRAM_BYTES = 8_192;

/** The default bound of a Graphite sender's queue: 16 MiB. */
const DEFAULT_MAX_QUEUE_BYTES = 16 << 20;

/**
 * The schema of {@link GraphiteOptions}.
 *
 * @internal
 */
export const GRAPHITE_OPTIONS = Object.freeze({
  host: hostCheck,
  port: portCheck,
  protocol: protocolCheck('tcp', 'udp', 'pickle'),
  prefix: string,
  tags: tagsCheck,
  maxFrameBytes: integer(64, 2 ** 30),
  ...SENDER_TRANSPORT_OPTIONS,
  maxDatagramBytes: integer(2, CARBON_MAX_DATAGRAM_BYTES),
  env: envCheck,
});

const PREFIX_CHECK = is(
  `a dotted prefix carbon can store (no empty segment, segments of at most 255 bytes once escaped)`,
  (_v): _v is string => false,
);

/**
 * The pickle frame limit: `maxFrameBytes`, but for a transport the sender creates no more
 * than half its queue (less the 4-byte length), so that a report's frames fit in it: a
 * frame larger than the queue would be refused whole, every point in it lost.
 */
function frameBytes(o: Read<typeof GRAPHITE_OPTIONS>, owned: boolean): number {
  const limit = o.maxFrameBytes ?? CARBON_MAX_PICKLE_BYTES;
  if (!owned) return limit;
  return Math.max(64, Math.min(limit, Math.floor((o.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES) / 2) - 4));
}

/** What a Graphite sender sends with. @internal */
export type GraphiteSender = {
  readonly target: Target<GraphiteProtocol>;
  /** The sanitised prefix, `''` for none. */
  readonly prefix: string;
  /** The tags of every series, `undefined` for none. */
  readonly tags: Tags | undefined;
  readonly encoder: GraphiteEncoder;
  readonly transport: Transport;
  /** Whether the sender created the transport (and closes it). */
  readonly owned: boolean;
};

/**
 * Resolves the target (options, then `env`, read here once), and builds the encoder and
 * the transport.
 *
 * @throws {@link InvalidOptionError} for a bad environment variable or conflicting options.
 * @internal
 */
export function openGraphite(where: string, o: Read<typeof GRAPHITE_OPTIONS>, onError: TransportErrorHandler): GraphiteSender {
  const target = resolveTarget(where, o, o.env ?? process.env, {
    envPrefix: 'GRAPHITE',
    protocolCheck: GRAPHITE_OPTIONS.protocol,
    defaultProtocol: 'tcp',
    defaultPort: (protocol) => (protocol === 'pickle' ? 2004 : 2003),
  });
  const pickle = target.protocol === 'pickle';
  const { transport, owned } = senderTransport(where, o, () => ({
    protocol: target.protocol === 'udp' ? 'udp' : 'tcp',
    framing: pickle ? 'raw' : 'lines',
    host: target.host,
    port: target.port,
    dropPolicy: 'oldest',
    maxQueueBytes: DEFAULT_MAX_QUEUE_BYTES,
    onError,
  }));
  const tags = o.tags !== undefined && Object.keys(o.tags).length > 0 ? o.tags : undefined;
  const trimmed = target.prefix.replace(/\.+$/, '');
  const prefix = trimmed === '' ? '' : sanitizeGraphitePath(trimmed);
  if (prefix !== '' && graphitePathProblem(`${prefix}.x`) !== null) {
    checkValue(where, "option 'prefix'", target.prefix, PREFIX_CHECK);
  }
  return {
    target,
    prefix,
    tags,
    encoder: pickle ? pickleEncoder(frameBytes(o, owned)) : PLAINTEXT_ENCODER,
    transport,
    owned,
  };
}
