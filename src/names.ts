/**
 * Metric names and tags: validation, joining, and a reversible encoding that turns
 * any string into a valid name segment.
 *
 * A name is a dotted path (`http.requests.get`) of non-empty segments made of ASCII
 * letters, digits, `_` and `-`. Nothing in such a name can break a StatsD, Graphite or
 * Prometheus line. Tags are `{ key: value }` pairs; a metric's identity is its name
 * plus its sorted tags.
 *
 * @module
 */

import { InvalidNameError, InvalidTagError, show } from './errors.js';

/** Tags: string keys to string values. Keys match `[A-Za-z_][A-Za-z0-9_]*`. */
export type Tags = Readonly<Record<string, string>>;

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const NAME = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;
const TAG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what we reject
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The longest name accepted, in characters. */
export const MAX_NAME_LENGTH = 255;
/** The longest tag key accepted, in characters. */
export const MAX_TAG_KEY_LENGTH = 100;
/** The longest tag value accepted, in characters. */
export const MAX_TAG_VALUE_LENGTH = 256;

/**
 * Checks a metric name.
 *
 * @throws {@link InvalidNameError} (`ERR_TAPEMEASURE_INVALID_NAME`) with the bad name in the message.
 * @internal
 */
export function validateName(name: unknown): asserts name is string {
  if (typeof name !== 'string') {
    throw new InvalidNameError(`a metric name must be a string, received ${show(name)}`);
  }
  if (name.length === 0 || name.length > MAX_NAME_LENGTH || !NAME.test(name)) {
    throw new InvalidNameError(
      `invalid metric name ${show(name)}: expected dot-separated, non-empty segments of ` +
        `letters, digits, "_" and "-", at most ${MAX_NAME_LENGTH} characters ` +
        `(use encodeSegment() for arbitrary strings)`,
    );
  }
}

/**
 * Joins name parts with dots, skipping empty and undefined parts. Each part may itself
 * be dotted. The result is not validated; the registry validates it when used.
 *
 * @example
 * ```ts
 * name('http', '', 'requests', undefined, 'get'); // 'http.requests.get'
 * ```
 */
export function name(...parts: readonly (string | undefined | null)[]): string {
  let out = '';
  for (const part of parts) {
    if (part === undefined || part === null || part === '') continue;
    out = out === '' ? part : `${out}.${part}`;
  }
  return out;
}

/**
 * Encodes any string as one valid name segment, reversibly: ASCII letters, digits and
 * `-` stay as they are; every other UTF-8 byte (including `_` and `.`) becomes `_` and
 * two upper-case hex digits. The empty string becomes a lone `_`.
 *
 * @example
 * ```ts
 * encodeSegment('/users/:id'); // '_2Fusers_2F_3Aid'
 * decodeSegment('_2Fusers_2F_3Aid'); // '/users/:id'
 * ```
 */
export function encodeSegment(value: string): string {
  if (value === '') return '_';
  let out = '';
  const bytes = Buffer.from(value, 'utf8');
  for (const b of bytes) {
    const plain =
      (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2d;
    out += plain ? String.fromCharCode(b) : `_${b < 16 ? '0' : ''}${b.toString(16).toUpperCase()}`;
  }
  return out;
}

/**
 * Reverses {@link encodeSegment}.
 *
 * @throws {@link InvalidNameError} if `segment` is not something `encodeSegment` produces.
 */
export function decodeSegment(segment: string): string {
  if (segment === '_') return '';
  if (!SEGMENT.test(segment)) throw new InvalidNameError(`not an encoded segment: ${show(segment)}`);
  const bytes: number[] = [];
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i);
    if (c !== 0x5f) {
      bytes.push(c);
      continue;
    }
    const hex = segment.slice(i + 1, i + 3);
    if (!/^[0-9A-F]{2}$/.test(hex)) throw new InvalidNameError(`not an encoded segment: ${show(segment)}`);
    bytes.push(Number.parseInt(hex, 16));
    i += 2;
  }
  const decoded = Buffer.from(bytes).toString('utf8');
  if (encodeSegment(decoded) !== segment) throw new InvalidNameError(`not an encoded segment: ${show(segment)}`);
  return decoded;
}

/** Tags with no entries, shared. */
export const NO_TAGS: Tags = Object.freeze({});

/**
 * Validates tags and returns a frozen copy with keys sorted, or {@link NO_TAGS}.
 *
 * @throws {@link InvalidTagError} (`ERR_TAPEMEASURE_INVALID_TAG`) naming the bad key or value.
 * @internal
 */
export function normalizeTags(tags: unknown, metricName: string): Tags {
  if (tags === undefined || tags === null) return NO_TAGS;
  if (typeof tags !== 'object' || Array.isArray(tags)) {
    throw new InvalidTagError(`tags of ${show(metricName)} must be an object of strings, received ${show(tags)}`);
  }
  const keys = Object.keys(tags).sort();
  if (keys.length === 0) return NO_TAGS;
  const out: Record<string, string> = {};
  for (const key of keys) {
    const value = (tags as Record<string, unknown>)[key];
    if (key.length > MAX_TAG_KEY_LENGTH || !TAG_KEY.test(key)) {
      throw new InvalidTagError(
        `invalid tag key ${show(key)} on ${show(metricName)}: expected [A-Za-z_][A-Za-z0-9_]*, ` +
          `at most ${MAX_TAG_KEY_LENGTH} characters`,
      );
    }
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TAG_VALUE_LENGTH || CONTROL.test(value)) {
      throw new InvalidTagError(
        `invalid value ${show(value)} for tag ${show(key)} on ${show(metricName)}: expected a non-empty string ` +
          `of at most ${MAX_TAG_VALUE_LENGTH} characters without control characters`,
      );
    }
    out[key] = value;
  }
  return Object.freeze(out);
}
