/**
 * The forwarder's socket to an aggregator that listens on a Unix domain socket or a
 * loopback TCP port (pm2, containers on one host): the processes share no parent.
 *
 * Frames stay in a backlog until the aggregator acknowledges them (it applies frames in
 * order and answers with the last `seq` applied). When the connection drops, the
 * forwarder reconnects with jittered exponential backoff and sends the backlog again:
 * the aggregator skips frames it has applied, and a new aggregator (restarted) applies
 * them all. The backlog is bounded by `maxBacklogBytes`: beyond it the oldest frames
 * are dropped and counted, and the next push carries every series' totals, so counts
 * stay exact and only window detail of the dropped frames is lost.
 *
 * @module
 * @internal
 */

import { connect, type Socket } from 'node:net';
import type { Channel } from './channel.js';
import { encodeFrame, FrameReader } from './framing.js';

/** Where the aggregator listens. @internal */
export type SocketTarget = { readonly path: string } | { readonly port: number; readonly host: string };

const MIN_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 2_000;
/** The largest acknowledgement frame read back. */
const MAX_ACK_BYTES = 4_096;

/**
 * A reconnecting socket with an acknowledged backlog.
 *
 * @internal
 */
export class SocketChannel implements Channel {
  readonly #target: SocketTarget;
  readonly #maxBacklogBytes: number;
  readonly #onError: (error: Error) => void;
  readonly #backlog: { seq: number; bytes: Buffer }[] = [];
  #backlogBytes = 0;
  #socket: Socket | null = null;
  #connected = false;
  #resync = false;
  #closed = false;
  #attempt = 0;
  #timer: NodeJS.Timeout | null = null;
  #lost = 0;
  #drained: (() => void) | null = null;

  constructor(target: SocketTarget, maxBacklogBytes: number, onError: (error: Error) => void) {
    this.#target = target;
    this.#maxBacklogBytes = maxBacklogBytes;
    this.#onError = onError;
    this.#connect();
  }

  /** Frames dropped from the backlog before the aggregator acknowledged them. */
  get lostFrames(): number {
    return this.#lost;
  }

  /** Whether a connection is up. */
  get connected(): boolean {
    return this.#connected;
  }

  get pendingBytes(): number {
    return this.#backlogBytes;
  }

  #connect(): void {
    if (this.#closed) return;
    const socket = 'path' in this.#target ? connect(this.#target.path) : connect(this.#target.port, this.#target.host);
    this.#socket = socket;
    socket.unref();
    socket.setNoDelay(true);
    const reader = new FrameReader(
      MAX_ACK_BYTES,
      (bytes) => {
        this.#ack(bytes.toString('utf8'));
      },
      () => undefined,
    );
    socket.on('connect', () => {
      this.#connected = true;
      this.#attempt = 0;
      // The aggregator may be a new one: the next push carries every series' totals.
      this.#resync = true;
      for (const frame of this.#backlog) socket.write(frame.bytes);
    });
    socket.on('data', (chunk: Buffer) => {
      reader.push(chunk);
    });
    socket.on('error', (error) => {
      if (this.#attempt === 0) this.#onError(error);
    });
    socket.on('close', () => {
      this.#connected = false;
      if (this.#socket === socket) this.#socket = null;
      if (this.#closed) return;
      const backoff = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** this.#attempt);
      this.#attempt = Math.min(this.#attempt + 1, 16);
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#connect();
      }, backoff / 2 + Math.random() * (backoff / 2));
      this.#timer.unref();
    });
  }

  #ack(text: string): void {
    let seq: unknown;
    try {
      seq = (JSON.parse(text) as { seq?: unknown }).seq;
    } catch {
      return;
    }
    if (typeof seq !== 'number') return;
    while (this.#backlog.length > 0 && this.#backlog[0]!.seq <= seq) {
      this.#backlogBytes -= this.#backlog.shift()!.bytes.length;
    }
    if (this.#backlog.length === 0) this.#drained?.();
  }

  send(frame: Uint8Array, seq: number): boolean {
    if (this.#closed) return false;
    const bytes = encodeFrame(frame);
    if (bytes.length > this.#maxBacklogBytes) return false;
    while (this.#backlog.length > 0 && this.#backlogBytes + bytes.length > this.#maxBacklogBytes) {
      this.#backlogBytes -= this.#backlog.shift()!.bytes.length;
      this.#lost++;
      this.#resync = true;
    }
    this.#backlog.push({ seq, bytes });
    this.#backlogBytes += bytes.length;
    if (this.#connected) this.#socket?.write(bytes);
    return true;
  }

  takeResync(): boolean {
    const resync = this.#resync;
    this.#resync = false;
    return resync;
  }

  async close(timeoutMs: number): Promise<void> {
    if (this.#backlog.length > 0 && this.#connected) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#drained = resolve;
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      });
      clearTimeout(timer);
    }
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#socket?.destroy();
    this.#socket = null;
  }
}
