/**
 * The cluster wire's byte primitives (protocol.ts lays the frames out with them):
 * unsigned LEB128 varints up to 2^53 - 1, little-endian f64s, a "num" (a small varint
 * for a non-negative integer below 2^52, else a marker and an f64) and length-prefixed
 * UTF-8 strings. The reader checks every bound and throws one shared marker on bad
 * bytes, which its user catches per series ({@link isMalformed}).
 *
 * @module
 * @internal
 */

import { Buffer } from 'node:buffer';

const TWO_52 = 2 ** 52;
const UTF8 = new TextEncoder();

/**
 * A growable byte buffer with the wire's primitives. One per forwarder, reused from
 * push to push.
 *
 * @internal
 */
export class ByteWriter {
  #bytes: Uint8Array;
  #view: DataView;
  /** Bytes written. */
  length = 0;

  constructor(capacity = 4_096) {
    this.#bytes = new Uint8Array(capacity);
    this.#view = new DataView(this.#bytes.buffer);
  }

  /** What was written (a view: valid until the next write or reset). */
  get bytes(): Uint8Array {
    return this.#bytes.subarray(0, this.length);
  }

  reset(): void {
    this.length = 0;
  }

  #room(n: number): void {
    if (this.length + n <= this.#bytes.length) return;
    let size = this.#bytes.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#bytes.subarray(0, this.length));
    this.#bytes = next;
    this.#view = new DataView(next.buffer);
  }

  u8(value: number): void {
    this.#room(1);
    this.#bytes[this.length++] = value;
  }

  /** An unsigned varint (0 to 2^53 - 1). */
  uv(value: number): void {
    this.#room(8);
    const b = this.#bytes;
    let v = value;
    while (v >= 0x80) {
      b[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    b[this.length++] = v;
  }

  f64(value: number): void {
    this.#room(8);
    this.#view.setFloat64(this.length, value, true);
    this.length += 8;
  }

  /** A number: a small varint for a non-negative integer, else a marker and an f64 (-0 too: it stays -0). */
  num(value: number): void {
    if (Number.isInteger(value) && value >= 0 && value < TWO_52 && !Object.is(value, -0)) this.uv(value * 2);
    else {
      this.uv(1);
      this.f64(value);
    }
  }

  str(value: string): void {
    const max = value.length * 3;
    this.#room(max + 8);
    // Write the bytes after room for the longest length prefix, then move them if shorter.
    const at = this.length;
    const prefix = max < 0x80 ? 1 : max < 0x4000 ? 2 : 3;
    const n = UTF8.encodeInto(value, this.#bytes.subarray(at + prefix)).written;
    this.uv(n);
    if (this.length !== at + prefix) this.#bytes.copyWithin(this.length, at + prefix, at + prefix + n);
    this.length += n;
  }

  /** Appends raw bytes. */
  raw(bytes: Uint8Array): void {
    this.#room(bytes.length);
    this.#bytes.set(bytes, this.length);
    this.length += bytes.length;
  }
}

/** The length in bytes of a varint. @internal */
export function uvLength(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    n++;
  }
  return n;
}

/** Thrown when bytes do not decode: one instance, made once (a throw captures no new stack). */
const MALFORMED = new Error('tapemeasure: a malformed frame');

/**
 * A cursor over a frame's bytes. Every read checks its bounds; a bad read throws
 * {@link MALFORMED}, which the reader's user catches per series.
 *
 * @internal
 */
export class ByteReader {
  readonly bytes: Buffer;
  readonly #view: DataView;
  pos: number;
  end: number;

  constructor(bytes: Uint8Array) {
    this.bytes = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
    this.end = bytes.length;
  }

  u8(): number {
    if (this.pos >= this.end) throw MALFORMED;
    return this.bytes[this.pos++]!;
  }

  uv(): number {
    const b = this.bytes;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.end) throw MALFORMED;
      const byte = b[this.pos++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (value > Number.MAX_SAFE_INTEGER) throw MALFORMED;
        return value;
      }
      scale *= 0x80;
    }
    throw MALFORMED;
  }

  f64(): number {
    if (this.pos + 8 > this.end) throw MALFORMED;
    const value = this.#view.getFloat64(this.pos, true);
    this.pos += 8;
    return value;
  }

  num(): number {
    const v = this.uv();
    if (v === 1) return this.f64();
    if (v % 2 !== 0) throw MALFORMED;
    return v / 2;
  }

  /** A finite f64. */
  finite(): number {
    const v = this.f64();
    if (!Number.isFinite(v)) throw MALFORMED;
    return v;
  }

  str(max: number): string {
    const n = this.uv();
    if (n === 0 || n > max * 3 || this.pos + n > this.end) throw MALFORMED;
    const text = this.bytes.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    if (text.length > max) throw MALFORMED;
    return text;
  }

  /** Skips a string; its bytes stay in place. */
  skipStr(): void {
    const n = this.uv();
    if (n === 0 || this.pos + n > this.end) throw MALFORMED;
    this.pos += n;
  }
}

/** Whether an exception is the reader's "malformed" (anything else is a bug). @internal */
export function isMalformed(error: unknown): boolean {
  return error === MALFORMED;
}

/** Throws the reader's "malformed" marker. @internal */
export function malformed(): never {
  throw MALFORMED;
}
