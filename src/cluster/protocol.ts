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

import type { MessagePort } from 'node:worker_threads';
import type { GaugeAggregation } from '../metrics/gauge.js';
import type { Tags } from '../names.js';
import type { SliceDelta } from '../stats/slice-delta.js';
import { ByteReader, ByteWriter, isMalformed, malformed } from './bytes.js';

/** The protocol version: the value of the `tapemeasure` key and the third byte of a frame. @internal */
export const PROTOCOL_VERSION = 2;

/** The IPC / port message that carries one frame: base64 over IPC, an `ArrayBuffer` over a port. @internal */
export type FrameMessage = {
  readonly tapemeasure: typeof PROTOCOL_VERSION;
  readonly frame: string | ArrayBuffer;
  /** Over a port, with a channel's first frame: where the aggregator says it is done with each frame (see `PortChannel`). */
  readonly ackPort?: MessagePort;
};

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
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

// ---------------------------------------------------------------------------------
// Writing


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
  if (kind === undefined || kind === '') malformed();
  const nameAt = r.pos;
  r.skipStr();
  const tags = r.uv();
  if (tags > MAX_TAGS) malformed();
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
        if (Object.hasOwn(tags, k)) malformed();
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
  if (!Number.isFinite(total) || (kind === 'm' && !Number.isSafeInteger(total))) malformed();
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
  if (policy === undefined) malformed();
  const has = r.u8();
  if (has > 1) malformed();
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
  if (digits < 1 || digits > 5) malformed();
  const resolution = r.num();
  if (!Number.isFinite(resolution) || resolution <= 0) malformed();
  const ticksPerSlice = r.uv();
  const slices = r.uv();
  if (ticksPerSlice < 1 || slices < 1 || slices > 60) malformed();
  const count = r.num();
  if (!Number.isSafeInteger(count) || count < 0) malformed();
  const sum = r.finite();
  const entries = r.uv();
  if (entries > slices) malformed();
  return { digits, resolution, ticksPerSlice, slices, count, sum, entries };
}

/**
 * Reusable storage for the buckets of the slices of one series being read: views into
 * two typed arrays that grow as needed, instead of two new arrays per slice (the garbage
 * of a merge of thousands of series). The views of a series are valid until the next
 * {@link BucketScratch.reset}.
 *
 * @internal
 */
export class BucketScratch {
  #indexes = new Int32Array(1_024);
  #counts = new Float64Array(1_024);
  #used = 0;

  /** Makes every earlier view free to reuse (the series they held is merged). */
  reset(): void {
    this.#used = 0;
  }

  /** Room for `n` buckets: views of the index and count storage. */
  take(n: number): { readonly indexes: Int32Array; readonly counts: Float64Array } {
    if (this.#used + n > this.#indexes.length) {
      // Earlier views keep the old storage alive until their series is merged.
      const size = Math.max(2 * this.#indexes.length, n);
      this.#indexes = new Int32Array(size);
      this.#counts = new Float64Array(size);
      this.#used = 0;
    }
    const from = this.#used;
    this.#used += n;
    return { indexes: this.#indexes.subarray(from, from + n), counts: this.#counts.subarray(from, from + n) };
  }
}

/**
 * Reads one slice entry, checked: buckets ascending within `maxIndex`, counts that add
 * up to the slice's count. With `scratch`, its buckets are views into it (valid until
 * its next reset), not arrays of their own.
 *
 * @internal
 */
export function readSlice(r: ByteReader, maxIndex: number, scratch?: BucketScratch): SliceEntry {
  const slice = r.num();
  if (!Number.isSafeInteger(slice)) malformed();
  const count = r.uv();
  if (count === 0) malformed();
  const sum = r.finite();
  const min = r.finite();
  const max = r.finite();
  const shift = r.finite();
  const s1 = r.finite();
  const s2 = r.finite();
  const n = r.uv();
  // Each bucket takes at least two bytes.
  if (n > MAX_BUCKETS || n * 2 > r.end - r.pos) malformed();
  const room = scratch?.take(n);
  const indexes: number[] | Int32Array = room?.indexes ?? new Array<number>(n);
  const counts: number[] | Float64Array = room?.counts ?? new Array<number>(n);
  let index = -1;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const gap = r.uv();
    const c = r.uv();
    if ((i > 0 && gap === 0) || c === 0) malformed();
    index = i === 0 ? gap : index + gap;
    if (index > maxIndex) malformed();
    indexes[i] = index;
    counts[i] = c;
    total += c;
  }
  if (total !== count) malformed();
  return { slice, delta: { count, sum, min, max, shift, s1, s2, indexes, counts } };
}

