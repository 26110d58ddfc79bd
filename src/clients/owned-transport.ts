/**
 * The transport of a sender (StatsD and Graphite, client and reporter), with what the
 * sender owes it: closing it on stop only if the sender created it, and counting what it
 * dropped and sent since the sender last looked.
 *
 * @module
 * @internal
 */

import type { Transport } from '../transports/transport.js';
import type { SenderTransport } from './target-transport.js';

/** What a transport dropped and sent since the last look. @internal */
export type TransportDelta = {
  /** Records dropped. */
  readonly dropped: number;
  /** Bytes sent. */
  readonly bytes: number;
};

/**
 * A sender's transport: `release()` flushes it and closes it if the sender created it;
 * `delta()` tells what it dropped and sent since the last call (a transport passed in
 * may have counted before: those counts are not the sender's).
 *
 * @internal
 */
export class OwnedTransport {
  /** The transport. */
  readonly transport: Transport;
  /** Whether the sender created it (and so closes it). */
  readonly owned: boolean;
  #droppedSeen: number;
  #bytesSeen: number;

  /** @param sender - from `senderTransport()`. */
  constructor(sender: SenderTransport) {
    this.transport = sender.transport;
    this.owned = sender.owned;
    const stats = sender.transport.stats;
    this.#droppedSeen = stats.droppedLines;
    this.#bytesSeen = stats.sentBytes;
  }

  /** Flushes the transport, and closes it within `timeoutMs` if the sender created it. */
  async release(timeoutMs: number): Promise<void> {
    this.transport.flush();
    if (this.owned) await this.transport.close(timeoutMs);
  }

  /** What the transport dropped and sent since the last call. */
  delta(): TransportDelta {
    const stats = this.transport.stats;
    const delta = { dropped: stats.droppedLines - this.#droppedSeen, bytes: stats.sentBytes - this.#bytesSeen };
    this.#droppedSeen = stats.droppedLines;
    this.#bytesSeen = stats.sentBytes;
    return delta;
  }
}
