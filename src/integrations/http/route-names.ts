/**
 * Route templates as series identities: the `route` tag value (`dimensions: 'tags'`),
 * or readable name segments (`dimensions: 'name'`, for backends without tags).
 *
 * In a name, `/users/:id` becomes `users._id`: each `/`-separated piece of the template is
 * one segment, written by the first rule that applies:
 *
 * | piece | segment | example |
 * | --- | --- | --- |
 * | the whole template is `/` | `root` | `/` → `root` |
 * | letters, digits, `_`, `-`, not starting with `_` | itself | `user_profile` → `user_profile` |
 * | `:` then a letter, then letters, digits, `_` (a parameter) | `_` and the name | `:user_id` → `_user_id` |
 * | `_` then letters, digits, `_`, `-` | `_` and the piece | `_search` → `__search` |
 * | anything else, or one of the reserved words | `_-` and the piece escaped | `*` → `_-_s`, `errors` → `_-errors` |
 *
 * Escaped pieces keep letters, digits and `-`, write `_` as `__`, each printable ASCII
 * punctuation character as `_` and one letter ({@link PUNCTUATION}: `.` is `_d`, `:` is
 * `_c`, `*` is `_s`...), and anything else as `_u` and four hex digits (a UTF-16 unit). A
 * template that does not start with `/` gets a first segment `_`. So every segment's
 * first two characters say which rule wrote it, each rule is reversible, and two
 * different templates never make the same name ({@link decodeRouteSegments} reverses it).
 *
 * The reserved words ({@link RESERVED_SEGMENTS}: the series' last segments and the special
 * routes) never come out of a template, so a route's series can never be a branch of
 * another's (`/users` and `/users/requests` stay apart). A name that would pass the
 * length limits ends, after the pieces that fit, with `_0` and a 32-bit hash of the
 * template; the recorder then makes sure no two templates share it.
 *
 * @module
 * @internal
 */

import { MAX_SEGMENT_LENGTH, MAX_TAG_VALUE_LENGTH } from '../../names.js';

/**
 * Segments no template becomes: the last segment of each series and the special routes.
 *
 * @internal
 */
export const RESERVED_SEGMENTS: ReadonlySet<string> = new Set([
  'requests',
  'request_bytes',
  'response_bytes',
  'errors',
  'active_requests',
  'unmatched',
  'other_routes',
  'root',
]);

/**
 * The letter after `_` that writes each printable ASCII punctuation character in an
 * escaped piece (`_` itself is `__`; `-` stays).
 *
 * @internal
 */
export const PUNCTUATION: Readonly<Record<string, string>> = Object.freeze({
  ' ': 'w',
  '!': 'x',
  '"': 'Q',
  '#': 'h',
  $: 'D',
  '%': 'P',
  '&': 'n',
  "'": 'a',
  '(': 'l',
  ')': 'r',
  '*': 's',
  '+': 'p',
  ',': 'm',
  '.': 'd',
  '/': 'f',
  ':': 'c',
  ';': 'S',
  '<': 'L',
  '=': 'e',
  '>': 'G',
  '?': 'q',
  '@': 'A',
  '[': 'b',
  '\\': 'k',
  ']': 'B',
  '^': 'C',
  '`': 'g',
  '{': 'o',
  '|': 'v',
  '}': 'O',
  '~': 'T',
});

const FROM_LETTER: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(Object.entries(PUNCTUATION).map(([char, letter]) => [letter, char])),
);

const PLAIN = /^[A-Za-z0-9-][A-Za-z0-9_-]*$/;
const PARAMETER = /^:[A-Za-z][A-Za-z0-9_]*$/;
const UNDERSCORED = /^_[A-Za-z0-9_-]*$/;
const ALNUM_DASH = /[A-Za-z0-9-]/;

/** The first segment of a template that does not start with `/`. */
const RELATIVE = '_';
/** The segment of the template `/`. */
const ROOT = 'root';
/** The characters of a hash segment: `_0` and 8 hex digits. */
const HASH_SEGMENT_LENGTH = 10;

function escapePiece(piece: string): string {
  let out = '_-';
  for (let i = 0; i < piece.length; i++) {
    const char = piece.charAt(i);
    if (ALNUM_DASH.test(char)) out += char;
    else if (char === '_') out += '__';
    else {
      const letter = PUNCTUATION[char];
      out += letter !== undefined ? `_${letter}` : `_u${piece.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}`;
    }
  }
  return out;
}

