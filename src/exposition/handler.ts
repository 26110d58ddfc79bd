/**
 * `metricsHandler()`: a `(req, res)` handler that serves a registry's metrics, for
 * node:http, Express, Fastify and Koa. JSON by default; Prometheus text 0.0.4 or
 * OpenMetrics 1.0 by `Accept` or `?format=`.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import { PROMETHEUS_FORMAT_OPTIONS } from '../formats/prometheus.js';
import { boolean, func, integer, readOptions, type Read } from '../internal/options.js';
import { registryOf, rejectRegistryAsOptions, REGISTRY_OPTION } from '../registry/registry-option.js';
import type { MetricFilter, MetricRegistry } from '../registry/types.js';
import { compileSelector, selectorCheck, type MetricSelector } from '../reporters/select.js';
import { endpointErrors, type EndpointError, type EndpointErrorReporter } from './endpoint-error.js';
import { acceptsGzip, metricsFormatCheck, negotiate, negotiateQuery, type MetricsFormat, type NegotiatedFormat } from './negotiate.js';
import { renderBody } from './render.js';

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
  /**
   * The most `?filter=` values one request may carry; a request with more is answered
   * `400` (and `onError` gets an `EndpointError` of kind `limit`).
   *
   * @defaultValue 16
   */
  readonly maxRequestFilters?: number;
  /**
   * The most characters all `?filter=` values of one request may hold together; a
   * request with more is answered `400` (kind `limit`).
   *
   * @defaultValue 1024
   */
  readonly maxRequestFilterLength?: number;
  /**
   * The most renders in progress at once. Concurrent identical requests (same format,
   * filters, `?pretty` and compression) share one render and count once; a request that
   * would start a render beyond this is answered `503` with `Retry-After: 1` (kind `busy`).
   *
   * @defaultValue 4
   */
  readonly maxRendersInProgress?: number;
};

/** The default of {@link MetricsHandlerOptions.maxRequestFilters}. @internal */
export const DEFAULT_MAX_REQUEST_FILTERS = 16;
/** The default of {@link MetricsHandlerOptions.maxRequestFilterLength}. @internal */
export const DEFAULT_MAX_REQUEST_FILTER_LENGTH = 1024;
/** The default of {@link MetricsHandlerOptions.maxRendersInProgress}. @internal */
export const DEFAULT_MAX_RENDERS_IN_PROGRESS = 4;

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
  maxRequestFilters: integer(1, 1_000),
  maxRequestFilterLength: integer(1, 1_000_000),
  maxRendersInProgress: integer(1, 1_000),
});

const ALLOW = 'GET, HEAD';
const TEXT = 'text/plain; charset=utf-8';
const COMPRESS_MIN_BYTES = 1024;
const RETRY_AFTER_SECONDS = 1;

/** What one render produced: the body, gzipped or not; `null` if every client left; or what failed. */
type Rendered = { readonly parts: readonly Buffer[]; readonly bytes: number; readonly gzipped: boolean } | null | { readonly error: unknown };

/**
 * Gzips the pieces through one zlib stream: the compression runs on libuv's thread pool,
 * a piece at a time, never over the whole body in one call on the event loop.
 */
async function gzipParts(parts: readonly Buffer[]): Promise<{ parts: Buffer[]; bytes: number }> {
  const zip = createGzip();
  const out: Buffer[] = [];
  let bytes = 0;
  zip.on('data', (chunk: Buffer) => {
    out.push(chunk);
    bytes += chunk.length;
  });
  const ended = once(zip, 'end');
  for (const part of parts) zip.write(part);
  zip.end();
  await ended;
  return { parts: out, bytes };
}

/** A render in progress and the responses waiting for it (single flight). */
type Flight = {
  readonly waiters: ServerResponse[];
  readonly done: Promise<Rendered>;
};

function isPretty(value: string | null): boolean {
  return value !== null && !['0', 'false', 'no'].includes(value.toLowerCase());
}

/**
 * Writes a whole response, unless one was already written or the client left.
 *
 * @internal
 */
export function respond(
  res: ServerResponse,
  status: number,
  headers: Record<string, string | number>,
  body: Buffer | string | readonly Buffer[] | null,
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, headers);
  if (Array.isArray(body)) {
    // Pieces of a large body, written one after another (never joined into one buffer).
    for (const part of body as readonly Buffer[]) res.write(part);
    res.end();
  } else {
    res.end((body as Buffer | string | null) ?? undefined);
  }
}

