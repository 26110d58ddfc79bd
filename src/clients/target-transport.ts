/**
 * The transport a StatsD or Graphite sender uses: the one given in `transport`, or a
 * UDP or TCP transport it creates (and owns) for its target, with the options every
 * sender passes on. What StatsdClient, StatsdReporter, GraphiteClient and
 * GraphiteReporter share.
 *
 * @module
 * @internal
 */

import { checkValue, integer, is } from '../internal/options.js';
import { TcpTransport } from '../transports/tcp.js';
import {
  datagramBytesCheck,
  dropPolicyCheck,
  flushIntervalCheck,
  queueBytesCheck,
  transportCheck,
  type DropPolicy,
  type Framing,
  type Transport,
  type TransportErrorHandler,
} from '../transports/transport.js';
import { UdpTransport } from '../transports/udp.js';

/**
 * The schema of the transport options every sender passes on to the transport it
 * creates, and of `transport` itself.
 *
 * @internal
 */
export const SENDER_TRANSPORT_OPTIONS = Object.freeze({
  maxDatagramBytes: datagramBytesCheck,
  maxQueueBytes: queueBytesCheck,
  dropPolicy: dropPolicyCheck,
  flushIntervalMs: flushIntervalCheck,
  transport: transportCheck,
});

/** What the options reader read of {@link SENDER_TRANSPORT_OPTIONS}, plus the target keys. */
export type SenderTransportRead = {
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  readonly maxDatagramBytes?: number | undefined;
  readonly maxQueueBytes?: number | undefined;
  readonly dropPolicy?: DropPolicy | undefined;
  readonly flushIntervalMs?: number | undefined;
  readonly transport?: Transport | undefined;
};

/** Where and how to create a transport. */
export type TransportPlan = {
  /** UDP datagrams, or one TCP connection. */
  readonly protocol: 'udp' | 'tcp';
  /** TCP: lines (StatsD, Graphite plaintext) or raw frames (pickle). */
  readonly framing: Framing;
  readonly host: string;
  readonly port: number;
  /** The sender's default policy (StatsD `'newest'`, Graphite `'oldest'`). */
  readonly dropPolicy: DropPolicy;
  /** The sender's default bound. */
  readonly maxQueueBytes: number;
  readonly onError: TransportErrorHandler;
};

/** A sender's transport, and whether the sender closes it when it stops. */
export type SenderTransport = { readonly transport: Transport; readonly owned: boolean };

const CONFIGURES_TRANSPORT = ['host', 'port', 'maxDatagramBytes', 'maxQueueBytes', 'dropPolicy', 'flushIntervalMs'] as const;

const leftOut = is("left out with option 'transport' (the transport decides where records go and how they wait)", (_v): _v is never => false);

/**
 * The given `transport` (checking that nothing configures another one), or a new
 * transport for `plan`.
 *
 * @throws {@link InvalidOptionError} if `transport` comes with options that would
 *   configure the transport it replaces.
 */
export function senderTransport(where: string, o: SenderTransportRead, plan: () => TransportPlan): SenderTransport {
  if (o.transport !== undefined) {
    for (const key of CONFIGURES_TRANSPORT) {
      if (o[key] !== undefined) checkValue(where, `option '${key}'`, o[key], leftOut);
    }
    return { transport: o.transport, owned: false };
  }
  const p = plan();
  const common = {
    host: p.host,
    port: p.port,
    maxQueueBytes: o.maxQueueBytes ?? p.maxQueueBytes,
    dropPolicy: o.dropPolicy ?? p.dropPolicy,
    ...(o.flushIntervalMs === undefined ? {} : { flushIntervalMs: o.flushIntervalMs }),
    onError: p.onError,
  };
  if (p.protocol === 'udp') {
    const maxDatagramBytes = o.maxDatagramBytes ?? 1432;
    const maxQueueBytes =
      o.maxQueueBytes === undefined
        ? Math.max(p.maxQueueBytes, maxDatagramBytes)
        : checkValue(where, "option 'maxQueueBytes'", o.maxQueueBytes, integer(maxDatagramBytes, 2 ** 31));
    return { transport: new UdpTransport({ ...common, maxDatagramBytes, maxQueueBytes }), owned: true };
  }
  return { transport: new TcpTransport({ ...common, framing: p.framing }), owned: true };
}
