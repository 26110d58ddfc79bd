/**
 * Request metrics for Express (4 and 5). Import from `tapemeasure/express`.
 *
 * Express keeps the template of the matched route (`req.route.path`) but not the
 * templates of the routers it is mounted under (`req.baseUrl` holds the actual path,
 * with parameter values). So the middleware, on the first request through each router,
 * wraps the layers that mount a router or a sub-application: each wrapper adds its mount
 * template to the request's route prefix on the way in and removes it on the way out.
 * It also wraps route layers, to see the errors their handlers raise. Nothing else in
 * the application is touched, and `express` is never imported.
 *
 * @module tapemeasure/express
 */
/// <reference types="node" preserve="true" />

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpMetricsOptions } from './http/options.js';
import { HttpRecorder, type RouteResolution } from './http/recorder.js';
import { markError, stateOf, type RequestState } from './http/request-state.js';

export type { HttpDimensions, HttpMetricsOptions, HttpStatusTag } from './http/options.js';

/** Options of {@link expressMetrics}. */
export type ExpressMetricsOptions = HttpMetricsOptions;

/** Express's `next`. */
export type ExpressNext = (error?: unknown) => void;

/**
 * The middleware {@link expressMetrics} returns, with an error handler to register after
 * your routes so that errors raised outside routes (in middleware) are counted too.
 */
export type ExpressMetricsMiddleware = ((request: IncomingMessage, response: ServerResponse, next: ExpressNext) => void) & {
  /**
   * An error-handling middleware (four parameters) that counts the error against the
   * request and passes it on unchanged. Register it after your routes, before your own
   * error handlers.
   */
  readonly errorHandler: (error: unknown, request: IncomingMessage, response: ServerResponse, next: ExpressNext) => void;
};

type Layer = {
  route?: unknown;
  handle?: unknown;
  rawPath?: unknown;
  path?: unknown;
  keys?: readonly { readonly name?: unknown }[];
  params?: Readonly<Record<string, unknown>>;
  [WRAPPED]?: true;
};

type RouterLike = { readonly stack?: unknown };

type ExpressRequest = IncomingMessage & {
  route?: { readonly path?: unknown } | null;
  app?: { readonly _router?: unknown; readonly router?: unknown };
};

const WRAPPED = Symbol('tapemeasure.express.wrapped');
const seenLength = new WeakMap<object, number>();

/** A route path (string, RegExp or array of them) as a template string. */
function pathTemplate(path: unknown): string | undefined {
  if (typeof path === 'string') return path;
  if (path instanceof RegExp) return String(path);
  if (Array.isArray(path)) return path.map((p) => pathTemplate(p) ?? '').join(',');
  return undefined;
}

/** A mount template without its trailing slash (`'/'` mounts add nothing). */
function trimMount(template: string): string {
  let end = template.length;
  while (end > 0 && template.charCodeAt(end - 1) === 0x2f) end--;
  return end === template.length ? template : template.slice(0, end);
}

/**
 * The mount template of a layer that has just matched. Router 2.3+ (Express 5) keeps the
 * template as `rawPath`; older routers keep only the matched path and the parameters, so
 * the template is rebuilt by putting `:name` back in place of each parameter's value.
 *
 * @internal
 */
export function mountTemplate(layer: Layer): string {
  const raw = pathTemplate(layer.rawPath);
  if (raw !== undefined) return trimMount(raw);
  const matched = typeof layer.path === 'string' ? layer.path : '';
  const keys = layer.keys;
  const params = layer.params;
  if (keys === undefined || keys.length === 0 || params === undefined) return trimMount(matched);
  const byValue = new Map<string, string>();
  for (const key of keys) {
    const name = key.name;
    const value = params[String(name)];
    if (typeof value === 'string' && value !== '') byValue.set(value, typeof name === 'string' ? `:${name}` : `:${String(name)}`);
  }
  const segments = matched.split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    let decoded = segment;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      // keep the raw segment
    }
    const replacement = byValue.get(decoded);
    if (replacement !== undefined) segments[i] = replacement;
  }
  return trimMount(segments.join('/'));
}

function isRouting(error: unknown): boolean {
  return error === undefined || error === null || error === 'route' || error === 'router';
}

function wrapMount(layer: Layer, handle: (req: IncomingMessage, res: ServerResponse, next: ExpressNext) => unknown): void {
  const fixed = layer.rawPath !== undefined ? mountTemplate(layer) : undefined;
  const wrapped = function (this: unknown, req: IncomingMessage, res: ServerResponse, next: ExpressNext): unknown {
    const state = stateOf(res);
    if (state === undefined) return handle.call(this, req, res, next);
    const saved = state.mount;
    const savedRoute = (req as ExpressRequest).route;
    const mount = saved + (fixed ?? mountTemplate(layer));
    state.mount = mount;
    instrumentRouter(handle);
    return handle.call(this, req, res, (error?: unknown) => {
      const route = (req as ExpressRequest).route;
      if (route !== savedRoute && route !== state.pinnedRoute) {
        if (isRouting(error)) {
          // A route inside let the request fall through: the request is not that route's.
          state.stale = route;
        } else {
          // A route inside failed: the error handlers outside answer for it, under its template.
          state.pinnedTemplate = resolveRoute(req, state) ?? undefined;
          state.pinnedRoute = route;
        }
      }
      if (state.mount === mount) state.mount = saved;
      if (!isRouting(error)) state.error = true;
      next(error);
    });
  };
  // Express tells middleware from error handlers by arity, and some code reads the name.
  Object.defineProperty(wrapped, 'name', { value: handle.name });
  Object.defineProperty(wrapped, 'length', { value: handle.length });
  layer.handle = wrapped;
  layer[WRAPPED] = true;
}

