/**
 * Graphite's pickle protocol: frames of a 4-byte big-endian length followed by a
 * protocol-2 pickle of `[(path, (timestamp, value)), ...]`, as carbon's pickle receiver
 * reads them.
 *
 * The encoder is our own and writes only the opcodes this one shape needs: PROTO,
 * EMPTY_LIST, MARK/APPENDS (APPEND for a one-item list), BINUNICODE, BININT1/BININT2/BININT/LONG1,
 * BINFLOAT (8-byte IEEE 754, so values keep full precision), TUPLE2 and STOP. The bytes are
 * exactly what CPython writes for the same list after `pickletools.optimize()` (which only
 * drops unused memo writes), and carbon's safe unpickler accepts them (no globals).
 * See https://github.com/python/cpython/blob/main/Lib/pickle.py.
 *
 * @module
 */

import { integer, readOptions } from '../internal/options.js';
import type { GraphitePoint } from './graphite-path.js';

/**
 * Carbon's default `PICKLE_RECEIVER_MAX_LENGTH`: the largest pickle payload (bytes, not
 * counting the 4-byte length) it accepts in one frame; larger frames close the connection.
 */
export const CARBON_MAX_PICKLE_BYTES = 1_048_576;

/** Options of {@link encodeGraphitePickle}. */
export type GraphitePickleOptions = {
  /**
   * The largest pickle payload per frame in bytes (the 4-byte length prefix not counted).
   * Points are split across as many frames as needed; one point that cannot fit in an
   * empty frame is dropped and counted.
   *
   * @defaultValue {@link CARBON_MAX_PICKLE_BYTES} (1 MiB)
   */
  readonly maxFrameBytes?: number;
};

/** What {@link encodeGraphitePickle} returns. */
export type GraphitePickleFrames = {
  /** Complete frames, each `uint32be length` + pickle, ready to write to carbon's pickle port. */
  readonly frames: Buffer[];
  /** How many points each frame holds. */
  readonly framePoints: number[];
  /** Points written. */
  readonly points: number;
  /** Points dropped because even alone they exceed `maxFrameBytes`. */
  readonly droppedPoints: number;
};

const PROTO = 0x80;
const EMPTY_LIST = 0x5d; // ]
const MARK = 0x28; // (
const APPENDS = 0x65; // e
const APPEND = 0x61; // a
const BINUNICODE = 0x58; // X
const BININT1 = 0x4b; // K
const BININT2 = 0x4d; // M
const BININT = 0x4a; // J
const LONG1 = 0x8a;
const BINFLOAT = 0x47; // G
const TUPLE2 = 0x86;
const STOP = 0x2e; // .
/** CPython's pickler writes list items in batches of this many (`_BATCHSIZE`). */
const BATCH = 1000;
/** PROTO 2 + EMPTY_LIST + STOP. */
const FIXED_BYTES = 4;
/** The smallest frame limit that fits at least a one-character point. */
const MIN_FRAME_BYTES = 64;

/**
 * The schema of {@link GraphitePickleOptions}.
 *
 * @internal
 */
export const GRAPHITE_PICKLE_OPTIONS = Object.freeze({ maxFrameBytes: integer(MIN_FRAME_BYTES, 2 ** 30) });

/** Bytes of the integer `n` as CPython pickles it (protocol 2). */
function intBytes(n: number): number {
  if (n >= 0 && n <= 0xff) return 2;
  if (n >= 0 && n <= 0xffff) return 3;
  if (n >= -0x80000000 && n <= 0x7fffffff) return 5;
  return 2 + long1Length(n);
}

/** Length of the minimal little-endian two's complement encoding CPython's encode_long uses (safe integers only). */
function long1Length(n: number): number {
  const v = BigInt(n);
  let bytes = 1;
  while (!(v >= -(1n << BigInt(bytes * 8 - 1)) && v < 1n << BigInt(bytes * 8 - 1))) bytes++;
  return bytes;
}

