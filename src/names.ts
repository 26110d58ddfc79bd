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
import { check, type Check } from './internal/options.js';

/**
 * Tags: string keys to string values. Keys match `[A-Za-z_][A-Za-z0-9_]*` (not
 * `__proto__`); values are non-empty strings of at most 256 characters without control
 * characters or unpaired surrogates.
 */
export type Tags = Readonly<Record<string, string>>;

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const NAME = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;
const TAG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what we reject
const CONTROL = /[\u0000-\u001f\u007f]/;
const SURROGATE = /[\ud800-\udfff]/;
const TAGS_EXPECTED = 'an object of tag strings ({ key: value })';

/** The longest name accepted, in characters. */
export const MAX_NAME_LENGTH = 1024;
/** The longest segment accepted, in characters (Graphite stores each segment as a file or directory name). */
export const MAX_SEGMENT_LENGTH = 255;
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
  if (
    name.length === 0 ||
    name.length > MAX_NAME_LENGTH ||
    !NAME.test(name) ||
    (name.length > MAX_SEGMENT_LENGTH && name.split('.').some((segment) => segment.length > MAX_SEGMENT_LENGTH))
  ) {
    throw new InvalidNameError(
      `invalid metric name ${show(name)}: expected dot-separated, non-empty segments of ` +
        `letters, digits, "_" and "-", at most ${MAX_SEGMENT_LENGTH} characters each and ` +
        `${MAX_NAME_LENGTH} in all (use encodeSegment() for arbitrary strings)`,
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
 * `-` stay as they are; every other byte of the string's UTF-8 form (including `_` and
 * `.`) becomes `_` and two upper-case hex digits. An unpaired UTF-16 surrogate (a string
 * cut in the middle of an emoji) is encoded as WTF-8 does, so it survives the round trip
 * too. The empty string becomes a lone `_`.
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
  for (let i = 0; i < value.length; i++) {
    let cp = value.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < value.length) {
      const low = value.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (cp < 0x80) {
      const plain = (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x2d;
      out += plain ? String.fromCharCode(cp) : hexByte(cp);
    } else if (cp < 0x800) {
      out += hexByte(0xc0 | (cp >> 6)) + hexByte(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += hexByte(0xe0 | (cp >> 12)) + hexByte(0x80 | ((cp >> 6) & 0x3f)) + hexByte(0x80 | (cp & 0x3f));
    } else {
      out +=
        hexByte(0xf0 | (cp >> 18)) +
        hexByte(0x80 | ((cp >> 12) & 0x3f)) +
        hexByte(0x80 | ((cp >> 6) & 0x3f)) +
        hexByte(0x80 | (cp & 0x3f));
    }
  }
  return out;
}

function hexByte(b: number): string {
  return `_${b < 16 ? '0' : ''}${b.toString(16).toUpperCase()}`;
}

/**
 * Reverses {@link encodeSegment}.
 *
 * @throws {@link InvalidNameError} if `segment` is not something `encodeSegment` produces.
 */
export function decodeSegment(segment: string): string {
  if (segment === '_') return '';
  const fail = (): never => {
    throw new InvalidNameError(`not an encoded segment: ${show(segment)}`);
  };
  if (!SEGMENT.test(segment)) fail();
  const bytes: number[] = [];
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i);
    if (c !== 0x5f) {
      bytes.push(c);
      continue;
    }
    const hex = segment.slice(i + 1, i + 3);
    if (!/^[0-9A-F]{2}$/.test(hex)) fail();
    bytes.push(Number.parseInt(hex, 16));
    i += 2;
  }
  // WTF-8 decoding: UTF-8 that also carries unpaired surrogates.
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const length = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) fail();
    let cp = length === 1 ? b : b & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k]!;
      if ((next & 0xc0) !== 0x80) fail();
      cp = (cp << 6) | (next & 0x3f);
    }
    out += String.fromCodePoint(cp);
    i += length;
  }
  // Only the canonical encoding decodes: overlong forms, or a surrogate pair encoded as
  // two 3-byte surrogates, are rejected.
  if (encodeSegment(out) !== segment) fail();
  return out;
}

