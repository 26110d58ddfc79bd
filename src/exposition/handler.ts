/**
 * `metricsHandler()`: a `(req, res)` handler that serves a registry's metrics, for
 * node:http, Express, Fastify and Koa. JSON by default; Prometheus text 0.0.4 or
 * OpenMetrics 1.0 by `Accept` or `?format=`.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { PROMETHEUS_FORMAT_OPTIONS } from '../formats/prometheus.js';
import { boolean, func, readOptions, type Read } from '../internal/options.js';
import { registryOf, rejectRegistryAsOptions, REGISTRY_OPTION } from '../registry/registry-option.js';
import type { MetricFilter, MetricRegistry } from '../registry/types.js';
import { compileSelector, selectorCheck, type MetricSelector } from '../reporters/select.js';
import { endpointErrors, type EndpointError, type EndpointErrorReporter } from './endpoint-error.js';
import { acceptsGzip, metricsFormatCheck, negotiate, negotiateQuery, type MetricsFormat } from './negotiate.js';
import { renderBody } from './render.js';

const gzip = promisify(gzipCallback);

/** Options of {@link metricsHandler}. */
export type MetricsHandlerOptions = {
  /**
   * The registry to serve: a `Registry`, a scope of one, or any object with the
   * registry brand.
   *
   * @defaultValue the default registry
   */
  readonly registry?: MetricRegistry;
  /**
   * Which metrics the endpoint exposes at all (a name prefix, glob, list or predicate);
   * `?filter=` narrows further within these.
   *
   * @defaultValue every metric
   */
  readonly filter?: MetricSelector;
  /**
   * The format when neither `?format=` nor `Accept` chooses one (`Accept: *\/*`, or none).
   *
   * @defaultValue `'json'`
   */
  readonly defaultFormat?: MetricsFormat;
  /**
   * Prefix of Prometheus and OpenMetrics names (`'myapp'` -> `myapp_http_requests_total`).
   *
   * @defaultValue none
   */
  readonly prefix?: string;
  /**
   * Gzip responses larger than 1 KiB when the client accepts it (Prometheus does).
   *
   * @defaultValue true
   */
  readonly compress?: boolean;
  /**
   * Called with every failure (a request answered `500`, a filter that threw, colliding
   * Prometheus names, the server's own errors); must not throw.
   *
   * @defaultValue one `process.emitWarning` per kind, then at most one per kind per minute
   */
  readonly onError?: (error: EndpointError) => void;
};

/**
 * A request handler that serves the registry's metrics. Works as a node:http listener
 * and as Express middleware directly; with Fastify and Koa, hand it the raw request
 * and response (see docs/http.md). Resolves when the response is written; never rejects.
 */
export type MetricsHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** The schema of {@link MetricsHandlerOptions}. @internal */
export const HANDLER_OPTIONS = Object.freeze({
  ...REGISTRY_OPTION,
  filter: selectorCheck,
  defaultFormat: metricsFormatCheck,
  prefix: PROMETHEUS_FORMAT_OPTIONS.prefix,
  compress: boolean,
  onError: func,
});

const ALLOW = 'GET, HEAD';
const TEXT = 'text/plain; charset=utf-8';
const COMPRESS_MIN_BYTES = 1024;

function isPretty(value: string | null): boolean {
  return value !== null && !['0', 'false', 'no'].includes(value.toLowerCase());
}

/**
 * Writes a whole response, unless one was already written or the client left.
 *
 * @internal
 */
export function respond(res: ServerResponse, status: number, headers: Record<string, string | number>, body: Buffer | string | null): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, headers);
  res.end(body ?? undefined);
}

