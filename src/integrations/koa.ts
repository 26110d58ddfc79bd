/**
 * Request metrics for Koa (2 and 3), with route templates from `@koa/router`. Import from
 * `tapemeasure/koa`.
 *
 * @module tapemeasure/koa
 */
/// <reference types="node" preserve="true" />

import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpRecorder, markError, type HttpMetricsOptions, type RouteResolution } from './http/recorder.js';

export type { HttpMetricsOptions, HttpRequestInfo, HttpSeriesName, HttpStatusTag } from './http/recorder.js';

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
 * route matched are recorded under one `unmatched` series; errors thrown downstream are
 * counted and rethrown. Register it first.
 *
 * Series, with the default prefix `http`: `http.<route>.requests` (timer),
 * `http.<route>.request_bytes` and `.response_bytes` (histograms, when `Content-Length`
 * is known), `http.<route>.errors` and `.aborted` (counters), `http.in_flight` (gauge).
 *
 * @param options - where and how to record.
 * @throws `InvalidOptionError` (`ERR_TAPEMEASURE_INVALID_OPTION`) for a bad option.
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
 * ```
 */
export function koaMetrics(options?: KoaMetricsOptions): KoaMetricsMiddleware {
  const recorder = new HttpRecorder(options, 'koaMetrics()', resolveRoute);
  return async function tapemeasureMetrics(context: KoaContextLike, next: () => Promise<unknown>): Promise<void> {
    recorder.begin(context.req, context.res, context);
    try {
      await next();
    } catch (error) {
      markError(context.res);
      throw error;
    }
  };
}