/**
 * Whether `key` is a valid tag key: `[A-Za-z_][A-Za-z0-9_]*`, at most
 * {@link MAX_TAG_KEY_LENGTH} characters, and not `__proto__`. `__proto__` is refused
 * rather than dropped: assigned to an object it sets the prototype and vanishes, so the
 * tags `JSON.parse('{"__proto__":"x"}')` would otherwise silently lose it (and it would
 * shadow nothing but break every output that builds an object of tags).
 *
 * @internal
 */
export function isTagKey(key: unknown): key is string {
  return typeof key === 'string' && key.length <= MAX_TAG_KEY_LENGTH && TAG_KEY.test(key) && key !== '__proto__';
}

/**
 * Whether `value` is a valid tag value: a non-empty string of at most
 * {@link MAX_TAG_VALUE_LENGTH} characters, without control characters (U+0000-U+001F,
 * U+007F) and well-formed UTF-16 (no unpaired surrogate: every wire writes UTF-8, where
 * all unpaired surrogates become the same U+FFFD and two series would merge).
 *
 * @internal
 */
export function isTagValue(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length !== 0 &&
    value.length <= MAX_TAG_VALUE_LENGTH &&
    !CONTROL.test(value) &&
    (!SURROGATE.test(value) || isWellFormed(value))
  );
}

/** `String.prototype.isWellFormed` (Node 20+), written out for the type checker's lib. */
function isWellFormed(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c > 0xdbff || i + 1 === value.length) return false;
    const low = value.charCodeAt(i + 1);
    if (low < 0xdc00 || low > 0xdfff) return false;
    i++;
  }
  return true;
}

/** Tags with no entries, shared. */
export const NO_TAGS: Tags = Object.freeze({});

/**
 * Validates tags and returns a frozen copy with keys sorted, or {@link NO_TAGS}.
 *
 * @param tags - the tags; `undefined` or `null` for none.
 * @param metricName - the metric they are for, named in messages.
 * @throws {@link InvalidTagError} (`ERR_TAPEMEASURE_INVALID_TAG`) naming the bad key or value.
 * @internal
 */
export function normalizeTags(tags: unknown, metricName: string): Tags {
  if (tags === undefined || tags === null) return NO_TAGS;
  if (typeof tags !== 'object' || Array.isArray(tags)) {
    throw new InvalidTagError(`tags of ${show(metricName)} must be an object of strings, received ${show(tags)}`);
  }
  return sortedTags(tags, '', ` on ${show(metricName)}`);
}

/**
 * The check of an option holding tags (`{ tags }` of every metric factory): an object
 * of tag strings, returned validated, sorted and frozen (see {@link normalizeTags}).
 * Not an object: `ERR_TAPEMEASURE_INVALID_OPTION`; a bad key or value:
 * `ERR_TAPEMEASURE_INVALID_TAG`.
 *
 * @internal
 */
export const tagsCheck: Check<Tags> = check(TAGS_EXPECTED, (value, context) => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return context.fail(TAGS_EXPECTED);
  return sortedTags(value, `${context.where}: `, ` in ${context.label}`);
});

/** Validated, sorted, frozen tags; messages read `${head}invalid tag key "k"${on}: expected ...`. */
function sortedTags(tags: object, head: string, on: string): Tags {
  const keys = Object.keys(tags).sort();
  if (keys.length === 0) return NO_TAGS;
  const out: Record<string, string> = {};
  for (const key of keys) {
    const value = (tags as Record<string, unknown>)[key];
    if (!isTagKey(key)) {
      throw new InvalidTagError(
        `${head}invalid tag key ${show(key)}${on}: expected [A-Za-z_][A-Za-z0-9_]*, at most ${MAX_TAG_KEY_LENGTH} characters, not "__proto__"`,
      );
    }
    if (!isTagValue(value)) {
      throw new InvalidTagError(
        `${head}invalid value ${show(value)} for tag ${show(key)}${on}: expected a non-empty string ` +
          `of at most ${MAX_TAG_VALUE_LENGTH} characters without control characters or unpaired surrogates`,
      );
    }
    out[key] = value;
  }
  return Object.freeze(out);
}
