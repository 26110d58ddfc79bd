/**
 * The wire between `forward()` and `aggregate()`, version 1: one frame is one JSON text.
 *
 * ```text
 * {"tapemeasure":1,"type":"push","session":"…","worker":"3","seq":7,"intervalMs":1000,"series":[…]}
 * {"tapemeasure":1,"type":"bye","session":"…","worker":"3","seq":8}
 * ```
 *
 * Over `node:cluster` IPC and worker_threads ports a frame travels as the string field of
 * `{ tapemeasure: 1, frame }` (so other users of the channel are untouched, and the
 * receiver checks its size before parsing it); over a socket, as a 4-byte big-endian
 * length and the UTF-8 text (`framing.ts`).
 *
 * A series entry is an array, its first element its kind:
 *
 * - `["c", name, tags, total]`: a counter's count; `["m", …]`: a meter's count.
 * - `["g", name, tags, policy, value]`: a gauge's value (`null` when reading it failed).
 * - `["h" | "t", name, tags, digits, resolution, ticksPerSlice, slices, count, sum, slices]`:
 *   a histogram's or timer's lifetime count and sum (totals, so a lost or repeated frame
 *   cannot skew them), and what was added to each window slice since the last push:
 *   `[slice, count, sum, min, max, shift, s1, s2, indexGaps, counts]`, bucket indexes
 *   as gaps (the first absolute).
 *
 * `tags` is `0` for an untagged series. Totals and values are state, not events:
 * applying a frame twice changes nothing (the receiver also skips frames of a session
 * whose `seq` it has seen).
 *
 * @module
 * @internal
 */

import type { GaugeAggregation } from '../metrics/gauge.js';
import type { Tags } from '../names.js';
import type { SliceDelta } from '../stats/slice-delta.js';

/** The protocol version, the value of the `tapemeasure` key. @internal */
export const PROTOCOL_VERSION = 1;

/** The IPC / port message that carries one frame. @internal */
export type FrameMessage = { readonly tapemeasure: typeof PROTOCOL_VERSION; readonly frame: string };

/** Whether an IPC or port message is ours (whatever its version): other messages are left alone. @internal */
export function isTapemeasureMessage(message: unknown): message is { readonly tapemeasure: unknown; readonly frame?: unknown } {
  return typeof message === 'object' && message !== null && Object.hasOwn(message, 'tapemeasure');
}

/** A decoded push or bye frame (its series still raw: each is checked as it is applied). @internal */
export type Frame = {
  readonly type: 'push' | 'bye';
  readonly session: string;
  readonly worker: string;
  readonly seq: number;
  readonly intervalMs: number;
  readonly series: readonly unknown[];
};

/** One window slice's delta with the slice's index. @internal */
export type SliceEntry = { readonly slice: number; readonly delta: SliceDelta };

/** A checked series entry. @internal */
export type Entry =
  | { readonly kind: 'c' | 'm'; readonly name: string; readonly tags: Tags | undefined; readonly total: number }
  | {
      readonly kind: 'g';
      readonly name: string;
      readonly tags: Tags | undefined;
      readonly policy: GaugeAggregation;
      readonly value: number | null;
    }
  | {
      readonly kind: 'h' | 't';
      readonly name: string;
      readonly tags: Tags | undefined;
      readonly digits: number;
      readonly resolution: number;
      readonly ticksPerSlice: number;
      readonly slices: number;
      readonly count: number;
      readonly sum: number;
      readonly deltas: readonly SliceEntry[];
    };

const POLICIES: ReadonlySet<string> = new Set(['sum', 'min', 'max', 'last', 'perWorker']);
const MAX_ID_LENGTH = 256;
/** More buckets than any HDR layout of 5 significant digits over 2^53 holds. */
const MAX_BUCKETS = 1 << 22;

function isText(value: unknown, max = MAX_ID_LENGTH): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= max;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Parses and checks one frame's envelope; a string says why it was refused.
 *
 * @internal
 */
export function decodeFrame(text: string): Frame | string {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'not an object';
  const f = raw as Record<string, unknown>;
  if (f.tapemeasure !== PROTOCOL_VERSION) return `unknown version ${JSON.stringify(f.tapemeasure) ?? 'undefined'}`;
  if (f.type !== 'push' && f.type !== 'bye') return 'unknown type';
  if (!isText(f.session) || !isText(f.worker)) return 'bad session or worker';
  if (!isCount(f.seq)) return 'bad seq';
  const intervalMs = f.intervalMs ?? 0;
  if (!isCount(intervalMs)) return 'bad intervalMs';
  const series = f.series ?? [];
  if (!Array.isArray(series)) return 'bad series';
  return { type: f.type, session: f.session, worker: f.worker, seq: f.seq, intervalMs, series };
}

