/**
 * Where a forwarder's frames go: the parent process over IPC, the parent thread over its
 * port, or an aggregator's socket (`socket-channel.ts`). Every channel bounds what it
 * holds: a frame it cannot take is refused, and the forwarder keeps the changes for the
 * next push.
 *
 * @module
 * @internal
 */

import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { PROTOCOL_VERSION, type FrameMessage } from './protocol.js';

/** A forwarder's way out. @internal */
export interface Channel {
  /**
   * Hands one frame over; `false` when refused (closed, or its backlog is full). The
   * frame is the channel's from then on (a port transfers its `ArrayBuffer`).
   */
  send(frame: Uint8Array, seq: number): boolean;
  /** Whether the next push must carry every series (a reconnect: the aggregator may be new). */
  takeResync(): boolean;
  /** Bytes handed over and not yet known to be delivered. */
  readonly pendingBytes: number;
  /**
   * `undefined` when a frame of `bytes` fits the backlog now; else a promise that
   * resolves when it does, or after `timeoutMs` (then `send` may still refuse it). The
   * forwarder waits on it between the frames of a large push, so a push larger than the
   * backlog goes out over several turns instead of being refused in part.
   */
  room?(bytes: number, timeoutMs: number): Promise<void> | undefined;
  /** Waits (at most `timeoutMs`) for what was handed over, then lets go of the channel. */
  close(timeoutMs: number): Promise<void>;
}

/** The one message shape on IPC and ports. */
function message(frame: string | ArrayBuffer, ackPort?: MessagePort): FrameMessage {
  return ackPort === undefined ? { tapemeasure: PROTOCOL_VERSION, frame } : { tapemeasure: PROTOCOL_VERSION, frame, ackPort };
}

/**
 * Bytes handed over and not yet delivered, with a wait for room: the one backlog
 * accounting of the IPC and port channels.
 */
class Backlog {
  readonly #maxBytes: number;
  #bytes = 0;
  #waiters: (() => void)[] = [];

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Whether `bytes` more fit (a frame alone always fits: one larger than the bound is not stuck forever). */
  fits(bytes: number): boolean {
    return this.#bytes === 0 || this.#bytes + bytes <= this.#maxBytes;
  }

  add(bytes: number): void {
    this.#bytes += bytes;
  }

  release(bytes: number): void {
    this.#bytes -= bytes;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  room(bytes: number, timeoutMs: number): Promise<void> | undefined {
    if (this.fits(bytes)) return undefined;
    return new Promise<void>((resolve) => {
      // Not unref()ed: a thread's last push (`await forwarder.stop()`) must not be cut off
      // by the thread exiting while it waits; it waits at most `timeoutMs`.
      const timer = setTimeout(done, timeoutMs);
      const check = (): void => {
        if (this.fits(bytes)) done();
        else this.#waiters.push(check);
      };
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#waiters.push(check);
    });
  }
}

/** A frame as base64 text: Node's IPC serializes messages as JSON. */
function base64(frame: Uint8Array): string {
  return Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('base64');
}

type IpcProcess = {
  send?: (message: unknown, handle: undefined, options: object, callback: (error: Error | null) => void) => boolean;
  readonly connected?: boolean;
};

/**
 * The IPC channel of a `node:cluster` worker (or any child forked with an IPC channel).
 * Node queues IPC messages without bound while the parent does not read them: this
 * channel counts the bytes not yet written and refuses frames beyond `maxBacklogBytes`.
 * It has no `room()`: written is not merged (the primary reads the pipe ahead of its
 * merging), so waiting for the pipe would land a whole large push in the aggregator's
 * queue; a refused part goes with a later push instead.
 *
 * @internal
 */
export class IpcChannel implements Channel {
  readonly #process: IpcProcess;
  readonly #backlog: Backlog;
  readonly #onError: (error: Error) => void;
  #idle: (() => void) | null = null;

  constructor(proc: IpcProcess, maxBacklogBytes: number, onError: (error: Error) => void) {
    this.#process = proc;
    this.#backlog = new Backlog(maxBacklogBytes);
    this.#onError = onError;
  }

  get pendingBytes(): number {
    return this.#backlog.bytes;
  }

