/**
 * The frames an aggregator received and has not applied yet: checked for size when they
 * arrive, bounded in all ({@link MAX_QUEUED_BYTES}), and handed out one at a time as
 * bytes (base64 text from IPC is decoded into one reused buffer at its turn).
 *
 * @module
 * @internal
 */

/** The most bytes of frames waiting to be applied; beyond it frames are dropped (their totals come back with later frames). @internal */
export const MAX_QUEUED_BYTES = 64 << 20;

/** Why {@link FrameQueue.push} refused a frame (the `reason` of the drop), or `null` when it took it. @internal */
export type QueueRefusal = 'malformed' | 'too_large' | 'overload' | null;

/** The bytes that base64 text decodes to, at most (4 characters per 3 bytes). */
function base64Bytes(text: string): number {
  return Math.ceil(text.length / 4) * 3;
}

/**
 * A bounded queue of frames of any link.
 *
 * @internal
 */
export class FrameQueue<L> {
  readonly #maxMessageBytes: number;
  readonly #frames: { frame: Uint8Array | string; link: L; done: (() => void) | undefined }[] = [];
  /** Where base64 frames are decoded, one at a time (frames are applied one at a time). */
  #scratch: Buffer = Buffer.alloc(0);
  #bytes = 0;

  /** @param maxMessageBytes - the largest frame taken, in bytes. */
  constructor(maxMessageBytes: number) {
    this.#maxMessageBytes = maxMessageBytes;
  }

  /** Frames waiting. */
  get length(): number {
    return this.#frames.length;
  }

  /**
   * Takes what a source handed over: bytes, an `ArrayBuffer` (as bytes), or base64 text
   * (IPC), kept as text until its turn (no memory outside the heap per frame). `done`
   * goes with it, for whoever applies it.
   */
  push(frame: unknown, link: L, done?: () => void): QueueRefusal {
    let held: Uint8Array | string;
    if (frame instanceof Uint8Array) held = frame;
    else if (frame instanceof ArrayBuffer) held = new Uint8Array(frame);
    else if (typeof frame === 'string') held = frame;
    else return 'malformed';
    const decoded = typeof held === 'string' ? base64Bytes(held) - 2 : held.length;
    if (decoded > this.#maxMessageBytes) return 'too_large';
    if (this.#bytes + held.length > MAX_QUEUED_BYTES) return 'overload';
    this.#frames.push({ frame: held, link, done });
    this.#bytes += held.length;
    return null;
  }

  /** The oldest frame as bytes (valid until the next call), its link and `done`; `undefined` when empty. */
  shift(): { bytes: Uint8Array; link: L; done: (() => void) | undefined } | undefined {
    const next = this.#frames.shift();
    if (next === undefined) return undefined;
    this.#bytes -= next.frame.length;
    const { frame, link, done } = next;
    return { bytes: typeof frame === 'string' ? this.#decode64(frame) : frame, link, done };
  }

  /** Forgets every frame waiting (their `done` is called). */
  clear(): void {
    for (const f of this.#frames) f.done?.();
    this.#frames.length = 0;
    this.#bytes = 0;
  }

  /** Base64 text decoded into the scratch buffer (valid until the next frame). */
  #decode64(text: string): Uint8Array {
    const need = base64Bytes(text);
    if (this.#scratch.length < need) {
      this.#scratch = Buffer.allocUnsafeSlow(Math.max(need, Math.min(2 * this.#scratch.length, this.#maxMessageBytes + 3)));
    }
    const n = this.#scratch.write(text, 'base64');
    return this.#scratch.subarray(0, n);
  }
}