function readTags(value: unknown): Tags | undefined | null {
  if (value === 0) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  for (const v of Object.values(value)) if (typeof v !== 'string') return null;
  return value as Tags;
}

function readSlice(raw: unknown, maxIndex: number): SliceEntry | null {
  if (!Array.isArray(raw) || raw.length !== 10) return null;
  const [slice, count, sum, min, max, shift, s1, s2, gaps, counts] = raw as unknown[];
  if (typeof slice !== 'number' || !Number.isSafeInteger(slice)) return null;
  if (!isCount(count) || count === 0) return null;
  for (const x of [sum, min, max, shift, s1, s2]) if (!isFiniteNumber(x)) return null;
  if (!Array.isArray(gaps) || !Array.isArray(counts) || gaps.length !== counts.length || gaps.length > MAX_BUCKETS) return null;
  const indexes: number[] = new Array<number>(gaps.length);
  let index = -1;
  let total = 0;
  for (let i = 0; i < gaps.length; i++) {
    const gap = gaps[i] as unknown;
    const c = counts[i] as unknown;
    if (!isCount(gap) || (i > 0 && gap === 0) || !isCount(c) || c === 0) return null;
    index = i === 0 ? gap : index + gap;
    if (index > maxIndex) return null;
    indexes[i] = index;
    total += c;
  }
  if (total !== count) return null;
  return {
    slice,
    delta: {
      count, sum: sum as number, min: min as number, max: max as number,
      shift: shift as number, s1: s1 as number, s2: s2 as number, indexes, counts: counts as number[],
    },
  };
}

/**
 * Checks one raw series entry: `null` if anything is malformed. Names and tags are
 * checked by the registry that receives them.
 *
 * @param maxIndex - the largest HDR counts index a histogram of the entry's precision can have.
 * @internal
 */
export function readEntry(raw: unknown, maxIndex: (digits: number) => number): Entry | null {
  if (!Array.isArray(raw) || raw.length < 4) return null;
  const kind = raw[0] as unknown;
  const name = raw[1] as unknown;
  const tags = readTags(raw[2]);
  if (!isText(name, 4096) || tags === null) return null;
  switch (kind) {
    case 'c':
    case 'm': {
      const total = raw[3] as unknown;
      if (raw.length !== 4 || !isFiniteNumber(total) || (kind === 'm' && !isCount(total))) return null;
      return { kind, name, tags, total };
    }
    case 'g': {
      const [, , , policy, value] = raw as unknown[];
      if (raw.length !== 5 || typeof policy !== 'string' || !POLICIES.has(policy)) return null;
      if (value !== null && !isFiniteNumber(value)) return null;
      return { kind, name, tags, policy: policy as GaugeAggregation, value };
    }
    case 'h':
    case 't': {
      if (raw.length !== 10) return null;
      const [, , , digits, resolution, ticksPerSlice, slices, count, sum, list] = raw as unknown[];
      if (!isCount(digits) || digits < 1 || digits > 5) return null;
      if (!isFiniteNumber(resolution) || resolution <= 0) return null;
      if (!isCount(ticksPerSlice) || ticksPerSlice < 1 || !isCount(slices) || slices < 1 || slices > 60) return null;
      if (!isCount(count) || !isFiniteNumber(sum) || !Array.isArray(list) || list.length > slices) return null;
      const deltas: SliceEntry[] = [];
      const top = maxIndex(digits);
      for (const item of list) {
        const s = readSlice(item, top);
        if (s === null) return null;
        deltas.push(s);
      }
      return { kind, name, tags, digits, resolution, ticksPerSlice, slices, count, sum, deltas };
    }
    default:
      return null;
  }
}

/** The wire form of a slice delta. @internal */
export function encodeSlice(slice: number, d: SliceDelta): unknown[] {
  const gaps: number[] = new Array<number>(d.indexes.length);
  let previous = 0;
  for (let i = 0; i < d.indexes.length; i++) {
    const index = d.indexes[i]!;
    gaps[i] = i === 0 ? index : index - previous;
    previous = index;
  }
  return [slice, d.count, d.sum, d.min, d.max, d.shift, d.s1, d.s2, gaps, Array.from(d.counts)];
}

/** The JSON text of a frame around already encoded series (each a JSON text). @internal */
export function frameText(
  type: 'push' | 'bye',
  session: string,
  worker: string,
  seq: number,
  intervalMs: number,
  series: readonly string[],
): string {
  return (
    `{"tapemeasure":${PROTOCOL_VERSION},"type":"${type}","session":${JSON.stringify(session)},` +
    `"worker":${JSON.stringify(worker)},"seq":${seq},"intervalMs":${intervalMs},"series":[${series.join(',')}]}`
  );
}
