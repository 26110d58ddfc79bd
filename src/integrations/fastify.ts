/**
 * Request metrics for Fastify (4 and 5), as a plugin. Import from `tapemeasure/fastify`.
 *
 * @module tapemeasure/fastify
 */
/// <reference types="node" preserve="true" />

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpMetricsOptions } from './http/options.js';
import { HttpRecorder, type RouteResolution } from './http/recorder.js';
import { markError } from './http/request-state.js';

export type { HttpDimensions, HttpMetricsOptions, HttpStatusTag } from './http/options.js';

/** Options of {@link fastifyMetrics}. */
export type FastifyMetricsOptions = HttpMetricsOptions;

/** The parts of a Fastify request the plugin reads. */
export type FastifyRequestLike = {
  /** The Node.js request. */
  readonly raw: IncomingMessage;
  /** The matched route's options. */
  readonly routeOptions?: {
    /** The route template, prefixes included; `undefined` for 404s. */
    readonly url?: string | undefined;
  };
};

/** The parts of a Fastify reply the plugin reads. */
export type FastifyReplyLike = {
  /** The Node.js response. */
  readonly raw: ServerResponse;
  /** The request this reply answers. */
  readonly request: FastifyRequestLike;
  /** A header Fastify will send (Fastify keeps its headers until `writeHead()`). */
  getHeader(name: string): unknown;
};

/** The part of a Fastify instance the plugin uses. */
export type FastifyInstanceLike = {
  /** Adds the `onRequest` hook that starts timing. */
  addHook(
    name: 'onRequest',
    hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: (error?: Error) => void) => void,
  ): unknown;
  /** Adds the `onError` hook that counts errors. */
  addHook(
    name: 'onError',
    hook: (request: FastifyRequestLike, reply: FastifyReplyLike, error: Error, done: () => void) => void,
  ): unknown;
};

/** The plugin {@link fastifyMetrics} returns: register it with `app.register()`. */
export type FastifyMetricsPlugin = (instance: FastifyInstanceLike, options: unknown, done: (error?: Error) => void) => void;

function resolveRoute(context: unknown): RouteResolution {
  const request = (context as FastifyReplyLike).request;
  const options = request.routeOptions;
  // Fastify before 4.10 has no routeOptions, only routerPath (deprecated since, so not read otherwise).
  const url = options === undefined ? (request as { readonly routerPath?: unknown }).routerPath : options.url;
  return typeof url === 'string' ? url : undefined;
}

// Fastify hands its headers to writeHead(), where response.getHeader() cannot see them.
function responseLength(context: unknown): unknown {
  return (context as FastifyReplyLike).getHeader('content-length');
}

/**
 * Creates a Fastify plugin that times every request under its route template
 * (`request.routeOptions.url`, which includes the prefixes of `register()`), tagged with
 * method and status; 404s are recorded under the route `unmatched`; errors reaching
 * `onError` are counted. The plugin is not encapsulated (like `fastify-plugin`), so its
 * hooks see every route of the instance it is registered on.
 *
 * Series (default prefix `http.server`): `http.server.requests` (timer, ms),
 * `http.server.request_bytes` and `http.server.response_bytes` (histograms, when
 * `Content-Length` is known), `http.server.errors` (counter), tagged `method`, `route`
 * and `status`; `http.server.active_requests` (gauge).
 *
 * @param options - where and how to record.
 * @throws `InvalidOptionError` (`ERR_TAPEMEASURE_INVALID_OPTION`) for a bad option,
 *   `UnknownOptionError` (`ERR_TAPEMEASURE_UNKNOWN_OPTION`) for an unknown one.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { fastifyMetrics } from 'tapemeasure/fastify';
 *
 * const app = Fastify();
 * await app.register(fastifyMetrics());
 * app.get('/users/:id', async (request) => ({ id: (request.params as { id: string }).id }));
 * await app.listen({ port: 0, host: '127.0.0.1' });
 * await app.close();
 * ```
 */
export function fastifyMetrics(options?: FastifyMetricsOptions): FastifyMetricsPlugin {
  const recorder = new HttpRecorder(options, 'fastifyMetrics()', resolveRoute, responseLength);
  const plugin: FastifyMetricsPlugin = (instance, _options, done) => {
    instance.addHook('onRequest', (request, reply, next) => {
      recorder.begin(request.raw, reply.raw, reply);
      next();
    });
    instance.addHook('onError', (_request, reply, _error, next) => {
      markError(reply.raw);
      next();
    });
    done();
  };
  // What fastify-plugin sets: hooks apply to the parent instance, under a readable name.
  Object.defineProperty(plugin, Symbol.for('skip-override'), { value: true });
  Object.defineProperty(plugin, Symbol.for('fastify.display-name'), { value: 'tapemeasure' });
  return plugin;
}
