/**
 * The options of the HTTP transport, their checks and defaults, and the types it hands
 * out (responses, counters).
 *
 * @module
 */

import http, { type IncomingHttpHeaders } from 'node:http';
import { show } from '../errors.js';
import { check, func, integer, oneOf, type Check } from '../internal/options.js';
import { retryCheck, type HttpRetryOptions, type HttpTransportError } from './http-retry.js';
import type { TransportStats } from './transport.js';

/** The timer functions the transport waits with (injectable for tests). */
export type HttpTimers = {
  /** Calls `callback` after `ms` milliseconds; returns a handle for `clearTimeout`. */
  readonly setTimeout: (callback: () => void, ms: number) => unknown;
  /** Cancels a handle of `setTimeout`. */
  readonly clearTimeout: (handle: unknown) => void;
};

/** A 2xx response, handed to `onResponse`. */
export type HttpResponse = {
  /** The status code. */
  readonly status: number;
  /** The response headers. */
  readonly headers: IncomingHttpHeaders;
  /** The `Content-Type` (`''` when none). */
  readonly contentType: string;
  /** The body, at most its first 64 KiB. */
  readonly body: Uint8Array;
};

/** Options of an {@link HttpTransport}. */
export type HttpTransportOptions = {
  /** Where to `POST`: an `http:` or `https:` URL. */
  readonly url: string | URL;
  /** Headers of every request (names are case-insensitive; `Content-Length` is set by the transport). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The `Content-Type` of the bodies.
   *
   * @defaultValue `'application/octet-stream'`
   */
  readonly contentType?: string;
  /**
   * `'gzip'` compresses each body (once, off the main thread) and sends `Content-Encoding: gzip`.
   *
   * @defaultValue `'none'`
   */
  readonly compression?: 'gzip' | 'none';
  /**
   * How long one attempt may take, from the request to the end of the response, in milliseconds.
   *
   * @defaultValue 10000
   */
  readonly timeoutMs?: number;
  /** How to retry; see {@link HttpRetryOptions}. */
  readonly retry?: HttpRetryOptions;
  /**
   * The most bytes of bodies held (waiting or being retried); beyond it the oldest
   * waiting bodies are dropped and counted.
   *
   * @defaultValue 16 MiB
   */
  readonly maxQueueBytes?: number;
  /**
   * Called with every failure; must not throw.
   *
   * @defaultValue a `process.emitWarning` per code, at most one a minute
   */
  readonly onError?: (error: HttpTransportError) => void;
  /** Called with every 2xx response (an OTLP receiver's partial success is in its body). */
  readonly onResponse?: (response: HttpResponse) => void;
  /**
   * The timers for timeouts and retry waits (their handles are `unref()`ed when they can
   * be). For tests: a fake that fires on demand.
   *
   * @defaultValue the global `setTimeout` / `clearTimeout`
   */
  readonly timers?: HttpTimers;
  /**
   * The random source of the jitter, in [0, 1).
   *
   * @defaultValue `Math.random`
   */
  readonly random?: () => number;
};

/** The counters of an {@link HttpTransport}. A "line" is one request body. */
export type HttpTransportStats = TransportStats & {
  /** Attempts that were retries. */
  readonly retries: number;
};

/** The default of `maxQueueBytes`. */
export const DEFAULT_HTTP_QUEUE_BYTES = 16 * 1024 * 1024;
/** How much of a response body is read. @internal */
export const MAX_RESPONSE_BYTES = 64 * 1024;
/** The default bound of `stop()`, in milliseconds. @internal */
export const DEFAULT_CLOSE_MS = 5_000;
/** The longest wait `setTimeout` takes. @internal */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** An `http:` or `https:` URL (a string or a `URL`). @internal */
export const httpUrlCheck: Check<URL> = check('an http: or https: URL', (value, context) => {
  if (typeof value !== 'string' && !(value instanceof URL)) return context.fail('an http: or https: URL');
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    return context.fail('an http: or https: URL');
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : context.fail('an http: or https: URL');
});

/** An object of valid HTTP header names to valid values; returned with lower-case names. @internal */
export const headersCheck: Check<Readonly<Record<string, string>>> = check('an object of HTTP header names to strings', (value, context) => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return context.fail('an object of HTTP header names to strings');
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    try {
      if (typeof v !== 'string') throw new TypeError('not a string');
      http.validateHeaderName(name);
      http.validateHeaderValue(name, v);
    } catch {
      return context.fail(`an object of HTTP header names to strings (header ${show(name)} is invalid)`);
    }
    out[name.toLowerCase()] = v;
  }
  return Object.freeze(out);
});

const TIMERS_CHECK = check<HttpTimers>('an object with setTimeout and clearTimeout functions', (value, context) => {
  const t = value as Partial<HttpTimers> | null;
  return t !== null && typeof t === 'object' && typeof t.setTimeout === 'function' && typeof t.clearTimeout === 'function'
    ? (t as HttpTimers)
    : context.fail('an object with setTimeout and clearTimeout functions');
});

/** The schema of {@link HttpTransportOptions}. @internal */
export const HTTP_SCHEMA = Object.freeze({
  url: httpUrlCheck,
  headers: headersCheck,
  contentType: check<string>('a valid Content-Type', (v, c) => (typeof v === 'string' && /^[\x21-\x7e][\x20-\x7e]*$/.test(v) ? v : c.fail('a valid Content-Type'))),
  compression: oneOf('gzip', 'none'),
  timeoutMs: integer(1, MAX_TIMER_MS),
  retry: retryCheck,
  maxQueueBytes: integer(1, 2 ** 32),
  onError: func,
  onResponse: func,
  timers: TIMERS_CHECK,
  random: func,
});

/** The global timers. @internal */
export const DEFAULT_TIMERS: HttpTimers = Object.freeze({
  setTimeout: (callback: () => void, ms: number) => setTimeout(callback, ms),
  clearTimeout: (handle: unknown) => { clearTimeout(handle as NodeJS.Timeout); },
});
