/**
 * `dashboardHandler()`: a `(req, res)` handler that serves the live dashboard (the page,
 * its static files and its JSON feed) for node:http, Express, Fastify and Koa, like
 * `metricsHandler`. `serveMetrics()` mounts it at `/dashboard`.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCodes, MetricsError } from '../../errors.js';
import { WarningLimiter } from '../../internal/warnings.js';
import { isAssetName, loadAsset, renderPage, type Asset } from './assets.js';
import { buildFeed, parseFeedQuery } from './feed.js';
import { SECURITY_HEADERS } from './headers.js';
import { readOptions } from '../../internal/options.js';
import type { MetricRegistry } from '../../registry/types.js';
import { DASHBOARD_SERVER_OPTION, readDashboardOptions, type DashboardOptions } from './options.js';
import { Sampler, TIMER_SCHEDULER, type Scheduler } from './sampler.js';

/**
 * The dashboard's request handler, with `stop()` for its sampling timer. Works as a
 * node:http listener and as Express middleware directly; with Fastify and Koa, hand it
 * the raw request and response (see docs/dashboard.md). Resolves when the response is
 * written; never rejects.
 */
export type DashboardHandler = {
  /** Answers one request for the page, one of its static files, or the feed. */
  (req: IncomingMessage, res: ServerResponse): Promise<void>;
  /**
   * Stops sampling now and frees the history (it also stops by itself after
   * `idleTimeoutMs` without a page); a later request starts it again. Never rejects.
   */
  stop(): Promise<void>;
  /** Same as `stop()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
};

/** Where `serveMetrics()` serves the dashboard. */
export const DASHBOARD_PATH = '/dashboard';

/**
 * Whether a request path is the dashboard's when it is mounted at `mount`: the mount
 * itself and everything under it (`/dashboard`, `/dashboard/`, `/dashboard/feed`).
 *
 * @param pathname - the path of the request, without its query.
 * @param mount - where the dashboard is mounted.
 * @internal
 */
export function isDashboardPath(pathname: string, mount: string = DASHBOARD_PATH): boolean {
  return pathname === mount || pathname.startsWith(`${mount}/`);
}

const ALLOW = 'GET, HEAD';
const TEXT = 'text/plain; charset=utf-8';
/** A last path segment the page may be asked for under (reused, relative, in the page's links). */
const PAGE_SEGMENT = /^(?!\.+$)[\w.~%-]{1,100}$/;

function respond(
  res: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string | number>>,
  body: Buffer | string | null,
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...SECURITY_HEADERS, ...headers });
  res.end(body ?? undefined);
}

function sendAsset(req: IncomingMessage, res: ServerResponse, asset: Asset, cacheControl: string, head: boolean): void {
  const headers = { 'Content-Type': asset.contentType, 'Cache-Control': cacheControl, ETag: asset.etag };
  if (req.headers['if-none-match'] === asset.etag) {
    respond(res, 304, headers, null);
    return;
  }
  respond(res, 200, { ...headers, 'Content-Length': asset.body.length }, head ? null : asset.body);
}

/**
 * Creates the dashboard with an injected scheduler (tests drive time with it).
 *
 * @internal
 */
