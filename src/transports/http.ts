/**
 * The HTTP transport: each record is the body of one `POST` (an OTLP export, a
 * Pushgateway push), sent in order, one at a time, over one keep-alive connection.
 *
 * - Retries with exponential backoff and jitter on 429, 502, 503 and 504, on timeouts
 *   and on connection failures, honouring `Retry-After`; any other status drops the
 *   request. See {@link HttpRetryOptions}.
 * - A queue bounded in bytes holds what waits: beyond `maxQueueBytes` the oldest
 *   waiting requests are dropped and counted.
 * - Never throws: failures go to `onError` as {@link HttpTransportError}s and are counted.
 * - `stop()` (or `close()`) sends what it can within its time bound, then drops the rest
 *   (counted) and closes the connection.
 *
 * @module
 */

import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { ErrorCodes, show } from '../errors.js';
import { checkValue, readOptions } from '../internal/options.js';
import { WarningLimiter } from '../internal/warnings.js';
import {
  DEFAULT_CLOSE_MS,
  DEFAULT_HTTP_QUEUE_BYTES,
  DEFAULT_TIMERS,
  HTTP_SCHEMA,
  httpUrlCheck,
  MAX_RESPONSE_BYTES,
  MAX_TIMER_MS,
  type HttpResponse,
  type HttpTimers,
  type HttpTransportOptions,
  type HttpTransportStats,
} from './http-options.js';
import {
  DEFAULT_RETRY,
  HttpTransportError,
  parseRetryAfter,
  RETRYABLE_STATUSES,
  type HttpRetryOptions,
  type HttpTransportErrorCode,
} from './http-retry.js';
import { backoffDelayMs } from './backoff.js';
import { exchange } from './http-exchange.js';
import { MutableTransportStats, type Transport } from './transport.js';

const gzip = promisify(gzipCallback);

type Entry = { readonly body: Uint8Array; wire: Uint8Array | null; attempts: number };
type Outcome =
  | { readonly ok: true; readonly response: HttpResponse }
  | { readonly ok: false; readonly code: HttpTransportErrorCode; readonly message: string; readonly retryable: boolean;
      readonly status?: number; readonly retryAfterMs?: number | null; readonly cause?: unknown };

function unref(handle: unknown): unknown {
  (handle as { unref?: () => void } | null)?.unref?.();
  return handle;
}

/**
 * Sends each record as the body of one `POST`, in order, with retries, a bounded queue
 * and counted drops. Implements {@link Transport}.
 *
 * @example
 * ```ts
 * import { HttpTransport } from 'tapemeasure';
 *
 * const transport = new HttpTransport({ url: 'http://127.0.0.1:9/ingest', contentType: 'application/json' });
 * transport.send('{"hello":"world"}'); // nothing listens on port 9: counted, reported, never thrown
 * await transport.stop(1_000);
 * console.log(transport.stats.droppedLines);
 * ```
 */
export class HttpTransport implements Transport {
  /** Where requests go. */
  readonly url: URL;
  readonly #where: string;
  readonly #agent: http.Agent;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #gzip: boolean;
  readonly #timeoutMs: number;
  readonly #retry: Required<HttpRetryOptions>;
  readonly #maxQueueBytes: number;
  readonly #onError: (error: HttpTransportError) => void;
  readonly #onResponse: ((response: HttpResponse) => void) | undefined;
  readonly #timers: HttpTimers;
  readonly #random: () => number;
  readonly #queue: Entry[] = [];
  readonly #stats = new MutableTransportStats();
  readonly #idle: (() => void)[] = [];
  #retries = 0;
  #active: Entry | null = null;
  #inFlight: AbortController | null = null;
  #wait: unknown = null;
  #closing = false;
  #aborted = false;
  #queueFullReported = false;
  #closed: Promise<void> | null = null;

  /**
   * @param options - where to send and how; see {@link HttpTransportOptions}.
   * @throws {@link InvalidOptionError} or {@link UnknownOptionError} for a bad option.
   */
  constructor(options: HttpTransportOptions) {
    const o = readOptions('HttpTransport', options, HTTP_SCHEMA);
    this.url = o.url ?? checkValue('HttpTransport', "option 'url'", undefined, httpUrlCheck);
    this.#where = `POST ${this.url.origin}${this.url.pathname}`;
    const https_ = this.url.protocol === 'https:';
    this.#agent = new (https_ ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: 1 });
    this.#gzip = o.compression === 'gzip';
    this.#headers = Object.freeze({
      ...o.headers,
      'content-type': o.contentType ?? 'application/octet-stream',
      ...(this.#gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    this.#timeoutMs = o.timeoutMs ?? 10_000;
    this.#retry = o.retry ?? { ...DEFAULT_RETRY };
    this.#maxQueueBytes = o.maxQueueBytes ?? DEFAULT_HTTP_QUEUE_BYTES;
    const limiter = new WarningLimiter();
    const onError = (o.onError as ((error: HttpTransportError) => void) | undefined) ?? ((error: HttpTransportError) => void limiter.warn(error));
    this.#onError = (error) => {
      try {
        onError(error);
      } catch {
        // onError must not throw; if it does, sending goes on.
      }
    };
    this.#onResponse = o.onResponse as ((response: HttpResponse) => void) | undefined;
    this.#timers = o.timers ?? DEFAULT_TIMERS;
    this.#random = (o.random as (() => number) | undefined) ?? Math.random;
  }

