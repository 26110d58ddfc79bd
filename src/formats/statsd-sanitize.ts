/**
 * What StatsD's wire accepts in a name, a tag and a set member, and how numbers are
 * written: every user-supplied string is made safe here, so nothing can add a line or
 * a field (`:`, `|`, `#`, `,`, `=`, `;`, spaces and newlines never survive).
 *
 * @module
 */

/** JavaScript callers may pass numbers or other values where strings are expected. */
function toText(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

const SAFE_NAME = /^[A-Za-z0-9_.-]+$/;
const UNSAFE_NAME = /[^A-Za-z0-9_.-]/g;
const SAFE_TAG = /^[A-Za-z0-9_./-]+$/;
const UNSAFE_TAG = /[^A-Za-z0-9_./-]/g;
const SAFE_MEMBER = /^[A-Za-z0-9_./@-]+$/;
const UNSAFE_MEMBER = /[^A-Za-z0-9_./@-]/g;

function sanitize(value: string, safe: RegExp, unsafe: RegExp): string {
  const text = toText(value);
  if (safe.test(text)) return text;
  const s = text.replace(unsafe, '_');
  return s === '' ? '_' : s;
}

/**
 * Makes any string safe as a StatsD name: every character other than ASCII letters,
 * digits, `_`, `-` and `.` becomes `_` (so no `:`, `|`, `#`, `,`, `=`, space or
 * newline survives). The empty string becomes `_`.
 *
 * @example
 * ```ts
 * import { sanitizeStatsdName } from 'tapemeasure';
 *
 * console.log(sanitizeStatsdName('a:1|c\nevil')); // 'a_1_c_evil'
 * ```
 */
export function sanitizeStatsdName(name: string): string {
  return sanitize(name, SAFE_NAME, UNSAFE_NAME);
}

/**
 * Makes any string safe as a StatsD tag key or value: every character other than ASCII
 * letters, digits, `_`, `-`, `.` and `/` becomes `_`. The empty string becomes `_`.
 */
export function sanitizeStatsdTag(value: string): string {
  return sanitize(value, SAFE_TAG, UNSAFE_TAG);
}

/**
 * Makes any string safe as a StatsD set member: every character other than ASCII
 * letters, digits, `_`, `-`, `.`, `/` and `@` becomes `_`. The empty string becomes `_`.
 */
export function sanitizeStatsdSetMember(member: string): string {
  return sanitize(member, SAFE_MEMBER, UNSAFE_MEMBER);
}

/**
 * Writes a number for StatsD: JavaScript's shortest round-trip form (StatsD parses it
 * with `Number()`), or `null` for NaN and infinities, which are never sent.
 */
export function formatStatsdNumber(value: number): string | null {
  return Number.isFinite(value) ? String(value) : null;
}