export function createDashboard(where: string, options: unknown, scheduler: Scheduler): DashboardHandler {
  const config = readDashboardOptions(where, options);
  const warnings = new WarningLimiter();
  const onError = config.onError ?? ((error: MetricsError) => void warnings.warn(error));
  const report = (error: MetricsError): void => {
    try {
      onError(error);
    } catch {
      // onError must not throw; the application must not see it either way.
    }
  };
  const sampler = new Sampler(config, scheduler, report);

  async function serveFeed(res: ServerResponse, query: URLSearchParams, head: boolean): Promise<void> {
    const ring = await sampler.demand();
    const feed = await buildFeed(ring, parseFeedQuery(query), {
      title: config.title,
      nowMs: config.clock.now(),
      intervalMs: config.intervalMs,
      historyMs: config.historyMs,
    });
    const body = Buffer.from(JSON.stringify(feed), 'utf8');
    respond(
      res,
      200,
      { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': body.length },
      head ? null : body,
    );
  }

  const handle = async function handleDashboard(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const method = req.method ?? 'GET';
      if (method !== 'GET' && method !== 'HEAD') {
        respond(res, 405, { Allow: ALLOW, 'Content-Type': TEXT, 'Cache-Control': 'no-store' }, 'Method Not Allowed\n');
        return;
      }
      const head = method === 'HEAD';
      // Express strips its mount path from req.url; the page's relative links need the
      // path the browser asked for.
      const original = (req as { originalUrl?: unknown }).originalUrl;
      const url = typeof original === 'string' ? original : (req.url ?? '/');
      const q = url.indexOf('?');
      const pathname = q === -1 ? url : url.slice(0, q);
      const segment = pathname.slice(pathname.lastIndexOf('/') + 1);
      if (segment === 'feed') {
        await serveFeed(res, new URLSearchParams(q === -1 ? '' : url.slice(q + 1)), head);
      } else if (isAssetName(segment)) {
        sendAsset(req, res, await loadAsset(segment), 'no-cache', head);
      } else if (segment === '' || PAGE_SEGMENT.test(segment)) {
        sendAsset(req, res, await renderPage(segment === '' ? './' : `./${segment}/`, config.title), 'no-store', head);
      } else {
        respond(res, 404, { 'Content-Type': TEXT, 'Cache-Control': 'no-store' }, 'Not Found\n');
      }
    } catch (error) {
      report(new MetricsError(ErrorCodes.ENDPOINT_FAILED, 'dashboard: answering a request failed', { cause: error }));
      respond(res, 500, { 'Content-Type': TEXT, 'Cache-Control': 'no-store' }, 'Internal Server Error\n');
    }
  };
  const stop = async (): Promise<void> => {
    sampler.stop();
    await sampler.settled();
  };
  return Object.assign(handle, { stop, [Symbol.asyncDispose]: stop });
}

/**
 * Creates a handler that serves a live dashboard of the registry: a page (no build step,
 * no CDN, no inline script; charts drawn by the bundled uPlot), its static files, and a
 * compact JSON feed it polls every `intervalMs`. `GET` and `HEAD` only (anything else:
 * `405`); every response carries a strict `Content-Security-Policy`, `nosniff`, and never
 * a cookie.
 *
 * The handler answers by the last segment of the path: `feed`, the static files
 * (`dashboard.js`, `dashboard.css`, `uplot.js`, ...), and the page for anything else, so
 * mount it at a path and everything under it (`/dashboard` and `/dashboard/*`). Nothing
 * runs before the first request; while pages look, one `unref()`ed timer samples the
 * registry into a bounded history (10 minutes by default), freed after `idleTimeoutMs`
 * without a page.
 *
 * @param options - see {@link DashboardOptions}.
 * @returns the handler, with `stop()`.
 * @throws {@link InvalidOptionError} for a bad option value, {@link UnknownOptionError}
 *   for an unknown key.
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { dashboardHandler, Registry } from 'tapemeasure';
 *
 * const registry = new Registry();
 * const dashboard = dashboardHandler({ registry });
 * const server = createServer((req, res) => {
 *   const path = (req.url ?? '/').split('?')[0]!;
 *   if (path === '/dashboard' || path.startsWith('/dashboard/')) void dashboard(req, res);
 *   else res.writeHead(404).end();
 * }).listen(0, '127.0.0.1');
 * // on shutdown:
 * server.close();
 * await dashboard.stop();
 * ```
 */
export function dashboardHandler(options?: DashboardOptions): DashboardHandler {
  return createDashboard('dashboardHandler', options, TIMER_SCHEDULER);
}

/**
 * The dashboard of `serveMetrics()`: `null` when its `dashboard` option is `false`,
 * otherwise a dashboard of the server's registry with the option's settings.
 *
 * @param registry - the server's registry.
 * @param option - the value of `serveMetrics`' `dashboard` option.
 * @throws {@link InvalidOptionError} or {@link UnknownOptionError} for a bad option.
 * @internal
 */
export function dashboardForServer(registry: MetricRegistry, option: unknown): DashboardHandler | null {
  const value = readOptions('serveMetrics', { dashboard: option }, DASHBOARD_SERVER_OPTION).dashboard ?? true;
  if (value === false) return null;
  return createDashboard('serveMetrics dashboard', { ...(value === true ? {} : value), registry }, TIMER_SCHEDULER);
}
