/**
 * Where a forwarder's frames go: the parent process over IPC, the parent thread over its
 * port, or an aggregator's socket (`socket-channel.ts`). Every channel bounds what it
 * holds: a frame it cannot take is refused, and the forwarder keeps the changes for the
 * next push.
 *
 * @module
 * @internal
 */

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
  /** Waits (at most `timeoutMs`) for what was handed over, then lets go of the channel. */
  close(timeoutMs: number): Promise<void>;
}

/** The one message shape on IPC and ports. */
function message(frame: string | ArrayBuffer): FrameMessage {
  return { tapemeasure: PROTOCOL_VERSION, frame };
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
 *
 * @internal
 */
export class IpcChannel implements Channel {
  readonly #process: IpcProcess;
  readonly #maxBacklogBytes: number;
  readonly #onError: (error: Error) => void;
  #pending = 0;
  #idle: (() => void) | null = null;

  constructor(proc: IpcProcess, maxBacklogBytes: number, onError: (error: Error) => void) {
    this.#process = proc;
    this.#maxBacklogBytes = maxBacklogBytes;
    this.#onError = onError;
  }

  get pendingBytes(): number {
    return this.#pending;
  }

  send(frame: Uint8Array): boolean {
    const send = this.#process.send;
    if (send === undefined || this.#process.connected !== true) return false;
    const text = base64(frame);
    const length = text.length;
    if (this.#pending > 0 && this.#pending + length > this.#maxBacklogBytes) return false;
    this.#pending += length;
    try {
      send.call(this.#process, message(text), undefined, {}, (error) => {
        this.#pending -= length;
        if (error !== null) this.#onError(error);
        if (this.#pending === 0) this.#idle?.();
      });
    } catch (error) {
      this.#pending -= length;
      this.#onError(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
    return true;
  }

  takeResync(): boolean {
    return false;
  }

  async close(timeoutMs: number): Promise<void> {
    if (this.#pending === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.#idle = resolve;
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    clearTimeout(timer);
  }
}

type Port = { postMessage(message: unknown, transfer?: readonly ArrayBuffer[]): void };

/**
 * The port of a worker thread to its parent (`parentPort`), or any `MessagePort`.
 *
 * @internal
 */
export class PortChannel implements Channel {
  readonly #port: Port;
  readonly #onError: (error: Error) => void;
  #closed = false;

  constructor(port: Port, onError: (error: Error) => void) {
    this.#port = port;
    this.#onError = onError;
  }

  get pendingBytes(): number {
    return 0;
  }

  send(frame: Uint8Array): boolean {
    if (this.#closed) return false;
    try {
      // A frame that owns its whole ArrayBuffer is transferred, not copied.
      const whole = frame.byteOffset === 0 && frame.byteLength === frame.buffer.byteLength && frame.buffer instanceof ArrayBuffer;
      const buffer = whole ? (frame.buffer) : frame.slice().buffer;
      this.#port.postMessage(message(buffer), [buffer]);
      return true;
    } catch (error) {
      this.#onError(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
  }

  takeResync(): boolean {
    return false;
  }

  close(): Promise<void> {
    this.#closed = true;
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
