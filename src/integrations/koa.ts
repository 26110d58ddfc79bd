/**
 * Request metrics for Koa (2 and 3), with route templates from `@koa/router`. Import from
 * `tapemeasure/koa`.
 *
 * @module tapemeasure/koa
 */
/// <reference types="node" preserve="true" />

import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterSettled } from '../internal/thenable.js';
import type { HttpMetricsOptions } from './http/options.js';
import { HttpRecorder, type RouteResolution } from './http/recorder.js';
import { markError } from './http/request-state.js';

export type { HttpDimensions, HttpMetricsOptions, HttpStatusTag } from './http/options.js';

/** Options of {@link koaMetrics}. */
export type KoaMetricsOptions = HttpMetricsOptions;

/** The parts of a Koa context the middleware reads. */
export type KoaContextLike = {
  /** The Node.js request. */
  readonly req: IncomingMessage;
  /** The Node.js response. */
  readonly res: ServerResponse;
};

/** The middleware {@link koaMetrics} returns. */
export type KoaMetricsMiddleware = (context: KoaContextLike, next: () => Promise<unknown>) => Promise<void>;

type RouterContext = {
  readonly _matchedRoute?: unknown;
  readonly matched?: readonly { readonly path?: unknown; readonly methods?: readonly unknown[] }[];
};

/**
 * The template `@koa/router` matched (prefixes of nested routers included). The router
 * also sets `_matchedRoute` for router-level middleware, which match any path; only a
 * template that belongs to a route with methods counts.
 */
function resolveRoute(context: unknown): RouteResolution {
  const ctx = context as RouterContext;
  const route = ctx._matchedRoute;
  if (route === undefined || route === null) return undefined;
  const matched = ctx.matched;
  if (matched === undefined || typeof matched.length !== 'number') return undefined;
  for (let i = matched.length - 1; i >= 0; i--) {
    const layer = matched[i];
    const methods = layer?.methods;
    if (layer?.path === route && methods !== undefined && methods.length > 0) {
      return typeof route === 'string' ? route : route instanceof RegExp ? String(route) : undefined;
    }
  }
  return undefined;
}

/**
 * Creates a Koa middleware that times every request under the route template
 * `@koa/router` matched (`/api/users/:id`), tagged with method and status; requests no
 * route matched are recorded under the route `unmatched`; errors thrown downstream are
 * counted and rethrown (the promise `next()` returned comes back as one that rejects the
 * same way). Register it first.
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
 * import Koa from 'koa';
 * import Router from '@koa/router';
 * import { koaMetrics } from 'tapemeasure/koa';
 *
 * const app = new Koa();
 * const router = new Router();
 * router.get('/users/:id', (ctx) => { ctx.body = { id: ctx.params.id }; });
 * app.use(koaMetrics());
 * app.use(router.routes());
 * const server = app.listen(0, '127.0.0.1', () => server.close());
 * ```
 */
export function koaMetrics(options?: KoaMetricsOptions): KoaMetricsMiddleware {
  const recorder = new HttpRecorder(options, 'koaMetrics()', resolveRoute);
  return function tapemeasureMetrics(context: KoaContextLike, next: () => Promise<unknown>): Promise<void> {
    recorder.begin(context.req, context.res, context);
    return afterSettled(next, (failed) => {
      if (failed) markError(context.res);
    }) as Promise<void>;
  };
}
