/**
 * A push or delete of one group, with its retries, ending in a {@link PushResult}: the
 * part {@link pushMetrics}, {@link deleteMetrics} and the {@link PushgatewayReporter}
 * share.
 *
 * @module
 * @internal
 */

import type { Agent } from 'node:http';
import { ErrorCodes } from '../errors.js';
import type { PushMethod, PushResult } from './pushgateway-error.js';
import { PushError } from './pushgateway-error.js';
import type { PushBody } from './pushgateway-body.js';
import { retryable, safeUrl, sendOnce } from './pushgateway-http.js';
import type { PushTarget } from './pushgateway-options.js';
import { withRetries, type PushTimers } from './pushgateway-retry.js';

/** How a call runs. @internal */
export type PushControl = {
  /** Time, timers and jitter. */
  readonly timers: PushTimers;
  /** A keep-alive agent (a reporter's); `undefined` for a connection per request. */
  readonly agent?: Agent | undefined;
  /** Whether pending requests and waits may let the process exit. */
  readonly unref: boolean;
  /** Aborts the call (the reporter's `stop()` giving up). */
  readonly signal?: AbortSignal | undefined;
};

/**
 * Sends `body` to the group with `method` (`body` `null` for a delete), retrying as the
 * target's policy says. Never rejects.
 *
 * @param target - the group and its policy.
 * @param method - put, post or delete.
 * @param body - the body; `null` for a delete.
 * @param dropped - series left out of the body, for the result.
 * @param startedMs - when the call began on `control.timers`, for `durationMs`.
 * @param control - timers, agent, unref, abort.
 * @internal
 */
export async function sendToGroup(
  target: PushTarget,
  method: PushMethod,
  body: PushBody | null,
  dropped: number,
  startedMs: number,
  control: PushControl,
): Promise<PushResult> {
  const request = {
    url: target.url,
    method,
    headers: { ...target.headers, ...(body?.headers ?? {}) },
    body: body?.pieces ?? null,
    agent: control.agent,
    unref: control.unref,
  };
  const outcome = await withRetries(
    target.policy,
    control.timers,
    (timeoutMs) => sendOnce(request, timeoutMs, control.timers, control.signal),
    retryable,
    control.signal,
  );
  const durationMs = control.timers.nowMs() - startedMs;
  const base = { attempts: outcome.attempts, durationMs, bytes: body?.byteLength ?? 0, series: body?.series ?? 0, dropped };
  if (outcome.ok) return { ...base, ok: true, status: outcome.value.status, error: null };
  const error =
    outcome.error instanceof PushError
      ? outcome.error.withAttempts(outcome.attempts)
      : // sendOnce rejects only with PushError; anything else is a bug worth seeing as such.
        new PushError(ErrorCodes.CONNECTION_FAILED, `${method.toUpperCase()} failed: ${String(outcome.error)}`, {
          method,
          url: safeUrl(target.url),
          attempts: outcome.attempts,
          cause: outcome.error,
        });
  return { ...base, ok: false, status: error.status, error };
}
