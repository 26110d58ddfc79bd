/**
 * The socket framing of the cluster wire: each frame is a 4-byte big-endian length and
 * that many bytes (a binary frame, `protocol.ts`; an acknowledgement is UTF-8 JSON). A frame longer than the cap is skipped
 * (its bytes are read and dropped, the stream stays in step) and counted.
 *
 * @module
 * @internal
 */

/** The bytes of one frame: its length and its body (bytes, or text sent as UTF-8). @internal */
export function encodeFrame(frame: Uint8Array | string): Buffer {
  const body = typeof frame === 'string' ? Buffer.from(frame, 'utf8') : frame;
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.set(body, 4);
  return out;
}

/**
 * Splits a byte stream into frames.
 *
 * @internal
 */
export class FrameReader {
  readonly #maxBytes: number;
  readonly #onFrame: (frame: Buffer) => void;
  readonly #onOversized: (bytes: number) => void;
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Bytes of an oversized frame still to skip. */
  #skip = 0;

  /**
   * @param maxBytes - the largest frame body accepted.
   * @param onFrame - called with each frame's bytes (a view of what was read: the reader does not reuse it).
   * @param onOversized - called once for each frame skipped for its size.
   */
  constructor(maxBytes: number, onFrame: (frame: Buffer) => void, onOversized: (bytes: number) => void) {
    this.#maxBytes = maxBytes;
    this.#onFrame = onFrame;
    this.#onOversized = onOversized;
  }

  /** Bytes held waiting for the rest of a frame (at most the cap plus 4). */
  get buffered(): number {
    return this.#buffered;
  }

  /** Feeds bytes read from the stream. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.#skip > 0) {
      const n = Math.min(this.#skip, chunk.length);
      this.#skip -= n;
      if (n === chunk.length) return;
      chunk = chunk.subarray(n);
    }
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    while (this.#buffered >= 4) {
      const head = this.#take(4, false);
      const length = head.readUInt32BE(0);
      if (length > this.#maxBytes) {
        this.#take(4, true);
        this.#onOversized(length);
        const n = Math.min(length, this.#buffered);
        this.#take(n, true);
        this.#skip = length - n;
        continue;
      }
      if (this.#buffered < 4 + length) return;
      this.#take(4, true);
      this.#onFrame(this.#take(length, true));
    }
  }

  /** The first `n` buffered bytes, removed when `consume`. */
  #take(n: number, consume: boolean): Buffer {
    if (n === 0) return Buffer.alloc(0);
    let out: Buffer;
    const first = this.#chunks[0]!;
    if (first.length >= n) out = first.subarray(0, n);
    else {
      const whole = Buffer.concat(this.#chunks);
      this.#chunks = [whole];
      out = whole.subarray(0, n);
    }
    if (consume) {
      const head = this.#chunks[0]!;
      if (head.length === n) this.#chunks.shift();
      else this.#chunks[0] = head.subarray(n);
      this.#buffered -= n;
    }
    return out;
  }
}