/** Wraps a route layer so that an error its handlers raise (thrown, rejected or passed to `next`) is counted. */
function wrapRoute(layer: Layer, handle: (req: IncomingMessage, res: ServerResponse, next: ExpressNext) => unknown): void {
  const wrapped = function (this: unknown, req: IncomingMessage, res: ServerResponse, next: ExpressNext): unknown {
    const state = stateOf(res);
    if (state === undefined) return handle.call(this, req, res, next);
    return handle.call(this, req, res, (error?: unknown) => {
      if (!isRouting(error)) state.error = true;
      next(error);
    });
  };
  Object.defineProperty(wrapped, 'name', { value: handle.name });
  Object.defineProperty(wrapped, 'length', { value: handle.length });
  layer.handle = wrapped;
  layer[WRAPPED] = true;
}

/**
 * Wraps the route and mount layers of a router's stack that are not wrapped yet. O(1) when the stack
 * has not grown since the last call.
 */
function instrumentRouter(router: unknown): void {
  if (router === null || (typeof router !== 'object' && typeof router !== 'function')) return;
  const stack = (router as RouterLike).stack;
  if (!Array.isArray(stack)) return;
  if (seenLength.get(router) === stack.length) return;
  seenLength.set(router, stack.length);
  for (const layer of stack as Layer[]) {
    if (layer === null || typeof layer !== 'object' || layer[WRAPPED] === true) continue;
    const handle = layer.handle;
    if (typeof handle !== 'function' || handle.length > 3) continue;
    if (layer.route !== undefined) {
      wrapRoute(layer, handle as (req: IncomingMessage, res: ServerResponse, next: ExpressNext) => unknown);
      continue;
    }
    const isRouter = Array.isArray((handle as RouterLike).stack);
    if (isRouter || handle.name === 'mounted_app') {
      wrapMount(layer, handle as (req: IncomingMessage, res: ServerResponse, next: ExpressNext) => unknown);
    }
  }
}

function appRouter(request: IncomingMessage): unknown {
  const app = (request as ExpressRequest).app;
  if (app === undefined || app === null) return undefined;
  // Express 4 keeps the router as `_router` (its `router` getter throws); Express 5 as `router`.
  return app._router ?? app.router;
}

function resolveRoute(context: unknown, state: RequestState): RouteResolution {
  const route = (context as ExpressRequest).route;
  if (route === undefined || route === null || route === state.stale) return undefined;
  if (route === state.pinnedRoute) return state.pinnedTemplate;
  const path = pathTemplate(route.path);
  if (path === undefined) return undefined;
  const mount = state.mount;
  if (mount === '') return path;
  return path === '/' ? mount : mount + path;
}

/**
 * Creates an Express middleware that times every request under its route template,
 * mount paths included (`/api/users/:id`), tagged with the method and status; requests
 * no route matched are recorded under the route `unmatched`; errors raised in routes are
 * counted. Register it before your routes, and (to count errors raised by other
 * middleware too) its `errorHandler` after them.
 *
 * Series (default prefix `http.server`): `http.server.requests` (timer, ms),
 * `http.server.request_bytes` and `http.server.response_bytes` (histograms, when
 * `Content-Length` is known), `http.server.errors` (counter), tagged `method`, `route`
 * and `status`; `http.server.active_requests` (gauge). With `dimensions: 'name'` the
 * route, method and status are name segments instead (`http.server.users._id.GET.2xx.requests`).
 *
 * @param options - where and how to record.
 * @throws `InvalidOptionError` (`ERR_TAPEMEASURE_INVALID_OPTION`) for a bad option,
 *   `UnknownOptionError` (`ERR_TAPEMEASURE_UNKNOWN_OPTION`) for an unknown one.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { expressMetrics } from 'tapemeasure/express';
 *
 * const app = express();
 * const metrics = expressMetrics();
 * app.use(metrics);
 * app.get('/users/:id', (req, res) => res.json({ id: req.params.id }));
 * app.use(metrics.errorHandler);
 * const server = app.listen(0, '127.0.0.1', () => server.close());
 * ```
 */
export function expressMetrics(options?: ExpressMetricsOptions): ExpressMetricsMiddleware {
  const recorder = new HttpRecorder(options, 'expressMetrics()', resolveRoute);
  const middleware = function tapemeasureMetrics(request: IncomingMessage, response: ServerResponse, next: ExpressNext): void {
    recorder.begin(request, response, request);
    instrumentRouter(appRouter(request));
    next();
  };
  const errorHandler = function tapemeasureErrors(
    error: unknown,
    _request: IncomingMessage,
    response: ServerResponse,
    next: ExpressNext,
  ): void {
    markError(response);
    next(error);
  };
  return Object.assign(middleware, { errorHandler });
}
