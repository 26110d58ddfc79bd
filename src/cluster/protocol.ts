/**
 * The wire between `forward()` and `aggregate()`, version 2: one frame is a compact
 * binary record (version 1 was one JSON text: ~550 bytes per changed timer, and the
 * aggregator parsed ~45 MB of JSON into objects per round of 8 × 10,000 timers).
 *
 * ```text
 * frame   = "T" "M" version:u8 type:u8 session:str worker:str seq:uv intervalMs:uv n:uv series{n}
 * series  = length:uv body                      (a malformed body is skipped by its length)
 * body    = kind:u8 name:str tags:uv (key:str value:str){tags} rest
 *   c | m = total:num                           (a counter's / meter's count)
 *   g     = policy:u8 has:u8 [value:f64]        (has = 0: reading the gauge failed)
 *   h | t = digits:u8 resolution:num ticksPerSlice:uv slices:uv count:num sum:f64 k:uv slice{k}
 * slice   = index:num count:uv sum min max shift s1 s2:f64 b:uv (gap:uv count:uv){b}
 * uv      = unsigned LEB128 varint (at most 2^53 - 1)
 * num     = uv 2n for an integer 0 <= n < 2^52, else uv 1 and an f64
 * str     = length:uv UTF-8 bytes               f64 = little-endian IEEE 754
 * ```
 *
 * `type` is 1 (push) or 2 (bye); `kind` 1 to 5 is c, m, g, h, t; `policy` 0 to 4 is
 * sum, min, max, last, perWorker. A histogram's or timer's `count` and `sum` are its
 * lifetime totals (so a lost or repeated frame cannot skew them), and each slice entry
 * is what was added to that window slice since the last push, its bucket indexes as
 * gaps (the first absolute).
 *
 * Over `node:cluster` IPC (Node's JSON serialization) a frame travels base64-encoded as
 * the string field of `{ tapemeasure: 2, frame }`: one string to parse, not thousands of
 * objects, and other users of the channel are untouched. Over a worker_threads port the
 * frame's `ArrayBuffer` is transferred in the same envelope; over a socket it is raw
 * bytes behind a 4-byte big-endian length (`framing.ts`).
 *
 * Totals and values are state, not events: applying a frame twice changes nothing (the
 * receiver also skips frames of a session whose `seq` it has seen).
 *
 * @module
 * @internal
 */

import type { GaugeAggregation } from '../metrics/gauge.js';
import type { Tags } from '../names.js';
import type { SliceDelta } from '../stats/slice-delta.js';

/** The protocol version: the value of the `tapemeasure` key and the third byte of a frame. @internal */
export const PROTOCOL_VERSION = 2;

/** The IPC / port message that carries one frame: base64 over IPC, an `ArrayBuffer` over a port. @internal */
export type FrameMessage = { readonly tapemeasure: typeof PROTOCOL_VERSION; readonly frame: string | ArrayBuffer };

/** Whether an IPC or port message is ours (whatever its version): other messages are left alone. @internal */
export function isTapemeasureMessage(message: unknown): message is { readonly tapemeasure: unknown; readonly frame?: unknown } {
  return typeof message === 'object' && message !== null && Object.hasOwn(message, 'tapemeasure');
}

/** Frame types. @internal */
export const PUSH = 1;
/** @internal */
export const BYE = 2;

/** Series kinds on the wire. @internal */
export const KIND = Object.freeze({ c: 1, m: 2, g: 3, h: 4, t: 5 });
const KIND_CHARS = ['', 'c', 'm', 'g', 'h', 't'] as const;
const POLICIES: readonly GaugeAggregation[] = ['sum', 'min', 'max', 'last', 'perWorker'];

/** A gauge policy's wire code. @internal */
export function policyCode(policy: GaugeAggregation): number {
  return POLICIES.indexOf(policy);
}

/** A worker id is at most 256 characters; a session id is the worker id, the pid and a UUID. */
const MAX_ID_LENGTH = 512;
const MAX_NAME_LENGTH = 4_096;
const MAX_TAGS = 64;
/** More buckets than any HDR layout of 5 significant digits over 2^53 holds. */
const MAX_BUCKETS = 1 << 22;
const TWO_52 = 2 ** 52;
const UTF8 = new TextEncoder();
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

