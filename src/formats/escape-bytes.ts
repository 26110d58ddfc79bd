/**
 * The one reversible escape the StatsD and Graphite formats share: a character a wire
 * cannot carry is written as the bytes of its UTF-8 form, each as a marker and two
 * upper-case hex digits (`%2F` for Graphite, `_2F` for StatsD). An unpaired surrogate is
 * written as WTF-8 does (`\uD800` is `%ED%A0%80`), so two different strings never share
 * an escaped form: mapping to a shared character (`:` and `_` both to `_`) would merge
 * two series into one.
 *
 * @module
 * @internal
 */

const HEX = '0123456789ABCDEF';

function byte(marker: string, b: number): string {
  return marker + HEX[b >> 4]! + HEX[b & 15]!;
}

/**
 * The escaped form of the code point at `text[i]` (a surrogate pair is one code point).
 *
 * @returns the escape, and how many UTF-16 units it consumed (1 or 2).
 * @internal
 */
export function escapeCodePoint(text: string, i: number, marker: string): [string, number] {
  let cp = text.charCodeAt(i);
  let units = 1;
  if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
    const low = text.charCodeAt(i + 1);
    if (low >= 0xdc00 && low <= 0xdfff) {
      cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
      units = 2;
    }
  }
  let out: string;
  if (cp < 0x80) out = byte(marker, cp);
  else if (cp < 0x800) out = byte(marker, 0xc0 | (cp >> 6)) + byte(marker, 0x80 | (cp & 0x3f));
  else if (cp < 0x10000) {
    out = byte(marker, 0xe0 | (cp >> 12)) + byte(marker, 0x80 | ((cp >> 6) & 0x3f)) + byte(marker, 0x80 | (cp & 0x3f));
  } else {
    out =
      byte(marker, 0xf0 | (cp >> 18)) +
      byte(marker, 0x80 | ((cp >> 12) & 0x3f)) +
      byte(marker, 0x80 | ((cp >> 6) & 0x3f)) +
      byte(marker, 0x80 | (cp & 0x3f));
  }
  return [out, units];
}

/** Whether `c` (a UTF-16 unit) is an upper-case hex digit, as escapes write them. @internal */
export function isUpperHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46);
}
