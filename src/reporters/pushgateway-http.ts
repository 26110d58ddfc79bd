/**
 * One HTTP request to a Pushgateway, over the one HTTP exchange
 * (`transports/http-exchange.ts`), bounded in time, its failure classified into a coded
 * {@link PushError}.
 *
 * @module
 * @internal
 */

import type { Agent } from 'node:http';
import { ErrorCodes } from '../errors.js';
import { exchange, safeUrl } from '../transports/http-exchange.js';
import { PushError, type PushMethod } from './pushgateway-error.js';
import type { PushTimers } from './pushgateway-retry.js';

export { safeUrl };

/** One request to a group of the gateway. @internal */
export type GatewayRequest = {
  /** The group's URL (base URL plus the grouping-key path), credentials included if any. */
  readonly url: URL;
  /** The method. */
  readonly method: PushMethod;
  /** Every header to send. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body, in pieces sent in order; `null` for a delete. */
  readonly body: readonly Buffer[] | null;
  /** A keep-alive agent to reuse connections; `undefined` for one connection of its own. */
  readonly agent: Agent | undefined;
  /** Whether the socket may let the process exit while the request is pending. */
  readonly unref: boolean;
};

/** A 2xx answer of the gateway. @internal */
export type GatewayAnswer = { readonly status: number; readonly text: string };

/** How much of an answer's body is kept for messages. */
const MAX_TEXT_BYTES = 1_024;

/**
 * Sends one request; resolves with the 2xx answer, rejects with a coded {@link PushError}
 * (`PUSH_TIMEOUT` past `timeoutMs` or on abort, `LOOKUP_FAILED`, `CONNECTION_FAILED`,
 * `PUSH_REJECTED` for any other status).
 *
 * @internal
 */
export async function sendOnce(
  request: GatewayRequest,
  timeoutMs: number,
  timers: PushTimers,
  signal?: AbortSignal,
): Promise<GatewayAnswer> {
  const where = safeUrl(request.url);
  const details = { method: request.method, url: where };
  const verb = request.method.toUpperCase();
  const outcome = await exchange({
    url: request.url, method: verb, headers: request.headers, body: request.body, agent: request.agent,
    timeoutMs, unref: request.unref, maxBodyBytes: MAX_TEXT_BYTES, setTimer: (callback, ms) => timers.setTimeout(callback, ms), signal,
  });
  switch (outcome.kind) {
    case 'answer': {
      const text = outcome.body.toString('utf8').trim();
      if (outcome.ok) return { status: outcome.status, text };
      const said = text === '' ? '' : `: ${text}`;
      throw new PushError(ErrorCodes.PUSH_REJECTED, `${verb} ${where}: the gateway answered ${outcome.status}${said}`, {
        ...details, status: outcome.status, responseText: text,
      });
    }
    case 'timeout':
    case 'aborted':
      throw new PushError(ErrorCodes.PUSH_TIMEOUT, `${verb} ${where}: ${outcome.message}`, details);
    case 'lookup':
    case 'connection': {
      const code = outcome.kind === 'lookup' ? ErrorCodes.LOOKUP_FAILED : ErrorCodes.CONNECTION_FAILED;
      throw new PushError(code, `${verb} ${where}: ${outcome.message}`, {
        ...details,
        ...(outcome.status === undefined ? {} : { status: outcome.status }),
        ...(outcome.cause === undefined ? {} : { cause: outcome.cause }),
      });
    }
  }
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