  send(frame: Uint8Array): boolean {
    const send = this.#process.send;
    if (send === undefined || this.#process.connected !== true) return false;
    const text = base64(frame);
    const length = text.length;
    const backlog = this.#backlog;
    if (!backlog.fits(length)) return false;
    backlog.add(length);
    try {
      send.call(this.#process, message(text), undefined, {}, (error) => {
        backlog.release(length);
        if (error !== null) this.#onError(error);
        if (backlog.bytes === 0) this.#idle?.();
      });
    } catch (error) {
      backlog.release(length);
      this.#onError(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
    return true;
  }

  takeResync(): boolean {
    return false;
  }

  async close(timeoutMs: number): Promise<void> {
    if (this.#backlog.bytes === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.#idle = resolve;
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    clearTimeout(timer);
  }
}

type Port = { postMessage(message: unknown, transfer?: readonly (ArrayBuffer | MessagePort)[]): void };

/**
 * The port of a worker thread to its parent (`parentPort`), or any `MessagePort`.
 *
 * A port queues messages without bound, and a thread can post a push of many megabytes
 * in one turn: eight threads' first pushes would overflow what the aggregator queues. So
 * a frame counts against `maxBacklogBytes` until the aggregator says it is done with it
 * (applied, or dropped: one message per frame, in order), over a port of this channel's
 * own (sent with the first frame; `unref()`ed, so it never keeps the thread alive, and
 * the user's messages on `parentPort` are untouched).
 *
 * @internal
 */
export class PortChannel implements Channel {
  readonly #port: Port;
  readonly #onError: (error: Error) => void;
  readonly #backlog: Backlog;
  /** The sizes of the frames sent and not yet done with, oldest first. */
  readonly #unacked: number[] = [];
  #acks: MessageChannel | null = null;
  /** Whether the aggregator answered on the current ack port. */
  #answered = false;
  #closed = false;

  constructor(port: Port, maxBacklogBytes: number, onError: (error: Error) => void) {
    this.#port = port;
    this.#backlog = new Backlog(maxBacklogBytes);
    this.#onError = onError;
  }

  get pendingBytes(): number {
    return this.#backlog.bytes;
  }

  async room(bytes: number, timeoutMs: number): Promise<void> {
    const wait = this.#backlog.room(bytes, timeoutMs);
    if (wait === undefined) return;
    await wait;
    // No answer ever came on the current port: the aggregator never got it (the thread
    // was added to it after its first frame, which was lost). Write the frames off, and
    // send a new port with the next frame. (An aggregator that answered once and is now
    // slow or hung keeps the bound.)
    if (!this.#answered && !this.#backlog.fits(bytes)) this.#resetAcks();
  }

  send(frame: Uint8Array): boolean {
    if (this.#closed) return false;
    const length = frame.byteLength;
    if (!this.#backlog.fits(length)) return false;
    try {
      // A frame that owns its whole ArrayBuffer is transferred, not copied.
      const whole = frame.byteOffset === 0 && frame.byteLength === frame.buffer.byteLength && frame.buffer instanceof ArrayBuffer;
      const buffer = whole ? (frame.buffer) : frame.slice().buffer;
      let ackPort: MessagePort | undefined;
      if (this.#acks === null) {
        const acks = new MessageChannel();
        acks.port1.on('message', () => {
          this.#done();
        });
        acks.port1.unref();
        this.#acks = acks;
        this.#answered = false;
        ackPort = acks.port2;
      }
      this.#port.postMessage(message(buffer, ackPort), ackPort === undefined ? [buffer] : [buffer, ackPort]);
      this.#backlog.add(length);
      this.#unacked.push(length);
      return true;
    } catch (error) {
      this.#onError(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
  }

  #resetAcks(): void {
    this.#acks?.port1.close();
    this.#acks = null;
    let held = 0;
    for (const length of this.#unacked) held += length;
    this.#unacked.length = 0;
    this.#backlog.release(held);
  }

  /** The aggregator is done with the oldest frame. */
  #done(): void {
    this.#answered = true;
    const length = this.#unacked.shift();
    if (length !== undefined) this.#backlog.release(length);
  }

  takeResync(): boolean {
    return false;
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#acks?.port1.close();
    return Promise.resolve();
  }
}

/**
 * A channel to an aggregator in this very process: the primary's own registry, merged in.
 *
 * @internal
 */
export class LocalChannel implements Channel {
  readonly #receive: (frame: Uint8Array) => void;

  constructor(receive: (frame: Uint8Array) => void) {
    this.#receive = receive;
  }

  get pendingBytes(): number {
    return 0;
  }

  send(frame: Uint8Array): boolean {
    this.#receive(frame);
    return true;
  }

  takeResync(): boolean {
    return false;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