/**
 * Creates a handler that serves the registry's metrics:
 *
 * - `GET` and `HEAD` only; anything else gets `405` with `Allow: GET, HEAD`;
 * - JSON (the `registry.snapshot()` tree) by default; Prometheus text 0.0.4
 *   (`Accept: text/plain`) or OpenMetrics 1.0 (`Accept: application/openmetrics-text`),
 *   or `?format=json|prometheus|openmetrics`;
 * - `?pretty` indents JSON; `?filter=http.` (repeatable; prefixes or globs) selects metrics;
 * - `Cache-Control: no-store`, `Vary: Accept, Accept-Encoding`; gzip when accepted.
 *
 * Async gauges are awaited, each within its own timeout. The handler does not look at
 * the path: mount it where you want it.
 *
 * @param options - the registry and how to serve it; see {@link MetricsHandlerOptions}.
 * @throws {@link InvalidOptionError} or {@link UnknownOptionError} for a bad option.
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { metricsHandler, Registry } from 'tapemeasure';
 *
 * const registry = new Registry();
 * const metrics = metricsHandler({ registry });
 * const server = createServer((req, res) => {
 *   if (req.url?.split('?')[0] === '/metrics') void metrics(req, res);
 *   else res.writeHead(404).end();
 * }).listen(0, '127.0.0.1');
 * ```
 */
export function metricsHandler(options?: MetricsHandlerOptions): MetricsHandler {
  rejectRegistryAsOptions('metricsHandler', options);
  const o = readOptions('metricsHandler', options, HANDLER_OPTIONS);
  return handlerOf('metricsHandler', o, endpointErrors(o.onError as ((error: EndpointError) => void) | undefined));
}

/**
 * The handler of options already read (by `metricsHandler` or `serveMetrics`).
 *
 * @internal
 */
export function handlerOf(where: string, o: Read<typeof HANDLER_OPTIONS>, report: EndpointErrorReporter): MetricsHandler {
  const registry = registryOf(o);
  const baseFilter = compileSelector(o.filter, where);
  const defaultFormat = o.defaultFormat ?? 'json';
  const prefix = o.prefix ?? '';
  const compress = o.compress ?? true;

  return async function handleMetrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const method = req.method ?? 'GET';
      if (method !== 'GET' && method !== 'HEAD') {
        respond(res, 405, { Allow: ALLOW, 'Content-Type': TEXT, 'Cache-Control': 'no-store' }, 'Method Not Allowed\n');
        return;
      }
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
      const requested = query.get('format');
      const negotiated = requested === null ? negotiate(req.headers.accept, defaultFormat) : negotiateQuery(requested);
      if (negotiated === undefined) {
        const shown = JSON.stringify(requested!.slice(0, 40));
        respond(res, 400, { 'Content-Type': TEXT, 'Cache-Control': 'no-store' }, `Unknown format ${shown}: use json, prometheus or openmetrics\n`);
        return;
      }
      const requestFilters = query.getAll('filter').filter((f) => f !== '');
      const requestFilter = requestFilters.length === 0 ? undefined : compileSelector(requestFilters, '?filter=');
      const filter: MetricFilter | undefined =
        requestFilter === undefined
          ? baseFilter
          : baseFilter === undefined
            ? requestFilter
            : (metric) => baseFilter(metric) && requestFilter(metric);

      const body = await renderBody({
        registry,
        format: negotiated.format,
        filter,
        pretty: isPretty(query.get('pretty')),
        prefix,
        report,
        aborted: () => res.destroyed,
      });
      if (body === null) return;

      let payload: Buffer = body;
      const headers: Record<string, string | number> = {
        'Content-Type': negotiated.contentType,
        'Cache-Control': 'no-store',
        Vary: 'Accept, Accept-Encoding',
        'X-Content-Type-Options': 'nosniff',
      };
      if (compress && payload.length >= COMPRESS_MIN_BYTES && acceptsGzip(req.headers['accept-encoding'])) {
        payload = await gzip(payload);
        headers['Content-Encoding'] = 'gzip';
      }
      headers['Content-Length'] = payload.length;
      respond(res, 200, headers, method === 'HEAD' ? null : payload);
    } catch (error) {
      report('response', error, 'serving metrics failed');
      respond(res, 500, { 'Content-Type': TEXT, 'Cache-Control': 'no-store' }, 'Internal Server Error\n');
    }
  };
}