function pieceSegment(piece: string): string {
  if (PLAIN.test(piece)) return RESERVED_SEGMENTS.has(piece) ? escapePiece(piece) : piece;
  if (PARAMETER.test(piece)) return `_${piece.slice(1)}`;
  if (UNDERSCORED.test(piece)) return `_${piece}`;
  return escapePiece(piece);
}

/** The segments of a template, before any length limit. */
function segmentsOf(template: string): string[] {
  if (template === '/') return [ROOT];
  if (template.startsWith('/')) return template.slice(1).split('/').map(pieceSegment);
  return [RELATIVE, ...template.split('/').map(pieceSegment)];
}

/** FNV-1a, 32 bits, of a string's UTF-16 code units, as 8 hex digits. */
function hash(value: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    h ^= value.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * The name segments of a route template, joined with dots (`/users/:id` → `users._id`),
 * at most `maxLength` characters; see the module documentation for the rules.
 *
 * @param maxLength - the most characters the joined segments may take (at least 10).
 * @internal
 */
export function routeSegments(template: string, maxLength: number): string {
  const segments = segmentsOf(template);
  let joined = segments.join('.');
  if (joined.length <= maxLength && segments.every((s) => s.length <= MAX_SEGMENT_LENGTH)) return joined;
  // Keep the pieces that fit, then the hash of the whole template.
  joined = '';
  for (const segment of segments) {
    const next = joined === '' ? segment : `${joined}.${segment}`;
    if (segment.length > MAX_SEGMENT_LENGTH || next.length + 1 + HASH_SEGMENT_LENGTH > maxLength) break;
    joined = next;
  }
  const tail = `_0${hash(template)}`;
  return joined === '' ? tail : `${joined}.${tail}`;
}

function decodePiece(segment: string): string {
  if (segment.startsWith('_-')) {
    let out = '';
    for (let i = 2; i < segment.length; i++) {
      const char = segment.charAt(i);
      if (char !== '_') {
        out += char;
        continue;
      }
      const selector = segment.charAt(++i);
      if (selector === '_') out += '_';
      else if (selector === 'u') {
        out += String.fromCharCode(Number.parseInt(segment.slice(i + 1, i + 5), 16));
        i += 4;
      } else {
        const decoded = FROM_LETTER[selector];
        if (decoded === undefined) throw new Error(`not an escaped piece: ${segment}`);
        out += decoded;
      }
    }
    return out;
  }
  if (segment.startsWith('__')) return segment.slice(1);
  if (segment.startsWith('_')) return `:${segment.slice(1)}`;
  return segment;
}

/**
 * Reverses {@link routeSegments} for a name that was not cut: the template a route's
 * segments were made from.
 *
 * @throws Error for segments {@link routeSegments} cannot produce.
 * @internal
 */
export function decodeRouteSegments(joined: string): string {
  const segments = joined.split('.');
  if (segments.length === 1 && segments[0] === ROOT) return '/';
  if (segments[0] === RELATIVE) return segments.slice(1).map(decodePiece).join('/');
  return `/${segments.map(decodePiece).join('/')}`;
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what tag values may not hold
const CONTROL = /[\u0000-\u001f\u007f]/g;
// Tag values must be well-formed UTF-16 (every wire writes UTF-8): an unpaired surrogate is written `\uXXXX`.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * The value of the `route` tag for a template: the template itself when it is a valid
 * tag value (1 to 256 characters, no control characters, no unpaired surrogate);
 * otherwise control characters are written `\xNN`, unpaired surrogates `\uXXXX`, an empty
 * template is `(empty)`, and too long a value is cut (never inside a surrogate pair) and
 * ends with a hash of the template.
 *
 * @internal
 */
export function routeTagValue(template: string): string {
  let value = template
    .replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(LONE_SURROGATE, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
  if (value === '') value = '(empty)';
  if (value.length > MAX_TAG_VALUE_LENGTH) {
    let cut = MAX_TAG_VALUE_LENGTH - 9;
    if ((value.charCodeAt(cut - 1) & 0xfc00) === 0xd800) cut--; // never split a surrogate pair
    value = `${value.slice(0, cut)}-${hash(template)}`;
  }
  return value;
}
