/**
 * A small, dependency-free protobuf writer: the wire format of
 * https://protobuf.dev/programming-guides/encoding/, written field by field into one
 * growable buffer that is reused from one message to the next.
 *
 * - Scalars: varint (`uint32`, `uint64` up to 2^53, `int32`, `bool`, enums), zigzag
 *   (`sint32`), `fixed64` / `sfixed64` (safe integers, or two 32-bit halves for exact
 *   64-bit values such as nanosecond timestamps), `fixed32`, `double`.
 * - Length-delimited: `string` (UTF-8), `bytes`, nested messages (`begin(field)` ...
 *   `end()`), packed repeated varints, `fixed64` and doubles.
 *
 * Nested messages are written in place: `begin()` reserves one byte for the length,
 * `end()` writes it and, for a message of 128 bytes or more, moves the message right by
 * the extra length bytes (one `copyWithin`), so no size pass and no per-message
 * allocation is needed. Each field method writes its tag; proto3 default-value
 * omission is the caller's choice (write a zero only when the field has presence).
 *
 * @module
 * @internal
 */

/** Protobuf wire types. */
export const WireType = Object.freeze({
  /** Varint: int32, int64, uint32, uint64, sint32, sint64, bool, enum. */
  VARINT: 0,
  /** 64-bit: fixed64, sfixed64, double. */
  I64: 1,
  /** Length-delimited: string, bytes, embedded messages, packed repeated fields. */
  LEN: 2,
  /** 32-bit: fixed32, sfixed32, float. */
  I32: 5,
} as const);

const TWO_POW_32 = 4_294_967_296;

/** Bytes the varint of a non-negative integer below 2^53 takes. */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x20_0000) return 3;
  if (value < 0x1000_0000) return 4;
  let size = 4;
  let v = Math.floor(value / 0x1000_0000);
  while (v > 0) {
    size++;
    v = Math.floor(v / 128);
  }
  return size;
}

/**
 * Writes protobuf messages into a reusable buffer.
 *
 * @example
 * ```ts
 * const w = new ProtobufWriter();
 * w.string(1, 'tapemeasure');
 * w.begin(2); // a nested message in field 2
 * w.uint64(1, 42);
 * w.end();
 * const bytes = w.finish(); // a copy; w can be reset() and reused
 * ```
 */
export class ProtobufWriter {
  #buf: Uint8Array;
  #view: DataView;
  #pos = 0;
  /** For each open nested message, the offset of its reserved length byte. */
  readonly #open: number[] = [];

  /** @param initialBytes - the initial capacity; the buffer doubles as needed. */
  constructor(initialBytes = 1024) {
    this.#buf = new Uint8Array(Math.max(16, initialBytes));
    this.#view = new DataView(this.#buf.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#pos;
  }

  /** Empties the writer, keeping its buffer for the next message. */
  reset(): this {
    this.#pos = 0;
    this.#open.length = 0;
    return this;
  }

