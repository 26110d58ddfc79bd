/**
 * One HTTP request and its answer, the one exchange under every HTTP sender (the OTLP
 * transport's POSTs, the Pushgateway's PUT/POST/DELETE): a deadline for the complete
 * answer, an abort signal, the start of the body kept for messages and the rest read so
 * that a keep-alive connection can be reused, an answer that breaks off reported as such
 * (not left to the deadline), and credentials in the URL turned into basic auth. It
 * never rejects: every failure is an outcome the sender maps to its own coded error.
 *
 * @module
 * @internal
 */

import { request as httpRequest, type Agent, type ClientRequest, type IncomingHttpHeaders, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** What {@link exchange} sends. @internal */
export type HttpExchangeRequest = {
  readonly url: URL;
  /** `GET`, `POST`, `PUT`, `DELETE`, ... */
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  /**
   * The body: bytes, or pieces of it sent in order (each written when the one before has
   * drained, so that a large body never holds the event loop); `null` for none.
   */
  readonly body: Uint8Array | readonly Uint8Array[] | null;
  /** The agent (keep-alive), or `undefined` for a connection of its own. */
  readonly agent: Agent | undefined;
  /** The deadline for the complete answer, in milliseconds. */
  readonly timeoutMs: number;
  /** Whether the socket may let the process exit (`unref()`). */
  readonly unref: boolean;
  /** The most bytes of the answer's body kept (the rest is read and dropped). */
  readonly maxBodyBytes: number;
  /** Arms a timer; returns its cancel function. */
  readonly setTimer: (callback: () => void, ms: number) => () => void;
  readonly signal?: AbortSignal | undefined;
};

/** How an {@link exchange} ended. @internal */
export type HttpExchangeOutcome =
  | {
      /** A complete answer: `ok` when its status is 2xx. */
      readonly kind: 'answer';
      readonly ok: boolean;
      readonly status: number;
      readonly statusText: string;
      readonly headers: IncomingHttpHeaders;
      /** The first `maxBodyBytes` of the body. */
      readonly body: Buffer;
    }
  | {
      /**
       * `lookup`: the host name did not resolve; `connection`: no connection, or it broke
       * (also mid-answer); `timeout`: no complete answer in time; `aborted`: the signal.
       */
      readonly kind: 'lookup' | 'connection' | 'timeout' | 'aborted';
      readonly ok: false;
      readonly message: string;
      /** The status, when the answer had begun. */
      readonly status?: number;
      readonly cause?: unknown;
    };

const LOOKUP_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);

/** The URL without credentials, query or fragment: safe for messages. @internal */
export function safeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function bodyBytes(body: Uint8Array | readonly Uint8Array[]): number {
  if (body instanceof Uint8Array) return body.byteLength;
  let n = 0;
  for (const piece of body) n += piece.byteLength;
  return n;
}

/**
 * Writes the pieces of a body in order, waiting for `'drain'` whenever the socket's
 * buffer is full, then ends the request. A request destroyed meanwhile (timeout, abort,
 * error) emits no `'drain'`: the rest is never written.
 */
function writePieces(req: ClientRequest, pieces: readonly Uint8Array[]): void {
  let i = 0;
  const more = (): void => {
    while (i < pieces.length) {
      if (req.destroyed) return;
      if (!req.write(pieces[i++]!)) {
        req.once('drain', more);
        return;
      }
    }
    req.end();
  };
  more();
}

function requestOptions(request: HttpExchangeRequest): RequestOptions {
  const { url } = request;
  const options: RequestOptions = {
    protocol: url.protocol,
    // `new URL('http://[::1]:9091').hostname` is `[::1]`; node:http wants `::1`.
    hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
    path: `${url.pathname}${url.search}`,
    method: request.method,
    headers: request.body === null ? request.headers : { ...request.headers, 'content-length': String(bodyBytes(request.body)) },
    agent: request.agent ?? false,
  };
  if (url.port !== '') options.port = Number(url.port);
  if (url.username !== '' || url.password !== '') {
    options.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  }
  return options;
}

/** Sends one request and reads its answer; resolves with how it ended, never rejects. @internal */
export function exchange(request: HttpExchangeRequest): Promise<HttpExchangeOutcome> {
  return new Promise<HttpExchangeOutcome>((resolve) => {
    let settled = false;
    const send = request.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(requestOptions(request));
    const finish = (outcome: HttpExchangeOutcome): void => {
      if (settled) return;
      settled = true;
      cancelTimer();
      request.signal?.removeEventListener('abort', onAbort);
      if (outcome.kind !== 'answer' && !req.destroyed) req.destroy();
      resolve(outcome);
    };
    const cancelTimer = request.setTimer(() => {
      finish({ kind: 'timeout', ok: false, message: `no complete answer within ${request.timeoutMs} ms` });
    }, request.timeoutMs);
    const onAbort = (): void => {
      finish({ kind: 'aborted', ok: false, message: `aborted (${String(request.signal?.reason ?? 'stopped')})` });
    };
    if (request.signal?.aborted === true) {
      onAbort();
      return;
    }
    request.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('socket', (socket) => {
      if (request.unref) socket.unref();
      else socket.ref();
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      const lookup = LOOKUP_CODES.has(error.code ?? '');
      const what = lookup ? `cannot resolve ${request.url.hostname}` : 'connection failed';
      finish({ kind: lookup ? 'lookup' : 'connection', ok: false, message: `${what}: ${error.message}`, cause: error });
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const parts: Buffer[] = [];
      let kept = 0;
      res.on('data', (chunk: Buffer) => {
        if (kept < request.maxBodyBytes) {
          parts.push(chunk.subarray(0, request.maxBodyBytes - kept));
          kept += Math.min(chunk.length, request.maxBodyBytes - kept);
        }
      });
      res.on('error', (error) => {
        finish({ kind: 'connection', ok: false, message: `the answer broke off: ${error.message}`, status, cause: error });
      });
      res.on('close', () => {
        if (!res.complete) finish({ kind: 'connection', ok: false, message: 'the answer broke off', status });
      });
      res.on('end', () => {
        finish({
          kind: 'answer', ok: status >= 200 && status < 300, status, statusText: res.statusMessage ?? '',
          headers: res.headers, body: Buffer.concat(parts),
        });
      });
    });
    const body = request.body;
    if (body === null || body instanceof Uint8Array) req.end(body ?? undefined);
    else writePieces(req, body);
  });
}
