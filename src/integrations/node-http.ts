/**
 * Request metrics for plain `node:http` servers: wrap a request handler, or attach to a
 * server. Import from `tapemeasure/node-http`.
 *
 * @module tapemeasure/node-http
 */
/// <reference types="node" preserve="true" />

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { InvalidOptionError, show } from '../errors.js';
import { HttpRecorder, markError, type HttpMetricsOptions, type RequestState, type RouteResolution } from './http/recorder.js';

export type {
  HttpMetricsOptions,
  HttpRequestInfo,
  HttpSeriesName,
  HttpStatusTag,
} from './http/recorder.js';

/** Options of {@link httpMetrics} and {@link instrumentServer}. */
export type NodeHttpMetricsOptions = HttpMetricsOptions & {
  /**
   * Returns the route template of a request (`/users/:id`), or `undefined` when no route
   * matched (recorded under `<prefix>.unmatched`). Called once, when the response ends.
   * It must return a bounded set of templates: never the raw path.
   *
   * @defaultValue none: every request is recorded under `<prefix>.all`
   */
  readonly route?: (request: IncomingMessage, response: ServerResponse) => string | undefined;
};

/** A `node:http` request handler. */
export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => unknown;

function recorderFor(options: NodeHttpMetricsOptions | undefined, what: string): HttpRecorder {
  const route = options?.route;
  if (route !== undefined && typeof route !== 'function') {
    throw new InvalidOptionError(`${what}: route must be a function, received ${show(route)}`);
  }
  const resolve =
    route === undefined
      ? (): RouteResolution => null
      : (context: unknown, state: RequestState): RouteResolution => {
          const template = route(state.request, context as ServerResponse);
          return typeof template === 'string' ? template : undefined;
        };
  return new HttpRecorder(options, what, resolve);
}

/**
 * Wraps a `node:http` request handler so that every request is timed and counted. A
 * synchronous throw or a rejected promise from the handler is counted as an error and
 * otherwise left as it was (the throw propagates, the promise is returned unchanged).
 *
 * @param handler - the handler to wrap.
 * @param options - where and how to record.
 * @returns a handler with the same behaviour.
 * @throws `InvalidOptionError` (`ERR_TAPEMEASURE_INVALID_OPTION`) for a bad option.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { httpMetrics } from 'tapemeasure/node-http';
 *
 * const server = createServer(
 *   httpMetrics((req, res) => res.end('ok'), {
 *     route: (req) => (req.url?.startsWith('/users/') ? '/users/:id' : undefined),
 *   }),
 * );
 * ```
 */
export function httpMetrics<H extends RequestHandler>(handler: H, options?: NodeHttpMetricsOptions): H {
  if (typeof handler !== 'function') {
    throw new InvalidOptionError(`httpMetrics(): handler must be a function, received ${show(handler)}`);
  }
  const recorder = recorderFor(options, 'httpMetrics()');
  const wrapped = function (this: unknown, request: IncomingMessage, response: ServerResponse): unknown {
    recorder.begin(request, response, response);
    let result: unknown;
    try {
      result = handler.call(this, request, response);
    } catch (error) {
      markError(response);
      throw error;
    }
    if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
      // A derived promise that rejects as the original did: a rejection nobody handles
      // is still reported as unhandled, as it was without the wrapper.
      return (result as PromiseLike<unknown>).then(undefined, (error: unknown) => {
        markError(response);
        throw error;
      });
    }
    return result;
  };
  return wrapped as H;
}

/**
 * Times every request a server receives, by adding a first `'request'` listener. Errors
 * thrown by handlers cannot be seen this way: wrap the handler with {@link httpMetrics}
 * to count them.
 *
 * @param server - an `http.Server` or `https.Server`.
 * @param options - where and how to record.
 * @returns a function that detaches the listener.
 * @throws `InvalidOptionError` (`ERR_TAPEMEASURE_INVALID_OPTION`) for a bad option.
 *
 * @example
 * ```ts
 * const server = createServer(app);
 * const detach = instrumentServer(server, { route: (req) => router.lookup(req)?.template });
 * ```
 */
export function instrumentServer(server: Server, options?: NodeHttpMetricsOptions): () => void {
  if (server === null || typeof server !== 'object' || typeof server.prependListener !== 'function') {
    throw new InvalidOptionError(`instrumentServer(): server must be an http.Server, received ${show(server)}`);
  }
  const recorder = recorderFor(options, 'instrumentServer()');
  const listener = (request: IncomingMessage, response: ServerResponse): void => {
    recorder.begin(request, response, response);
  };
  server.prependListener('request', listener);
  return () => {
    server.removeListener('request', listener);
  };
}
