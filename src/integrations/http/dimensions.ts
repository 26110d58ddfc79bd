/**
 * The bounded values of a request's method and status: a request maps to small integer
 * keys, and each key to the value written in a tag or a name segment.
 *
 * @module
 * @internal
 */

import type { HttpStatusTag } from './options.js';

/** The method values, by key; methods outside the standard nine are `OTHER`. */
export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'OTHER'] as const;

const OTHER_METHOD = METHODS.length - 1;

/** The key of a request method. */
export function methodKey(method: string | undefined): number {
  switch (method) {
    case 'GET':
      return 0;
    case 'HEAD':
      return 1;
    case 'POST':
      return 2;
    case 'PUT':
      return 3;
    case 'DELETE':
      return 4;
    case 'CONNECT':
      return 5;
    case 'OPTIONS':
      return 6;
    case 'TRACE':
      return 7;
    case 'PATCH':
      return 8;
    default:
      return OTHER_METHOD;
  }
}

/** The status key of an aborted request (never a real status). */
const ABORTED = 1000;
/** The status key when the status is not recorded. */
export const NO_STATUS = -1;

/** The key of a response status: a class (1 to 5), a code, `aborted`, `other` (0), or {@link NO_STATUS}. */
export function statusKey(mode: HttpStatusTag, statusCode: number, aborted: boolean): number {
  if (mode === 'none') return NO_STATUS;
  if (aborted) return ABORTED;
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return 0;
  return mode === 'class' ? Math.floor(statusCode / 100) : statusCode;
}

/** The value of a status key (`2xx`, `404`, `aborted`, `other`). */
export function statusValue(mode: HttpStatusTag, key: number): string {
  if (key === ABORTED) return 'aborted';
  if (key === 0) return 'other';
  return mode === 'class' ? `${key}xx` : String(key);
}

/** The longest method and status values, in characters (`OPTIONS`, `aborted`). */
export const LONGEST_METHOD = 7;
export const LONGEST_STATUS = 7;