// ---------------------------------------------------------------------------------
// Writing

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

  /** A number: a small varint for a non-negative integer, else a marker and an f64. */
  num(value: number): void {
    if (Number.isInteger(value) && value >= 0 && value < TWO_52) this.uv(value * 2);
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

/** The bytes of a series' head: kind, name and tags (built once per series). @internal */
export function encodeHead(kind: keyof typeof KIND, name: string, tags: Tags): Uint8Array {
  const w = new ByteWriter(64 + name.length * 3);
  w.u8(KIND[kind]);
  w.str(name);
  const keys = Object.keys(tags);
  w.uv(keys.length);
  for (const k of keys) {
    w.str(k);
    w.str(tags[k]!);
  }
  return w.bytes.slice();
}

/** Writes one slice entry. @internal */
export function writeSlice(w: ByteWriter, slice: number, d: SliceDelta): void {
  w.num(slice);
  w.uv(d.count);
  w.f64(d.sum);
  w.f64(d.min);
  w.f64(d.max);
  w.f64(d.shift);
  w.f64(d.s1);
  w.f64(d.s2);
  const n = d.indexes.length;
  w.uv(n);
  let previous = 0;
  for (let i = 0; i < n; i++) {
    const index = d.indexes[i]!;
    w.uv(i === 0 ? index : index - previous);
    w.uv(d.counts[i]!);
    previous = index;
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

/** Writes a frame's envelope (the series follow, each as `length:uv body`). @internal */
export function writeEnvelope(
  w: ByteWriter, type: typeof PUSH | typeof BYE, session: string, worker: string, seq: number, intervalMs: number, series: number,
): void {
  w.u8(0x54); // T
  w.u8(0x4d); // M
  w.u8(PROTOCOL_VERSION);
  w.u8(type);
  w.str(session);
  w.str(worker);
  w.uv(seq);
  w.uv(intervalMs);
  w.uv(series);
}

/** A whole bye frame. @internal */
export function byeFrame(session: string, worker: string, seq: number, intervalMs: number): Uint8Array {
  const w = new ByteWriter(128 + session.length * 3 + worker.length * 3);
  writeEnvelope(w, BYE, session, worker, seq, intervalMs, 0);
  return w.bytes.slice();
}

// ---------------------------------------------------------------------------------
// Reading

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

/** A decoded frame envelope; its series are read one at a time from `reader`. @internal */
export type Frame = {
  readonly type: 'push' | 'bye';
  readonly session: string;
  readonly worker: string;
  readonly seq: number;
  readonly intervalMs: number;
  /** How many series follow. */
  readonly series: number;
  /** Positioned at the first series. */
  readonly reader: ByteReader;
};

/**
 * Decodes and checks one frame's envelope; a string says why it was refused (one
 * starting with "unknown version" for another version of the wire).
 *
 * @internal
 */
export function decodeFrame(bytes: Uint8Array): Frame | string {
  if (bytes.length > 0 && bytes[0] === 0x7b) return 'unknown version 1 (JSON)';
  if (bytes.length < 4 || bytes[0] !== 0x54 || bytes[1] !== 0x4d) return 'not a tapemeasure frame';
  if (bytes[2] !== PROTOCOL_VERSION) return `unknown version ${bytes[2]!}`;
  const type = bytes[3] === PUSH ? 'push' : bytes[3] === BYE ? 'bye' : null;
  if (type === null) return 'unknown type';
  const r = new ByteReader(bytes);
  r.pos = 4;
  try {
    const session = r.str(MAX_ID_LENGTH);
    const worker = r.str(MAX_ID_LENGTH);
    // The worker id becomes a tag value: no control characters.
    if (CONTROL.test(session) || CONTROL.test(worker)) return 'bad session or worker id';
    const seq = r.uv();
    const intervalMs = r.uv();
    const series = r.uv();
    // Each series takes at least two bytes.
    if (series * 2 > r.end - r.pos) return 'truncated';
    return { type, session, worker, seq, intervalMs, series, reader: r };
  } catch (error) {
    if (isMalformed(error)) return 'truncated or malformed envelope';
    throw error;
  }
}

/** One window slice's delta with the slice's index. @internal */
export type SliceEntry = { readonly slice: number; readonly delta: SliceDelta };

/** The head of a series: its kind, and its identity as a string key (its head bytes, latin1). @internal */
export type Head = {
  readonly kind: 'c' | 'm' | 'g' | 'h' | 't';
  /** Unique per kind, name and tags (in the order sent). */
  readonly key: string;
  /** Where the name starts (decoded only for a series new to the session). */
  readonly nameAt: number;
};

/**
 * Reads a series head without decoding its strings: the key is the raw head bytes.
 *
 * @internal
 */
export function readHead(r: ByteReader): Head {
  const start = r.pos;
  const code = r.u8();
  const kind = KIND_CHARS[code];
  if (kind === undefined || kind === '') throw MALFORMED;
  const nameAt = r.pos;
  r.skipStr();
  const tags = r.uv();
  if (tags > MAX_TAGS) throw MALFORMED;
  for (let i = 0; i < tags; i++) {
    r.skipStr();
    r.skipStr();
  }
  const key = r.bytes.toString('latin1', start, r.pos);
  return { kind, key, nameAt };
}

/** Decodes the name and tags of a head read by {@link readHead} (its reader is left where it was). @internal */
export function readIdentity(r: ByteReader, head: Head): { name: string; tags: Tags | undefined } {
  const pos = r.pos;
  r.pos = head.nameAt;
  try {
    const name = r.str(MAX_NAME_LENGTH);
    const n = r.uv();
    let tags: Record<string, string> | undefined;
    if (n > 0) {
      tags = Object.create(null) as Record<string, string>;
      for (let i = 0; i < n; i++) {
        const k = r.str(MAX_NAME_LENGTH);
        const v = r.str(MAX_NAME_LENGTH);
        if (Object.hasOwn(tags, k)) throw MALFORMED;
        tags[k] = v;
      }
      tags = { ...tags };
    }
    return { name, tags };
  } finally {
    r.pos = pos;
  }
}

/** A counter's or meter's total. @internal */
export function readTotal(r: ByteReader, kind: 'c' | 'm'): number {
  const total = r.num();
  if (!Number.isFinite(total) || (kind === 'm' && !Number.isSafeInteger(total))) throw MALFORMED;
  return total;
}

/** A checked gauge entry. @internal */
export type GaugeEntry = {
  readonly kind: 'g';
  readonly name: string;
  readonly tags: Tags | undefined;
  readonly policy: GaugeAggregation;
  readonly value: number | null;
};

/** A gauge's policy and value. @internal */
export function readGauge(r: ByteReader): { policy: GaugeAggregation; value: number | null } {
  const policy = POLICIES[r.u8()];
  if (policy === undefined) throw MALFORMED;
  const has = r.u8();
  if (has > 1) throw MALFORMED;
  return { policy, value: has === 0 ? null : r.finite() };
}

/** A histogram's or timer's layout and totals. @internal */
export type DistributionHead = {
  readonly digits: number;
  readonly resolution: number;
  readonly ticksPerSlice: number;
  readonly slices: number;
  readonly count: number;
  readonly sum: number;
  /** Slice entries that follow. */
  readonly entries: number;
};

/** Reads what precedes a histogram's slice entries. @internal */
export function readDistributionHead(r: ByteReader): DistributionHead {
  const digits = r.u8();
  if (digits < 1 || digits > 5) throw MALFORMED;
  const resolution = r.num();
  if (!Number.isFinite(resolution) || resolution <= 0) throw MALFORMED;
  const ticksPerSlice = r.uv();
  const slices = r.uv();
  if (ticksPerSlice < 1 || slices < 1 || slices > 60) throw MALFORMED;
  const count = r.num();
  if (!Number.isSafeInteger(count) || count < 0) throw MALFORMED;
  const sum = r.finite();
  const entries = r.uv();
  if (entries > slices) throw MALFORMED;
  return { digits, resolution, ticksPerSlice, slices, count, sum, entries };
}

/**
 * Reads one slice entry, checked: buckets ascending within `maxIndex`, counts that add
 * up to the slice's count.
 *
 * @internal
 */
export function readSlice(r: ByteReader, maxIndex: number): SliceEntry {
  const slice = r.num();
  if (!Number.isSafeInteger(slice)) throw MALFORMED;
  const count = r.uv();
  if (count === 0) throw MALFORMED;
  const sum = r.finite();
  const min = r.finite();
  const max = r.finite();
  const shift = r.finite();
  const s1 = r.finite();
  const s2 = r.finite();
  const n = r.uv();
  // Each bucket takes at least two bytes.
  if (n > MAX_BUCKETS || n * 2 > r.end - r.pos) throw MALFORMED;
  const indexes = new Array<number>(n);
  const counts = new Array<number>(n);
  let index = -1;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const gap = r.uv();
    const c = r.uv();
    if ((i > 0 && gap === 0) || c === 0) throw MALFORMED;
    index = i === 0 ? gap : index + gap;
    if (index > maxIndex) throw MALFORMED;
    indexes[i] = index;
    counts[i] = c;
    total += c;
  }
  if (total !== count) throw MALFORMED;
  return { slice, delta: { count, sum, min, max, shift, s1, s2, indexes, counts } };
}

/** Throws the reader's "malformed" marker. @internal */
export function malformed(): never {
  throw MALFORMED;
}
