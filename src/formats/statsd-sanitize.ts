/**
 * What StatsD's wire accepts in a name, a tag and a set member, and how numbers are
 * written: every user-supplied string is escaped here, reversibly, so nothing can add a
 * line or a field (`:`, `|`, `#`, `,`, `=`, `;`, spaces and newlines never survive) and
 * two different strings never become the same key.
 *
 * @module
 */

import { escapeCodePoint, isUpperHex } from './escape-bytes.js';

/** JavaScript callers may pass numbers or other values where strings are expected. */
function toText(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

// What every StatsD keeps as it is: etsy StatsD's key sanitiser deletes everything but
// [A-Za-z0-9_.;=-] (after turning `/` into `-` and whitespace into `_`), and `;` `=`
// are its tag separators. `_` is the escape marker: `_` followed by two upper-case hex
// digits is a byte; any other `_` is itself.
const PLAIN_NAME = /^[A-Za-z0-9_.-]$/;
const NEEDS_NAME = /[^A-Za-z0-9_.-]|_[0-9A-F]{2}/;
// Set members are never put through etsy's key sanitiser: `/` and `@` are kept as well.
const PLAIN_MEMBER = /^[A-Za-z0-9_./@-]$/;
const NEEDS_MEMBER = /[^A-Za-z0-9_./@-]|_[0-9A-F]{2}/;

function escape(value: unknown, plain: RegExp, needs: RegExp): string {
  const text = toText(value);
  if (!needs.test(text)) return text;
  let out = '';
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === 0x5f) {
      // A `_` that the two next characters would make read as an escape is escaped itself.
      const ambiguous = i + 2 < text.length && isUpperHex(text.charCodeAt(i + 1)) && isUpperHex(text.charCodeAt(i + 2));
      out += ambiguous ? '_5F' : '_';
      i++;
    } else if (c < 0x80 && plain.test(text[i]!)) {
      out += text[i]!;
      i++;
    } else {
      const [escaped, units] = escapeCodePoint(text, i, '_');
      out += escaped;
      i += units;
    }
  }
  return out;
}

/**
 * Makes any string safe as a StatsD name, reversibly: ASCII letters, digits, `_`, `-`
 * and `.` stay as they are; every other character is written as its UTF-8 bytes, each
 * `_` and two upper-case hex digits (`:` is `_3A`, `/` is `_2F`), so no `:`, `|`, `#`,
 * `,`, `=`, `;`, space or newline survives and two different names never share a line
 * key. A `_` followed by two upper-case hex digits is escaped as well (`_5F`).
 *
 * @example
 * ```ts
 * import { sanitizeStatsdName } from 'tapemeasure';
 *
 * console.log(sanitizeStatsdName('a:1|c\nevil')); // 'a_3A1_7Cc_0Aevil'
 * console.log(sanitizeStatsdName('user_count')); // 'user_count'
 * ```
 */
export function sanitizeStatsdName(name: string): string {
  return escape(name, PLAIN_NAME, NEEDS_NAME);
}

/**
 * Makes any string safe as a StatsD tag key or value, reversibly, as
 * {@link sanitizeStatsdName} does (letters, digits, `_`, `-` and `.` kept; `/` is
 * `_2F` because etsy StatsD turns `/` into `-`, and `:` is `_3A`): `/users/:id` is
 * `_2Fusers_2F_3Aid` and can no longer meet `/users/_id` (`_2Fusers_2F_id`).
 */
export function sanitizeStatsdTag(value: string): string {
  return escape(value, PLAIN_NAME, NEEDS_NAME);
}

/**
 * Makes any string safe as a StatsD set member, reversibly: letters, digits, `_`, `-`,
 * `.`, `/` and `@` are kept, every other character is escaped as in
 * {@link sanitizeStatsdName}, so two different members are never counted as one.
 */
export function sanitizeStatsdSetMember(member: string): string {
  return escape(member, PLAIN_MEMBER, NEEDS_MEMBER);
}

/**
 * Writes a number for StatsD: JavaScript's shortest round-trip form (StatsD parses it
 * with `Number()`), or `null` for NaN and infinities, which are never sent.
 */
export function formatStatsdNumber(value: number): string | null {
  return Number.isFinite(value) ? String(value) : null;
}
