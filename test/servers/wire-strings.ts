/**
 * What the per-wire property tests (wire-*.test.ts) share: arbitrary strings built to
 * break a wire (full unicode, unpaired surrogates, control characters and every character
 * a StatsD, carbon or Prometheus parser treats specially), and independent decoders of our
 * two escapes, written from their definition rather than from the encoders.
 */
import fc from 'fast-check';

/** Characters some wire parser treats specially, and strings that look like our escapes. */
const SPECIAL = [
  '{', '}', '"', ';', '=', '~', ':', '|', '#', ',', '\n', '\r', '\t', ' ', '/', '%', '_', '.', '-', '\\', '!', '^', '@',
  '*', '[', ']', '(', ')', '\u0000', '\u001f', '\u007f', '\u0085', '\u00a0', '\u2028', '\u2029', '\u3000', '\ufeff',
  '\u200b', '\ud800', '\udbff', '\udc00', '\udfff', '\ufffd', '\ud83d\ude00', '\u00e9', '\u6e2c', '_5F', '_3A', '%25',
  '%7E', '"}', 'name', 'le', 'quantile', '__', 'tag_', '_tagged', '..',
];

/** One piece of a hostile string: a special character, any UTF-16 unit, any code point, or a plain letter. */
const piece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...SPECIAL) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 4, arbitrary: fc.constantFrom('a', 'b', 'c', 'x', 'y', 'z', 'A', 'B', 'C', 'X', 'Y', 'Z', '0', '1', '8', '9') },
);

/** A hostile string of up to `maxPieces` pieces (may be empty). */
export function hostileString(maxPieces = 12): fc.Arbitrary<string> {
  return fc.array(piece, { maxLength: maxPieces }).map((parts) => parts.join(''));
}

/** A tag key: mostly identifiers (what tags allow), some reserved words, some hostile strings. */
export const hostileTagKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/) },
  { weight: 1, arbitrary: fc.constantFrom('name', '__proto__', 'quantile', 'le', 'tag_le', '__name__', 'job', 'constructor') },
  { weight: 1, arbitrary: hostileString(6) },
);

/** Tags with hostile keys and values. */
export const hostileTags: fc.Arbitrary<Record<string, string>> = fc.dictionary(hostileTagKey, hostileString(10), { maxKeys: 3 });

/** A tag value the registry accepts, from hostile pieces (non-empty, no control characters, well-formed). */
export const registryTagValue: fc.Arbitrary<string> = hostileString(12).filter(
  // eslint-disable-next-line no-control-regex -- control characters are what the registry refuses
  (s) => s.length > 0 && s.length <= 256 && !/[\u0000-\u001f\u007f]/.test(s) && isWellFormed(s),
);

/** Whether a string has no unpaired surrogate. */
export function isWellFormed(s: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

/** WTF-8 bytes (UTF-8 that may carry unpaired surrogates) to a string. */
function wtf8(bytes: readonly number[]): string {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const n = b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
    let cp = n === 1 ? b : b & (0xff >> (n + 1));
    for (let k = 1; k < n; k++) cp = (cp << 6) | (bytes[i + k]! & 0x3f);
    out += String.fromCodePoint(cp);
    i += n;
  }
  return out;
}

/** Reads `marker` + two upper-case hex digits as a byte, everything else as itself. */
function decodeEscapes(text: string, marker: string): string {
  let out = '';
  let bytes: number[] = [];
  for (let i = 0; i < text.length; ) {
    if (text[i] === marker && /^[0-9A-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 3;
      continue;
    }
    if (bytes.length > 0) {
      out += wtf8(bytes);
      bytes = [];
    }
    out += text[i]!;
    i++;
  }
  return out + (bytes.length > 0 ? wtf8(bytes) : '');
}

/** Reverses the Graphite `%XX` escape. */
export const decodePercent = (text: string): string => decodeEscapes(text, '%');
/** Reverses the StatsD `_XX` escape. */
export const decodeUnderscore = (text: string): string => decodeEscapes(text, '_');

/** Distinct cases only: `key` says when two are the same. */
export function unique<T>(cases: readonly T[], key: (c: T) => string): T[] {
  const seen = new Set<string>();
  return cases.filter((c) => {
    const k = key(c);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** A stable identity of a name and its tags (JSON keeps unpaired surrogates apart). */
export function identity(name: string, tags: Readonly<Record<string, string>> | undefined): string {
  return JSON.stringify([name, Object.entries(tags ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}
