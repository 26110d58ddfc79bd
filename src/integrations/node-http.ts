/**
 * Request metrics for plain `node:http` servers: wrap a request handler, or attach to a
 * server. Import from `tapemeasure/node-http`.
 *
 * @module tapemeasure/node-http
 */
/// <reference types="node" preserve="true" />

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { InvalidArgumentError, show } from '../errors.js';
import { func, readOptions } from '../internal/options.js';
import { afterSettled } from '../internal/thenable.js';
import { HTTP_OPTIONS, type HttpMetricsOptions } from './http/options.js';
import { HttpRecorder, type RouteResolution } from './http/recorder.js';
import { markError, type RequestState } from './http/request-state.js';

export type { HttpDimensions, HttpMetricsOptions, HttpStatusTag } from './http/options.js';

/** Options of {@link httpMetrics} and {@link instrumentServer}. */
export type NodeHttpMetricsOptions = HttpMetricsOptions & {
  /**
   * Returns the route template of a request (`/users/:id`), or `undefined` when no route
   * matched (recorded under the route `unmatched`). Called once, when the response ends.
   * It must return a bounded set of templates: never the raw path.
   *
   * @defaultValue none: requests are recorded without a route
   */
  readonly route?: (request: IncomingMessage, response: ServerResponse) => string | undefined;
};

/** A `node:http` request handler. */
export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => unknown;

const NODE_HTTP_OPTIONS = Object.freeze({ route: func });

function recorderFor(options: NodeHttpMetricsOptions | undefined, where: string): HttpRecorder {
  const { route } = readOptions(where, options, NODE_HTTP_OPTIONS, HTTP_OPTIONS);
  const resolve =
    route === undefined
      ? (): RouteResolution => null
      : (context: unknown, state: RequestState): RouteResolution => {
          const template = (route as NonNullable<NodeHttpMetricsOptions['route']>)(state.request, context as ServerResponse);
          return typeof template === 'string' ? template : undefined;
        };
  return new HttpRecorder(options, where, resolve, undefined, NODE_HTTP_OPTIONS);
}

/**
 * Wraps a `node:http` request handler so that every request is timed and counted. A
 * synchronous throw or a rejected promise from the handler is counted as an error and
 * otherwise left as it was: the throw propagates, and the promise comes back as one that
 * rejects the same way (a rejection nobody handles is still reported as unhandled).
 *
 * Series (default prefix `http.server`): `http.server.requests` (timer, ms),
 * `http.server.request_bytes` and `http.server.response_bytes` (histograms, when
 * `Content-Length` is known), `http.server.errors` (counter), tagged `method`, `route`
 * (with a `route` option) and `status`; `http.server.active_requests` (gauge).
 *
 * @param handler - the handler to wrap.
 * @param options - where and how to record.
 * @returns a handler with the same behaviour.
 * @throws `InvalidArgumentError` (`ERR_TAPEMEASURE_INVALID_ARGUMENT`) if `handler` is not a function;
 *   `InvalidOptionError` or `UnknownOptionError` for a bad or unknown option.
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
 * server.listen(0, '127.0.0.1', () => server.close());
 * ```
 */
export function httpMetrics<H extends RequestHandler>(handler: H, options?: NodeHttpMetricsOptions): H {
  if (typeof handler !== 'function') {
    throw new InvalidArgumentError(`httpMetrics(): handler must be a function, received ${show(handler)}`);
  }
  const recorder = recorderFor(options, 'httpMetrics()');
  const wrapped = function (this: unknown, request: IncomingMessage, response: ServerResponse): unknown {
    recorder.begin(request, response, response);
    return afterSettled(
      () => handler.call(this, request, response),
      (failed) => {
        if (failed) markError(response);
      },
    );
  };
  return wrapped as H;
}

/**
 * Times every request a server receives, by adding a first `'request'` listener. Errors
 * thrown by handlers cannot be seen this way: wrap the handler with {@link httpMetrics}
 * to count them. Records the series {@link httpMetrics} does.
 *
 * @param server - an `http.Server` or `https.Server`.
 * @param options - where and how to record.
 * @returns a function that detaches the listener.
 * @throws `InvalidArgumentError` (`ERR_TAPEMEASURE_INVALID_ARGUMENT`) if `server` is not a server;
 *   `InvalidOptionError` or `UnknownOptionError` for a bad or unknown option.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { instrumentServer } from 'tapemeasure/node-http';
 *
 * const server = createServer((req, res) => res.end('ok'));
 * const detach = instrumentServer(server, { route: (req) => (req.url === '/' ? '/' : undefined) });
 * server.listen(0, '127.0.0.1', () => {
 *   detach();
 *   server.close();
 * });
 * ```
 */
export function instrumentServer(server: Server, options?: NodeHttpMetricsOptions): () => void {
  if (server === null || typeof server !== 'object' || typeof server.prependListener !== 'function') {
    throw new InvalidArgumentError(`instrumentServer(): server must be an http.Server, received ${show(server)}`);
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
