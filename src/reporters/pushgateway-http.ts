/**
 * One HTTP request to a Pushgateway (node:http or node:https), bounded in time, its
 * failure classified into a coded {@link PushError}.
 *
 * @module
 * @internal
 */

import { request as httpRequest, type Agent, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ErrorCodes } from '../errors.js';
import { PushError, type PushErrorCode, type PushMethod } from './pushgateway-error.js';
import type { PushTimers } from './pushgateway-retry.js';

/** One request to a group of the gateway. @internal */
export type GatewayRequest = {
  /** The group's URL (base URL plus the grouping-key path), credentials included if any. */
  readonly url: URL;
  /** The method. */
  readonly method: PushMethod;
  /** Every header to send. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body; `null` for a delete. */
  readonly body: Buffer | null;
  /** A keep-alive agent to reuse connections; `undefined` for one connection of its own. */
  readonly agent: Agent | undefined;
  /** Whether the socket may let the process exit while the request is pending. */
  readonly unref: boolean;
};

/** A 2xx answer. @internal */
export type GatewayAnswer = { readonly status: number; readonly text: string };

/** How much of an answer is kept for messages. */
const MAX_TEXT_BYTES = 1_024;

const LOOKUP_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);

/** The URL as it may appear in messages: no credentials, no query. @internal */
export function safeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function requestOptions(request: GatewayRequest): RequestOptions {
  const { url } = request;
  const options: RequestOptions = {
    protocol: url.protocol,
    // `new URL('http://[::1]:9091').hostname` is `[::1]`; node:http wants `::1`.
    hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
    path: `${url.pathname}${url.search}`,
    method: request.method.toUpperCase(),
    headers: request.headers,
    agent: request.agent ?? false,
  };
  if (url.port !== '') options.port = Number(url.port);
  if (url.username !== '' || url.password !== '') {
    options.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  }
  return options;
}

/**
 * Sends `request` once. Resolves with a 2xx answer; rejects with a {@link PushError}
 * otherwise: `PUSH_REJECTED` for another status, `PUSH_TIMEOUT` when no complete answer
 * came within `timeoutMs` or `signal` aborted, `LOOKUP_FAILED` or `CONNECTION_FAILED` for
 * the network.
 *
 * @internal
 */
export function sendOnce(
  request: GatewayRequest,
  timeoutMs: number,
  timers: PushTimers,
  signal?: AbortSignal,
): Promise<GatewayAnswer> {
  const where = safeUrl(request.url);
  const details = { method: request.method, url: where };
  const verb = request.method.toUpperCase();
  return new Promise<GatewayAnswer>((resolve, reject) => {
    let settled = false;
    let failure: PushError | null = null;
    const send = request.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(requestOptions(request));
    const finish = (error: PushError | null, answer?: GatewayAnswer): void => {
      if (settled) return;
      settled = true;
      cancelTimer();
      signal?.removeEventListener('abort', onAbort);
      if (error !== null) {
        reject(error);
        if (!req.destroyed) req.destroy();
      } else resolve(answer!);
    };
    // Destroying the request makes it emit 'error'; remember why we destroyed it.
    const stopWith = (error: PushError): void => {
      failure = error;
      req.destroy(error);
      finish(error);
    };
    const cancelTimer = timers.setTimeout(() => {
      stopWith(new PushError(ErrorCodes.PUSH_TIMEOUT, `${verb} ${where}: no complete answer within ${timeoutMs} ms`, details));
    }, timeoutMs);
    const onAbort = (): void => {
      stopWith(new PushError(ErrorCodes.PUSH_TIMEOUT, `${verb} ${where}: aborted (${String(signal?.reason ?? 'stopped')})`, details));
    };
    if (signal?.aborted === true) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });

    req.on('socket', (socket) => {
      if (request.unref) socket.unref();
      else socket.ref();
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (failure !== null) return;
      const code: PushErrorCode = LOOKUP_CODES.has(error.code ?? '') ? ErrorCodes.LOOKUP_FAILED : ErrorCodes.CONNECTION_FAILED;
      const what = code === ErrorCodes.LOOKUP_FAILED ? `cannot resolve ${request.url.hostname}` : 'connection failed';
      finish(new PushError(code, `${verb} ${where}: ${what}: ${error.message}`, { ...details, cause: error }));
    });
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const parts: Buffer[] = [];
      let kept = 0;
      res.on('data', (chunk: Buffer) => {
        // Keep the start for messages; read the rest so the connection can be reused.
        if (kept < MAX_TEXT_BYTES) {
          parts.push(chunk.subarray(0, MAX_TEXT_BYTES - kept));
          kept += Math.min(chunk.length, MAX_TEXT_BYTES - kept);
        }
      });
      res.on('error', (error) => {
        if (failure !== null) return;
        finish(new PushError(ErrorCodes.CONNECTION_FAILED, `${verb} ${where}: the answer broke off: ${error.message}`, { ...details, status, cause: error }));
      });
      res.on('close', () => {
        if (!res.complete && failure === null) {
          finish(new PushError(ErrorCodes.CONNECTION_FAILED, `${verb} ${where}: the answer broke off`, { ...details, status }));
        }
      });
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8').trim();
        if (status >= 200 && status < 300) {
          finish(null, { status, text });
          return;
        }
        const said = text === '' ? '' : `: ${text}`;
        finish(new PushError(ErrorCodes.PUSH_REJECTED, `${verb} ${where}: the gateway answered ${status}${said}`, {
          ...details,
          status,
          responseText: text,
        }));
      });
    });
    req.end(request.body ?? undefined);
  });
}

/**
 * Whether a failed request is worth retrying: the network (but not a name that does not
 * resolve), a timeout, or a status that says "later" (408, 429, 5xx). A 4xx means the
 * push itself is wrong (inconsistent metrics, a bad grouping key): the same push would
 * fail again.
 *
 * @internal
 */
export function retryable(error: unknown): boolean {
  if (!(error instanceof PushError)) return false;
  switch (error.code) {
    case ErrorCodes.CONNECTION_FAILED:
    case ErrorCodes.PUSH_TIMEOUT:
      return true;
    case ErrorCodes.LOOKUP_FAILED:
      return (error.cause as NodeJS.ErrnoException | undefined)?.code === 'EAI_AGAIN';
    case ErrorCodes.PUSH_REJECTED: {
      const status = error.status ?? 0;
      return status === 408 || status === 429 || status >= 500;
    }
  }
}
