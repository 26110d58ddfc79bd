/**
 * The path rules every Graphite format shares: sanitising paths and Graphite 1.1 tags,
 * building a series path once, and the datapoint the formats carry.
 *
 * Carbon splits a line on any whitespace, a path on `;` (tags), reads `name{k="v"}` as
 * OpenMetrics tags and stores `a.b` as the file `a/b.wsp`, so every path and tag written
 * here is escaped, reversibly (`%XX`): nothing user-controlled can add a line, a field, a
 * tag or a series, and two different series never share a path.
 *
 * @module
 */

import type { Tags } from '../names.js';
import { escapeCodePoint } from './escape-bytes.js';

/** One Graphite datapoint. */
export type GraphitePoint = {
  /** The full series path, already built by {@link graphitePath} (may carry `;k=v` tags). */
  readonly path: string;
  /** The value; points whose value is NaN or infinite are never written. */
  readonly value: number;
  /** Seconds since the Unix epoch; fractions are dropped (carbon truncates them anyway). */
  readonly timestampS: number;
};

/** JavaScript callers may pass other values where strings are expected: never throw on them. */
function toText(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

// What carbon cannot take as it is, in every part of a path:
// - what Python's str.split() (carbon splits a line with it) and str.splitlines() (UDP
//   datagrams) treat as a separator: ASCII whitespace, \x1c-\x1f, \x85, \xa0 and the
//   Unicode spaces JS's \s knows; C0 and C1 control characters with them;
// - `;`, which starts Graphite 1.1 tags;
// - `"`: a path containing `{` and ending in `"}` is read as OpenMetrics
//   (`name{k="v"}`) and becomes tags; with no `"` it cannot end in `"}`;
// - `%`, the escape marker itself;
// - an unpaired surrogate (UTF-8 has no form for it: every one would become U+FFFD).
// eslint-disable-next-line no-control-regex -- control characters are exactly what we escape
const UNSAFE = /[\s\u0000-\u001f\u007f-\u009f;"%\ud800-\udfff]/;
// In the dotted part, `/` too: whisper stores `a.b` as the file a/b.wsp, so `a/b` would
// be the same file (and `..` segments would leave the storage directory).
// eslint-disable-next-line no-control-regex -- control characters are exactly what we escape
const UNSAFE_PATH = /[\s\u0000-\u001f\u007f-\u009f;"%/\ud800-\udfff]/;
// Graphite 1.1 tag keys may not contain `;!^=`.
// eslint-disable-next-line no-control-regex -- control characters are exactly what we escape
const UNSAFE_TAG_KEY = /[\s\u0000-\u001f\u007f-\u009f;"%!^=\ud800-\udfff]/;

function escapeWith(text: string, unsafe: RegExp): string {
  if (!unsafe.test(text)) return text;
  let out = '';
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    const code = c.charCodeAt(0);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      out += text.slice(i, i + 2); // a surrogate pair: a character UTF-8 can carry
      i += 2;
    } else if (!unsafe.test(c)) {
      out += c;
      i++;
    } else {
      const [escaped, units] = escapeCodePoint(text, i, '%');
      out += escaped;
      i += units;
    }
  }
  return out;
}

/** `~` at the start becomes `%7E`: carbon strips leading `~` from names (and refuses it in tag values). */
function escapeLeadingTilde(text: string): string {
  return text.charCodeAt(0) === 0x7e ? `%7E${text.slice(1)}` : text;
}

/**
 * Makes a string safe as (part of) a Graphite path, reversibly: whitespace, control
 * characters, `;`, `"`, `%`, `/` and unpaired surrogates are written as `%` and the
 * two upper-case hex digits of each UTF-8 byte (as in a URL: `decodeURIComponent` reads
 * them back), and so is a leading `~`, which carbon would strip. Dots are kept (they are
 * the path separator); use `encodeSegment()` to keep a string's dots inside one segment.
 * Two different strings never give the same path.
 *
 * @example
 * ```ts
 * import { sanitizeGraphitePath } from 'tapemeasure';
 *
 * console.log(sanitizeGraphitePath('a b\nc;d')); // 'a%20b%0Ac%3Bd'
 * ```
 */
export function sanitizeGraphitePath(path: string): string {
  const text = escapeLeadingTilde(escapeWith(toText(path), UNSAFE_PATH));
  // carbon keeps tagged series under a top-level `_tagged` directory: an untagged path
  // starting with that segment could write into a tagged series' file.
  return text === '_tagged' || text.startsWith('_tagged.') ? `%5F${text.slice(1)}` : text;
}

/**
 * Makes a tag key safe for Graphite 1.1, reversibly: as {@link sanitizeGraphitePath}
 * (without the `/` and `~` rules), and also `!`, `^` and `=`; the key `name`, which carbon
 * reserves for the path, is written `%6Eame`.
 */
export function sanitizeGraphiteTagKey(key: string): string {
  const text = toText(key);
  if (text === 'name') return '%6Eame';
  return escapeWith(text, UNSAFE_TAG_KEY);
}

/**
 * Makes a tag value safe for Graphite 1.1, reversibly: whitespace, control characters,
 * `;`, `"`, `%` and unpaired surrogates are `%`-escaped, and so is a leading `~` (which
 * carbon refuses). `/`, `:` and `=` are kept: `/users/:id` stays `/users/:id`.
 */
export function sanitizeGraphiteTagValue(value: string): string {
  return escapeLeadingTilde(escapeWith(toText(value), UNSAFE));
}

/** Longest line carbon's plaintext receiver reads (Twisted LineOnlyReceiver.MAX_LENGTH): beyond it, carbon drops the connection. */
export const CARBON_MAX_LINE_BYTES = 16_384;
/** Longest file name (whisper writes `segment.wsp` for the last segment of an untagged path). */
const MAX_FILE_NAME_BYTES = 255;
/**
 * Longest untagged path: carbon stores it as the file `<storage>/a/b/c.wsp`, and a file
 * path has at most 4096 bytes (PATH_MAX), of which 512 are left for the storage directory.
 */
export const CARBON_MAX_PATH_BYTES = 3_584;

/** UTF-8 bytes of one UTF-16 unit of a well-formed string (a surrogate pair is 2 + 2). */
function unitBytes(c: number): number {
  return c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 2 : 3;
}

/** Non-empty segments, then `;key=value` tags with non-empty keys and values. */
const WELL_FORMED = /^[^.;]+(?:\.[^.;]+)*(?:;[^;=]+=[^;]+)*$/;

const MAX_TAGGED_PATH_BYTES = CARBON_MAX_LINE_BYTES - 40; // the value and timestamp take at most 24 + 1 + 10 bytes, the spaces 2

/**
 * Whether carbon can store `path` (built by {@link graphitePath}) as its own series: one
 * pass over the path, no allocation (the senders check every point of every report).
 * See {@link graphitePathProblem} for the rules.
 */
export function graphitePathFits(path: string): boolean {
  const n = path.length;
  // The common case, without a loop in JavaScript: a short path whose every segment and
  // tag is non-empty (a segment of at most 83 UTF-16 units has at most 249 bytes).
  if (n <= 83 && n !== 0 && WELL_FORMED.test(path)) return true;
  let segmentStart = 0;
  let segmentBytes = 0;
  let longest = 0; // the longest segment before the last
  let bytes = 0;
  let i = 0;
  for (; i < n; i++) {
    const c = path.charCodeAt(i);
    if (c === 0x3b) break; // `;`: the tags start
    if (c === 0x2e) {
      if (i === segmentStart) return false;
      if (segmentBytes > longest) longest = segmentBytes;
      segmentStart = i + 1;
      segmentBytes = 0;
      bytes++;
      continue;
    }
    const b = unitBytes(c);
    segmentBytes += b;
    bytes += b;
  }
  if (i === segmentStart) return false; // an empty (or no) last segment
  if (i === n) return longest <= MAX_FILE_NAME_BYTES && segmentBytes <= MAX_FILE_NAME_BYTES - 4 && bytes <= CARBON_MAX_PATH_BYTES;
  // Tagged: stored under a hash of the path, so only empty tags and the line length matter.
  let pairStart = i + 1;
  let eq = -1;
  for (i = pairStart; i <= n; i++) {
    const c = i === n ? 0x3b : path.charCodeAt(i);
    if (c === 0x3b) {
      if (eq <= pairStart || eq === i - 1) return false;
      pairStart = i + 1;
      eq = -1;
    } else if (c === 0x3d && eq === -1) eq = i;
    if (i < n) bytes += unitBytes(c);
  }
  return bytes + 1 <= MAX_TAGGED_PATH_BYTES;
}

/**
 * Why carbon could not store `path` (built by {@link graphitePath}) as its own series, or
 * `null` when it can: an empty segment (`a..b` is the file `a/b.wsp`, the same as `a.b`),
 * a segment longer than a file name (255 bytes, `.wsp` included for the last), an untagged
 * path longer than {@link CARBON_MAX_PATH_BYTES}, a tagged path too long for one line of
 * {@link CARBON_MAX_LINE_BYTES}, or an empty tag key or value. Tagged series are stored
 * under a hash of the path, so their segments may be longer.
 */
export function graphitePathProblem(path: string): string | null {
  if (graphitePathFits(path)) return null;
  const semi = path.indexOf(';');
  const name = semi === -1 ? path : path.slice(0, semi);
  if (name === '') return 'an empty path';
  const segments = name.split('.');
  if (segments.some((segment) => segment === '')) return 'an empty segment';
  if (semi !== -1) {
    for (const pair of path.slice(semi + 1).split(';')) {
      const eq = pair.indexOf('=');
      if (eq <= 0 || eq === pair.length - 1) return `an empty tag key or value in ${JSON.stringify(pair)}`;
    }
    return `a tagged path longer than ${MAX_TAGGED_PATH_BYTES} bytes (carbon reads lines of at most ${CARBON_MAX_LINE_BYTES})`;
  }
  if (Buffer.byteLength(name, 'utf8') > CARBON_MAX_PATH_BYTES) return `a path longer than ${CARBON_MAX_PATH_BYTES} bytes`;
  return `a segment longer than a file name (${MAX_FILE_NAME_BYTES} bytes, ${MAX_FILE_NAME_BYTES - 4} for the last, which gets .wsp)`;
}

/**
 * Builds a series path: the sanitised `name`, then the sanitised tags in Graphite 1.1 form
 * (`name;k1=v1;k2=v2`, sorted exactly as carbon stores them).
 *
 * @param name - the dotted path.
 * @param tags - optional tags.
 * @example
 * ```ts
 * import { graphitePath } from 'tapemeasure';
 *
 * console.log(graphitePath('http.requests', { route: '/users/:id', method: 'GET' }));
 * // 'http.requests;method=GET;route=/users/:id'
 * ```
 */
export function graphitePath(name: string, tags?: Tags): string {
  let path = sanitizeGraphitePath(name);
  if (tags === undefined || tags === null || typeof tags !== 'object') return path;
  const pairs: string[] = [];
  for (const key of Object.keys(tags)) pairs.push(`;${sanitizeGraphiteTagKey(key)}=${sanitizeGraphiteTagValue(tags[key] ?? '')}`);
  if (pairs.length === 0) return path;
  // Carbon sorts the `;k=v` strings themselves (TaggedSeries.format, by code point);
  // sorting the same way makes the path we send equal to the path carbon stores.
  pairs.sort(byCodePoint);
  for (const pair of pairs) path += pair;
  return path;
}

/** Python's string order: by code point (JS's default sorts astral characters by UTF-16 units). */
function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (an astral character) sorts after every BMP character above it.
    const xs = x >= 0xd800 && x <= 0xdfff ? x + 0x10000 : x;
    const ys = y >= 0xd800 && y <= 0xdfff ? y + 0x10000 : y;
    return xs < ys ? -1 : xs > ys ? 1 : x - y;
  }
  return a.length - b.length;
}

/**
 * Appends a suffix (`count`, `p99`, ...) to a path built by {@link graphitePath}, before its
 * tags: `graphiteSuffixed('a.b;k=v', 'p99')` is `a.b.p99;k=v`.
 */
export function graphiteSuffixed(path: string, suffix: string): string {
  if (suffix === '') return path;
  const semi = path.indexOf(';');
  return semi === -1 ? `${path}.${suffix}` : `${path.slice(0, semi)}.${suffix}${path.slice(semi)}`;
}