  /** A fresh copy of the counters. */
  get stats(): HttpTransportStats {
    return Object.freeze({ ...this.#stats.copy(), retries: this.#retries });
  }

  /**
   * Queues one request body (a string is sent as UTF-8). Drops the oldest waiting
   * bodies if the queue would exceed `maxQueueBytes`.
   *
   * @returns `false` if this body was dropped (larger than `maxQueueBytes`, or stopped).
   */
  send(record: string | Uint8Array): boolean {
    const body = typeof record === 'string' ? Buffer.from(record, 'utf8') : record;
    if (this.#closing) {
      this.#drop(body.length);
      return false;
    }
    if (body.length > this.#maxQueueBytes) {
      this.#drop(body.length);
      this.#onError(new HttpTransportError(ErrorCodes.RECORD_TOO_LARGE,
        `${this.#where}: a body of ${body.length} bytes exceeds maxQueueBytes (${this.#maxQueueBytes}); dropped`));
      return false;
    }
    // Drop the oldest bodies that are not on the wire until this one fits.
    while (this.#stats.queuedBytes + body.length > this.#maxQueueBytes) {
      const index = this.#queue[0] === this.#active ? 1 : 0;
      const old = this.#queue[index];
      if (old === undefined) break;
      this.#queue.splice(index, 1);
      this.#stats.queuedBytes -= old.body.length;
      this.#drop(old.body.length);
      if (!this.#queueFullReported) {
        this.#queueFullReported = true;
        this.#onError(new HttpTransportError(ErrorCodes.QUEUE_FULL,
          `${this.#where}: the queue reached maxQueueBytes (${this.#maxQueueBytes}); dropping the oldest requests`));
      }
    }
    this.#queue.push({ body, wire: null, attempts: 0 });
    this.#stats.queuedBytes += body.length;
    this.#pump();
    return true;
  }

  /** Starts the next request if none is running or waiting to be retried. */
  flush(): void {
    this.#pump();
  }

  /**
   * Sends what is queued within `timeoutMs` (retries included), then drops the rest
   * (counted), aborts a request still running and closes the connection. While it
   * waits, it keeps the process alive (so `await stop()` at the end of a script
   * delivers). Never rejects; later `send()`s are dropped. Safe to call twice.
   *
   * @param timeoutMs - the most time to spend, in milliseconds.
   */
  stop(timeoutMs = DEFAULT_CLOSE_MS): Promise<void> {
    this.#closed ??= this.#close(timeoutMs);
    return this.#closed;
  }

  /** The {@link Transport} name of {@link HttpTransport.stop}. */
  close(timeoutMs?: number): Promise<void> {
    return this.stop(timeoutMs);
  }

  /** `await using transport = ...` stops it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  async #close(timeoutMs: number): Promise<void> {
    this.#closing = true;
    if (this.#active !== null || this.#queue.length > 0) {
      await new Promise<void>((resolve) => {
        // Not unref()ed: this timer keeps the process alive until the queue is flushed.
        const deadline = this.#timers.setTimeout(() => {
          this.#abort();
          resolve();
        }, Math.min(Math.max(0, timeoutMs), MAX_TIMER_MS));
        this.#idle.push(() => {
          this.#timers.clearTimeout(deadline);
          resolve();
        });
      });
    }
    this.#agent.destroy();
  }

  /** Gives up: drops everything queued (counted) and aborts the running request. */
  #abort(): void {
    this.#aborted = true;
    if (this.#wait !== null) this.#timers.clearTimeout(this.#wait);
    this.#wait = null;
    for (const entry of this.#queue) this.#drop(entry.body.length);
    this.#queue.length = 0;
    this.#stats.queuedBytes = 0;
    this.#inFlight?.abort();
  }

  #drop(bytes: number): void {
    this.#stats.droppedLines++;
    this.#stats.droppedBytes += bytes;
  }

  #pump(): void {
    if (this.#active !== null || this.#wait !== null || this.#aborted) return;
    const entry = this.#queue[0];
    if (entry === undefined) {
      if (this.#closing) for (const done of this.#idle.splice(0)) done();
      return;
    }
    this.#active = entry;
    void this.#attempt(entry);
  }

  async #attempt(entry: Entry): Promise<void> {
    let outcome: Outcome;
    try {
      if (this.#gzip && entry.wire === null) entry.wire = await gzip(entry.body);
      outcome = this.#aborted ? aborted() : await this.#post(entry.wire ?? entry.body);
    } catch (error) {
      outcome = { ok: false, code: ErrorCodes.SEND_FAILED, message: `could not send: ${String(error)}`, retryable: false, cause: error };
    }
    this.#active = null;
    this.#inFlight = null;
    entry.attempts++;
    this.#stats.sentPackets++;
    if (entry.attempts > 1) this.#retries++;
    const index = this.#queue.indexOf(entry);
    if (index < 0) {
      // Dropped meanwhile (stop() gave up): already counted.
      this.#pump();
      return;
    }
    if (outcome.ok) {
      this.#queue.splice(index, 1);
      this.#stats.queuedBytes -= entry.body.length;
      this.#stats.sentLines++;
      this.#stats.sentBytes += (entry.wire ?? entry.body).length;
      this.#queueFullReported = false;
      try {
        this.#onResponse?.(outcome.response);
      } catch {
        // A throwing onResponse must not stop sending.
      }
      this.#pump();
      return;
    }
    this.#stats.errors++;
    const retry = outcome.retryable && entry.attempts < this.#retry.maxAttempts && !this.#aborted;
    const waitMs = retry ? (outcome.retryAfterMs ?? backoffDelayMs(entry.attempts, this.#retry.initialBackoffMs, this.#retry.maxBackoffMs, this.#random)) : 0;
    if (!retry) {
      this.#queue.splice(index, 1);
      this.#stats.queuedBytes -= entry.body.length;
      this.#drop(entry.body.length);
    }
    const next = retry ? `retrying in ${waitMs} ms` : outcome.retryable ? 'giving up; dropped' : 'dropped';
    this.#onError(new HttpTransportError(outcome.code,
      `${this.#where}: ${outcome.message} (attempt ${entry.attempts} of ${this.#retry.maxAttempts}; ${next})`, {
        attempt: entry.attempts, willRetry: retry, cause: outcome.cause,
        ...(outcome.status === undefined ? {} : { status: outcome.status }),
        ...(retry ? { retryInMs: waitMs } : {}),
      }));
    if (retry) {
      this.#wait = unref(this.#timers.setTimeout(() => {
        this.#wait = null;
        this.#pump();
      }, waitMs));
      return;
    }
    this.#pump();
  }

  /** One attempt over the one HTTP exchange: resolves with its outcome, never rejects. */
  async #post(body: Uint8Array): Promise<Outcome> {
    const controller = new AbortController();
    this.#inFlight = controller;
    const answer = await exchange({
      url: this.url, method: 'POST', headers: this.#headers, body, agent: this.#agent, timeoutMs: this.#timeoutMs,
      unref: true, maxBodyBytes: MAX_RESPONSE_BYTES, signal: controller.signal,
      setTimer: (callback, ms) => {
        const handle = unref(this.#timers.setTimeout(callback, ms));
        return () => {
          this.#timers.clearTimeout(handle);
        };
      },
    });
    switch (answer.kind) {
      case 'answer':
        return this.#outcome(answer.status, answer.statusText, answer.headers, answer.body);
      case 'timeout':
        return { ok: false, code: ErrorCodes.REQUEST_TIMEOUT, message: `no response within ${this.#timeoutMs} ms`, retryable: true };
      case 'aborted':
        return aborted();
      case 'lookup':
      case 'connection':
        if (this.#aborted) return aborted();
        return {
          ok: false, code: answer.kind === 'lookup' ? ErrorCodes.LOOKUP_FAILED : ErrorCodes.CONNECTION_FAILED,
          message: `${answer.kind} failed: ${answer.message}`, retryable: true, cause: answer.cause,
        };
    }
  }

  #outcome(status: number, statusText: string, headers: IncomingHttpHeaders, body: Buffer): Outcome {
    const contentType = headers['content-type'] ?? '';
    if (status >= 200 && status < 300) return { ok: true, response: { status, headers, contentType, body } };
    const retryable = RETRYABLE_STATUSES.has(status);
    const text = body.length === 0 ? '' : `: ${show(body.subarray(0, 200).toString('utf8'))}`;
    return {
      ok: false, code: ErrorCodes.HTTP_STATUS, message: `status ${status} ${statusText}${text}`, retryable, status,
      retryAfterMs: retryable ? parseRetryAfter(headers['retry-after'], Date.now()) : null,
    };
  }
}

function aborted(): Outcome {
  return { ok: false, code: ErrorCodes.REQUEST_TIMEOUT, message: 'stopped before a response', retryable: false };
}