  /** Makes room for `n` more bytes. */
  #ensure(n: number): void {
    const need = this.#pos + n;
    if (need <= this.#buf.length) return;
    const grown = new Uint8Array(Math.max(need, this.#buf.length * 2));
    grown.set(this.#buf.subarray(0, this.#pos));
    this.#buf = grown;
    this.#view = new DataView(grown.buffer);
  }

  /** A varint of a non-negative integer below 2^53 (no tag). */
  #varint(value: number): void {
    this.#ensure(8);
    const buf = this.#buf;
    let p = this.#pos;
    let v = value;
    if (v < 0x8000_0000) {
      while (v > 0x7f) {
        buf[p++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
    } else {
      // `& 0x7f` reads the low bits of ToInt32(v), which are v's own low bits.
      while (v > 0x7f) {
        buf[p++] = (v & 0x7f) | 0x80;
        v = Math.floor(v / 128);
      }
    }
    buf[p++] = v;
    this.#pos = p;
  }

  /** A 10-byte varint of a negative 64-bit value given as two's-complement halves (no tag). */
  #varint64(lo: number, hi: number): void {
    this.#ensure(10);
    const buf = this.#buf;
    let p = this.#pos;
    let l = lo >>> 0;
    let h = hi >>> 0;
    while (h > 0 || l > 0x7f) {
      buf[p++] = (l & 0x7f) | 0x80;
      l = ((l >>> 7) | (h << 25)) >>> 0;
      h >>>= 7;
    }
    buf[p++] = l;
    this.#pos = p;
  }

  /** A field tag. */
  tag(field: number, wireType: number): void {
    this.#varint(field * 8 + wireType);
  }

  /** A `uint32` or enum field (`value` a non-negative integer). */
  uint32(field: number, value: number): void {
    this.#varint(field * 8);
    this.#varint(value >>> 0);
  }

  /** A `uint64` field of a non-negative safe integer. */
  uint64(field: number, value: number): void {
    this.#varint(field * 8);
    this.#varint(value);
  }

  /** An `int32` or `int64` field of a safe integer (negative values take 10 bytes, as protobuf says). */
  int64(field: number, value: number): void {
    this.#varint(field * 8);
    if (value >= 0) this.#varint(value);
    else {
      const hi = Math.floor(value / TWO_POW_32);
      this.#varint64(value - hi * TWO_POW_32, hi);
    }
  }

  /** A `sint32` field (zigzag: small negative values stay small). */
  sint32(field: number, value: number): void {
    this.#varint(field * 8);
    this.#varint(((value << 1) ^ (value >> 31)) >>> 0);
  }

  /** A `sint64` field of a safe integer (zigzag: `2|v|` or `2|v| - 1`, exact up to 2^52). */
  sint64(field: number, value: number): void {
    this.#varint(field * 8);
    this.#varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  /** A packed repeated `sint64` field of safe integers (|v| < 2^52); nothing when empty. */
  packedSint64(field: number, values: ArrayLike<number>): void {
    const n = values.length;
    if (n === 0) return;
    this.begin(field);
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      this.#varint(v >= 0 ? v * 2 : -v * 2 - 1);
    }
    this.end();
  }

  /** A `bool` field. */
  bool(field: number, value: boolean): void {
    this.#varint(field * 8);
    this.#ensure(1);
    this.#buf[this.#pos++] = value ? 1 : 0;
  }

  /** A `fixed32` field. */
  fixed32(field: number, value: number): void {
    this.#varint(field * 8 + WireType.I32);
    this.#ensure(4);
    this.#view.setUint32(this.#pos, value >>> 0, true);
    this.#pos += 4;
  }

  /** A `fixed64` field of a non-negative safe integer. */
  fixed64(field: number, value: number): void {
    const hi = Math.floor(value / TWO_POW_32);
    this.fixed64Parts(field, value - hi * TWO_POW_32, hi);
  }

  /** An `sfixed64` field of a safe integer. */
  sfixed64(field: number, value: number): void {
    const hi = Math.floor(value / TWO_POW_32);
    this.fixed64Parts(field, value - hi * TWO_POW_32, hi);
  }

  /**
   * A `fixed64` / `sfixed64` field from its low and high 32 bits: exact for values a
   * double cannot hold (nanoseconds since the epoch).
   */
  fixed64Parts(field: number, lo: number, hi: number): void {
    this.#varint(field * 8 + WireType.I64);
    this.#ensure(8);
    this.#view.setUint32(this.#pos, lo >>> 0, true);
    this.#view.setUint32(this.#pos + 4, hi >>> 0, true);
    this.#pos += 8;
  }

  /** A `double` field. */
  double(field: number, value: number): void {
    this.#varint(field * 8 + WireType.I64);
    this.#ensure(8);
    this.#view.setFloat64(this.#pos, value, true);
    this.#pos += 8;
  }

  /** A `string` field, UTF-8 encoded (lone surrogates become U+FFFD). */
  string(field: number, value: string): void {
    this.#varint(field * 8 + WireType.LEN);
    const n = value.length;
    if (n < 0x80) {
      // Short ASCII strings (names, tag keys and values) are copied by hand: faster
      // than a call into the encoder for a few bytes.
      this.#ensure(n + 1);
      const buf = this.#buf;
      const start = this.#pos;
      let p = start + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p++] = c;
      }
      if (i === n) {
        buf[start] = n;
        this.#pos = p;
        return;
      }
    }
    const bytes = Buffer.byteLength(value, 'utf8');
    this.#varint(bytes);
    this.#ensure(bytes);
    utf8Encoder.encodeInto(value, this.#buf.subarray(this.#pos, this.#pos + bytes));
    this.#pos += bytes;
  }

  /** A `bytes` field (or an embedded message encoded elsewhere). */
  bytes(field: number, value: Uint8Array): void {
    this.#varint(field * 8 + WireType.LEN);
    this.#varint(value.length);
    this.raw(value);
  }

  /** Appends bytes that are already protobuf (whole fields encoded earlier and cached). */
  raw(bytes: Uint8Array): void {
    this.#ensure(bytes.length);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
  }

  /** Opens a nested message (or any length-delimited field) in `field`; close it with {@link end}. */
  begin(field: number): void {
    this.#varint(field * 8 + WireType.LEN);
    this.#ensure(1);
    this.#open.push(this.#pos);
    this.#pos++;
  }

  /**
   * Opens a length-delimited message with no field tag (the `encoding=delimited` stream
   * of Prometheus: each message preceded by its varint length); close it with {@link end}.
   */
  beginDelimited(): void {
    this.#ensure(1);
    this.#open.push(this.#pos);
    this.#pos++;
  }

  /**
   * Closes the innermost message opened by {@link begin}.
   *
   * @throws RangeError if no message is open (a bug of the caller).
   */
  end(): void {
    const start = this.#open.pop();
    if (start === undefined) throw new RangeError('ProtobufWriter.end() without begin()');
    const length = this.#pos - start - 1;
    if (length < 0x80) {
      this.#buf[start] = length;
      return;
    }
    const extra = varintSize(length) - 1;
    this.#ensure(extra);
    const buf = this.#buf;
    buf.copyWithin(start + 1 + extra, start + 1, this.#pos);
    this.#pos += extra;
    let v = length;
    let p = start;
    while (v > 0x7f) {
      buf[p++] = (v & 0x7f) | 0x80;
      v = v >>> 7;
    }
    buf[p] = v;
  }

  /** A packed repeated varint field (`uint64`, `uint32`, enums) of non-negative integers; nothing when empty. */
  packedVarint(field: number, values: ArrayLike<number>): void {
    const n = values.length;
    if (n === 0) return;
    this.begin(field);
    // One bound check for the whole run (8 bytes is the longest varint below 2^53).
    this.#ensure(n * 8);
    const buf = this.#buf;
    let p = this.#pos;
    for (let i = 0; i < n; i++) {
      let v = values[i]!;
      if (v < 0x80) {
        buf[p++] = v;
        continue;
      }
      while (v > 0x7f) {
        buf[p++] = (v & 0x7f) | 0x80;
        v = v < 0x8000_0000 ? v >>> 7 : Math.floor(v / 128);
      }
      buf[p++] = v;
    }
    this.#pos = p;
    this.end();
  }

  /** A packed repeated `fixed64` field of non-negative safe integers; nothing when empty. */
  packedFixed64(field: number, values: ArrayLike<number>): void {
    if (values.length === 0) return;
    this.#varint(field * 8 + WireType.LEN);
    this.#varint(values.length * 8);
    this.#ensure(values.length * 8);
    const view = this.#view;
    let p = this.#pos;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      const hi = Math.floor(v / TWO_POW_32);
      view.setUint32(p, (v - hi * TWO_POW_32) >>> 0, true);
      view.setUint32(p + 4, hi >>> 0, true);
      p += 8;
    }
    this.#pos = p;
  }

  /** A packed repeated `double` field; nothing when empty. */
  packedDouble(field: number, values: ArrayLike<number>): void {
    if (values.length === 0) return;
    this.#varint(field * 8 + WireType.LEN);
    this.#varint(values.length * 8);
    this.#ensure(values.length * 8);
    const view = this.#view;
    let p = this.#pos;
    for (let i = 0; i < values.length; i++) {
      view.setFloat64(p, values[i]!, true);
      p += 8;
    }
    this.#pos = p;
  }

  /**
   * A copy of the bytes written. The writer keeps its buffer: `reset()` it to write the
   * next message.
   *
   * @throws RangeError if a nested message is still open (a bug of the caller).
   */
  finish(): Uint8Array {
    if (this.#open.length > 0) throw new RangeError('ProtobufWriter.finish() with an open nested message');
    return this.#buf.slice(0, this.#pos);
  }
}

const utf8Encoder = new TextEncoder();