function writeInt(buf: Buffer, off: number, n: number): number {
  if (n >= 0 && n <= 0xff) {
    buf[off] = BININT1;
    buf[off + 1] = n;
    return off + 2;
  }
  if (n >= 0 && n <= 0xffff) {
    buf[off] = BININT2;
    buf.writeUInt16LE(n, off + 1);
    return off + 3;
  }
  if (n >= -0x80000000 && n <= 0x7fffffff) {
    buf[off] = BININT;
    buf.writeInt32LE(n, off + 1);
    return off + 5;
  }
  const len = long1Length(n);
  buf[off] = LONG1;
  buf[off + 1] = len;
  let v = BigInt.asUintN(len * 8, BigInt(n));
  for (let i = 0; i < len; i++) {
    buf[off + 2 + i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return off + 2 + len;
}

/**
 * Overhead bytes of the batching for `n` items: a one-item list is `item APPEND`; otherwise
 * every batch of up to 1000 is `MARK items APPENDS`, as CPython's C pickler writes it
 * (`batch_list_exact` in Modules/_pickle.c; the pure-Python pickler differs for a lone last item).
 */
function batchBytes(n: number): number {
  return n === 1 ? 1 : Math.ceil(n / BATCH) * 2;
}

/**
 * Encodes datapoints as pickle frames for carbon's pickle receiver, skipping NaN and
 * infinite values and splitting into frames of at most `maxFrameBytes` of pickle each.
 *
 * @throws {@link InvalidOptionError} if `maxFrameBytes` is not an integer of at least 64;
 *   {@link UnknownOptionError} for an unknown option.
 * @example
 * ```ts
 * import { encodeGraphitePickle } from 'tapemeasure';
 *
 * const { frames } = encodeGraphitePickle([{ path: 'a.b', value: 1.5, timestampS: 1_700_000_000 }]);
 * console.log(frames[0]?.length); // 33: write it to carbon's PICKLE_RECEIVER_PORT (2004 by default)
 * ```
 */
export function encodeGraphitePickle(
  points: readonly GraphitePoint[],
  options: GraphitePickleOptions = {},
): GraphitePickleFrames {
  const maxFrameBytes = readOptions('encodeGraphitePickle', options, GRAPHITE_PICKLE_OPTIONS).maxFrameBytes;
  return pickleFrames(points, maxFrameBytes ?? CARBON_MAX_PICKLE_BYTES);
}

/**
 * {@link encodeGraphitePickle} with its option already checked (an integer of at least 64).
 *
 * @internal
 */
export function pickleFrames(points: readonly GraphitePoint[], maxFrameBytes: number): GraphitePickleFrames {
  const frames: Buffer[] = [];
  const framePoints: number[] = [];
  let dropped = 0;
  let written = 0;
  // First pass per frame: pick the points and measure them; second: write them.
  const chosen: GraphitePoint[] = [];
  const pathBytes: number[] = [];
  let size = FIXED_BYTES;
  const flush = (): void => {
    if (chosen.length === 0) return;
    frames.push(writeFrame(chosen, pathBytes, size + batchBytes(chosen.length)));
    framePoints.push(chosen.length);
    written += chosen.length;
    chosen.length = 0;
    pathBytes.length = 0;
    size = FIXED_BYTES;
  };
  for (const p of points) {
    if (!Number.isFinite(p.value) || !Number.isSafeInteger(Math.floor(p.timestampS))) continue;
    const ts = Math.floor(p.timestampS);
    const plen = Buffer.byteLength(p.path, 'utf8');
    // X + len32 + path, the timestamp, G + double, two TUPLE2.
    const itemBytes = 5 + plen + intBytes(ts) + 9 + 2;
    if (FIXED_BYTES + itemBytes + 1 > maxFrameBytes) {
      dropped++;
      continue;
    }
    if (size + itemBytes + batchBytes(chosen.length + 1) > maxFrameBytes) flush();
    chosen.push(p);
    pathBytes.push(plen);
    size += itemBytes;
  }
  flush();
  return { frames, framePoints, points: written, droppedPoints: dropped };
}

function writeFrame(points: readonly GraphitePoint[], pathBytes: readonly number[], payloadBytes: number): Buffer {
  const buf = Buffer.allocUnsafe(4 + payloadBytes);
  buf.writeUInt32BE(payloadBytes, 0);
  let off = 4;
  buf[off++] = PROTO;
  buf[off++] = 2;
  buf[off++] = EMPTY_LIST;
  const lone = points.length === 1;
  for (let start = 0; start < points.length; start += BATCH) {
    const end = Math.min(points.length, start + BATCH);
    if (!lone) buf[off++] = MARK;
    for (let i = start; i < end; i++) {
      const p = points[i]!;
      const plen = pathBytes[i]!;
      buf[off] = BINUNICODE;
      buf.writeUInt32LE(plen, off + 1);
      buf.write(p.path, off + 5, plen, 'utf8');
      off += 5 + plen;
      off = writeInt(buf, off, Math.floor(p.timestampS));
      buf[off] = BINFLOAT;
      buf.writeDoubleBE(p.value, off + 1);
      off += 9;
      buf[off++] = TUPLE2;
      buf[off++] = TUPLE2;
    }
    buf[off++] = lone ? APPEND : APPENDS;
  }
  buf[off++] = STOP;
  if (off !== buf.length) throw new Error(`pickle size mismatch: wrote ${off - 4}, expected ${payloadBytes}`);
  return buf;
}