/**
 * Creates a handler that serves the registry's metrics:
 *
 * - `GET` and `HEAD` only; anything else gets `405` with `Allow: GET, HEAD`;
 * - JSON (the `registry.snapshot()` tree) by default; Prometheus text 0.0.4
 *   (`Accept: text/plain`) or OpenMetrics 1.0 (`Accept: application/openmetrics-text`),
 *   or `?format=json|prometheus|openmetrics`;
 * - `?pretty` indents JSON; `?filter=http.` (repeatable; prefixes or globs) selects metrics;
 * - `Cache-Control: no-store`, `Vary: Accept, Accept-Encoding`; gzip when accepted;
 * - bounded work: at most `maxRequestFilters` `?filter=` values of `maxRequestFilterLength`
 *   characters in all (else `400`), globs matched in linear time, concurrent identical
 *   requests share one render, and at most `maxRendersInProgress` renders at once (else
 *   `503` with `Retry-After`).
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
  const maxFilters = o.maxRequestFilters ?? DEFAULT_MAX_REQUEST_FILTERS;
  const maxFilterLength = o.maxRequestFilterLength ?? DEFAULT_MAX_REQUEST_FILTER_LENGTH;
  const maxRenders = o.maxRendersInProgress ?? DEFAULT_MAX_RENDERS_IN_PROGRESS;
  // Single flight: concurrent identical requests share one render, by this key.
  const flights = new Map<string, Flight>();

  const render = async (
    format: NegotiatedFormat,
    filter: MetricFilter | undefined,
    pretty: boolean,
    gzipIt: boolean,
    waiters: readonly ServerResponse[],
  ): Promise<Rendered> => {
    try {
      const body = await renderBody({
        registry,
        format,
        filter,
        pretty,
        prefix,
        report,
        // Stops only when every client that waits for it has left.
        aborted: () => waiters.every((w) => w.destroyed),
      });
      if (body === null) return null;
      if (gzipIt && body.bytes >= COMPRESS_MIN_BYTES) return { ...(await gzipParts(body.parts)), gzipped: true };
      return { parts: body.parts, bytes: body.bytes, gzipped: false };
    } catch (error) {
      return { error };
    }
  };

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
      let filterLength = 0;
      for (const f of requestFilters) filterLength += f.length;
      if (requestFilters.length > maxFilters || filterLength > maxFilterLength) {
        report(
          'limit',
          undefined,
          `refused a request with ${requestFilters.length} ?filter= values of ${filterLength} characters (at most ${maxFilters} values of ${maxFilterLength} characters in all)`,
        );
        respond(
          res,
          400,
          { 'Content-Type': TEXT, 'Cache-Control': 'no-store' },
          `Too many filters: at most ${maxFilters} ?filter= values of ${maxFilterLength} characters in all\n`,
        );
        return;
      }
      const pretty = isPretty(query.get('pretty'));
      const gzipIt = compress && acceptsGzip(req.headers['accept-encoding']);
      // Filters are any-of: their order and repeats do not change the answer.
      const filterKey = [...new Set(requestFilters)].sort();
      const key = JSON.stringify([negotiated.format, pretty, gzipIt, filterKey]);

      let flight = flights.get(key);
      if (flight === undefined) {
        if (flights.size >= maxRenders) {
          report('busy', undefined, `refused a request: ${flights.size} renders in progress (maxRendersInProgress)`);
          respond(
            res,
            503,
            { 'Content-Type': TEXT, 'Cache-Control': 'no-store', 'Retry-After': RETRY_AFTER_SECONDS },
            'Service Unavailable: too many metrics renders in progress, retry later\n',
          );
          return;
        }
        const requestFilter = filterKey.length === 0 ? undefined : compileSelector(filterKey, '?filter=');
        const filter: MetricFilter | undefined =
          requestFilter === undefined
            ? baseFilter
            : baseFilter === undefined
              ? requestFilter
              : (metric) => baseFilter(metric) && requestFilter(metric);
        const waiters: ServerResponse[] = [res];
        const started: Flight = { waiters, done: render(negotiated.format, filter, pretty, gzipIt, waiters) };
        flights.set(key, started);
        void started.done.then((rendered) => {
          flights.delete(key);
          if (rendered !== null && 'error' in rendered) report('response', rendered.error, 'serving metrics failed');
        });
        flight = started;
      } else {
        flight.waiters.push(res);
      }
      const rendered = await flight.done;
      if (rendered === null) return;
      if ('error' in rendered) {
        respond(res, 500, { 'Content-Type': TEXT, 'Cache-Control': 'no-store' }, 'Internal Server Error\n');
        return;
      }
      const headers: Record<string, string | number> = {
        'Content-Type': negotiated.contentType,
        'Cache-Control': 'no-store',
        Vary: 'Accept, Accept-Encoding',
        'X-Content-Type-Options': 'nosniff',
      };
      if (rendered.gzipped) headers['Content-Encoding'] = 'gzip';
      headers['Content-Length'] = rendered.bytes;
      respond(res, 200, headers, method === 'HEAD' ? null : rendered.parts);
    } catch (error) {
      report('response', error, 'serving metrics failed');
      respond(res, 500, { 'Content-Type': TEXT, 'Cache-Control': 'no-store' }, 'Internal Server Error\n');
    }
  };
}
