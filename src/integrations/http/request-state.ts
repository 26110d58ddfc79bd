/**
 * The bookkeeping of one request in flight: attached to its response, ended exactly once
 * by the response's `'finish'` or an early `'close'`, through listeners shared by every
 * request (no closure per request).
 *
 * @module
 * @internal
 */

import type { IncomingMessage, ServerResponse } from 'node:http';

/** What ends a request: the recorder that began it. */
export interface RequestSink {
  /** Ends timing (once) and records the request. Never throws. */
  end(state: RequestState, response: ServerResponse, aborted: boolean): void;
}

/**
 * One request in flight. Integrations may set `error` and the router fields (`mount`,
 * `stale`, `pinned*`); the rest is the recorder's.
 *
 * @internal
 */
export class RequestState {
  readonly sink: RequestSink;
  readonly request: IncomingMessage;
  /** What the route resolver is given: the framework's request, reply or context. */
  readonly context: unknown;
  readonly startMs: number;
  /** Whether timing has ended. */
  done = false;
  /** Whether the application raised an error while handling this request. */
  error = false;
  /** The route template prefix of the routers the request is in (Express). */
  mount = '';
  /** A route the request left without being answered (Express fall-through). */
  stale: unknown = undefined;
  /** A route the request left with an error (Express). */
  pinnedRoute: unknown = undefined;
  /** The full template of `pinnedRoute`. */
  pinnedTemplate: string | undefined = undefined;

  constructor(sink: RequestSink, request: IncomingMessage, context: unknown, startMs: number) {
    this.sink = sink;
    this.request = request;
    this.context = context;
    this.startMs = startMs;
  }
}

const STATE = Symbol('tapemeasure.http.state');

type WithState = ServerResponse & { [STATE]?: RequestState };

/**
 * The request state attached to a response, if any.
 *
 * @internal
 */
export function stateOf(response: ServerResponse): RequestState | undefined {
  return (response as WithState)[STATE];
}

/**
 * Marks the request of `response` as having raised an error (counted once, when it ends).
 *
 * @internal
 */
export function markError(response: ServerResponse): void {
  const state = (response as WithState)[STATE];
  if (state !== undefined) state.error = true;
}

function onFinish(this: ServerResponse): void {
  const state = (this as WithState)[STATE];
  if (state !== undefined) state.sink.end(state, this, false);
}

function onClose(this: ServerResponse): void {
  const state = (this as WithState)[STATE];
  if (state !== undefined) state.sink.end(state, this, !this.writableFinished);
}

/**
 * Attaches `state` to `response` and listens for its end. The listeners stay after the
 * end: they find `state.done` set, and the response is per request anyway.
 *
 * @internal
 */
export function track(response: ServerResponse, state: RequestState): void {
  (response as WithState)[STATE] = state;
  response.on('finish', onFinish);
  response.on('close', onClose);
}

/**
 * The request's `Content-Length`, or -1. Reads `rawHeaders`: Node builds
 * `request.headers` lazily, and an application that never reads it should not pay for
 * it here.
 *
 * @internal
 */
export function requestLength(request: IncomingMessage): number {
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i]!;
    if (key.length === 14 && key.toLowerCase() === 'content-length') return contentLength(raw[i + 1]);
  }
  return -1;
}

/**
 * A `Content-Length` header value as a byte count, or -1 when absent or malformed.
 *
 * @internal
 */
export function contentLength(value: unknown): number {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : -1;
  if (typeof value !== 'string' || value === '') return -1;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 ? n : -1;
}
