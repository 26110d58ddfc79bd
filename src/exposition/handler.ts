/**
 * HTTP pull: `metricsHandler(registry)` is a `(req, res)` handler for node:http,
 * Express, Fastify and Koa; `serveMetrics()` runs it on a small server of its own bound
 * to 127.0.0.1. JSON by default; Prometheus text 0.0.4 or OpenMetrics 1.0 by `Accept`
 * or `?format=`.
 *
 * @module
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { InvalidOptionError, show } from '../errors.js';
import { jsonTreeChunks } from '../formats/json.js';
import {
  checkPrometheusPrefix,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  prometheusChunks,
  type PrometheusFormat,
} from '../formats/prometheus.js';
import { defaultRegistry } from '../registry/default-registry.js';
import type { Registry } from '../registry/registry.js';
import type { MetricFilter } from '../registry/types.js';
import { buildSnapshotTreeInSlices, compileSelector, readSeries, type MetricSelector } from '../reporters/select.js';
import { sliceYielder } from '../internal/slicer.js';
import { dashboardForServer, isDashboardPath } from './dashboard/handler.js';
import type { DashboardOptions } from './dashboard/options.js';

const gzip = promisify(gzipCallback);

/** The formats of the metrics endpoint. */
export type MetricsFormat = 'json' | PrometheusFormat;

/** Options of {@link metricsHandler}. */
export type MetricsHandlerOptions = {
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
   * Called with errors (a failed response, a filter that threw, colliding Prometheus
   * names); must not throw.
   *
   * @defaultValue at most one `process.emitWarning` per minute
   */
  readonly onError?: (error: Error) => void;
};

/**
 * A request handler that serves the registry's metrics. Works as a node:http listener
 * and as Express middleware directly; with Fastify and Koa, hand it the raw request
 * and response (see docs/http.md). Resolves when the response is written; never rejects.
 */
export type MetricsHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const ALLOW = 'GET, HEAD';
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
const OPENMETRICS_001_CONTENT_TYPE = 'application/openmetrics-text; version=0.0.1; charset=utf-8';
const COMPRESS_MIN_BYTES = 1024;
const NEWLINE = Buffer.from('\n');
const WARNING_INTERVAL_MS = 60_000;

/** What a request asked for, after content negotiation. */
type Negotiated = { readonly format: MetricsFormat; readonly contentType: string };

const BY_FORMAT: Readonly<Record<MetricsFormat, Negotiated>> = {
  json: { format: 'json', contentType: JSON_CONTENT_TYPE },
  prometheus: { format: 'prometheus', contentType: PROMETHEUS_CONTENT_TYPE },
  openmetrics: { format: 'openmetrics', contentType: OPENMETRICS_CONTENT_TYPE },
};

/**
 * Chooses the format from an `Accept` header: the supported media range with the
 * highest `q` wins, the first listed on a tie. `application/openmetrics-text` ->
 * OpenMetrics, `text/plain` -> Prometheus text 0.0.4, `application/json` -> JSON,
 * wildcards -> `fallback`.
 *
 * @internal
 */
export function negotiate(accept: string | undefined, fallback: MetricsFormat): Negotiated {
  if (accept === undefined || accept === '') return BY_FORMAT[fallback];
  let best: Negotiated | null = null;
  let bestQ = 0;
  for (const range of accept.split(',')) {
    const [typePart, ...params] = range.split(';');
    const type = (typePart ?? '').trim().toLowerCase();
    let q = 1;
    let version: string | undefined;
    for (const param of params) {
      const eq = param.indexOf('=');
      if (eq === -1) continue;
      const key = param.slice(0, eq).trim().toLowerCase();
      const value = param.slice(eq + 1).trim().replace(/^"|"$/g, '');
      if (key === 'q') q = Number(value);
      else if (key === 'version') version = value;
    }
    if (!(q > 0) || q > 1) continue;
    let candidate: Negotiated | null = null;
    if (type === 'application/openmetrics-text') {
      if (version === undefined || version === '1.0.0') candidate = BY_FORMAT.openmetrics;
      else if (version === '0.0.1') candidate = { format: 'openmetrics', contentType: OPENMETRICS_001_CONTENT_TYPE };
    } else if (type === 'text/plain' || type === 'text/*') {
      if (version === undefined || version === '0.0.4') candidate = BY_FORMAT.prometheus;
    } else if (type === 'application/json' || type === 'application/*') {
      candidate = BY_FORMAT.json;
    } else if (type === '*/*') {
      candidate = BY_FORMAT[fallback];
    }
    if (candidate !== null && q > bestQ) {
      best = candidate;
      bestQ = q;
    }
  }
  return best ?? BY_FORMAT[fallback];
}

function rateLimitedWarning(): (error: Error) => void {
  let lastMs = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (error) => {
    const nowMs = performance.now();
    if (nowMs - lastMs < WARNING_INTERVAL_MS) {
      suppressed++;
      return;
    }
    lastMs = nowMs;
    const more = suppressed > 0 ? ` (${suppressed} more errors since the last warning)` : '';
    suppressed = 0;
    process.emitWarning(`tapemeasure metrics endpoint: ${error.message}${more}`, { type: 'TapemeasureWarning' });
  };
}

function isPretty(value: string | null): boolean {
  return value !== null && !['0', 'false', 'no'].includes(value.toLowerCase());
}

function send(res: ServerResponse, status: number, headers: Record<string, string | number>, body: Buffer | string | null): void {
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
 * @param registry - the registry to serve.
 * @param options - see {@link MetricsHandlerOptions}.
 * @throws {@link InvalidOptionError} for a bad option.
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * const handler = metricsHandler(registry);
 * createServer((req, res) => {
 *   if (req.url?.split('?')[0] === '/metrics') void handler(req, res);
 *   else app(req, res);
 * }).listen(3000);
 * ```
 */
export function metricsHandler(registry: Registry, options: MetricsHandlerOptions = {}): MetricsHandler {
  if (registry === null || typeof registry !== 'object' || typeof registry.metrics !== 'function') {
    throw new InvalidOptionError(`metricsHandler: expected a Registry, received ${show(registry)}`);
  }
  const baseFilter = compileSelector(options.filter, 'metricsHandler');
  const defaultFormat = options.defaultFormat ?? 'json';
  if (!Object.hasOwn(BY_FORMAT, defaultFormat)) {
    throw new InvalidOptionError(
      `metricsHandler: defaultFormat must be 'json', 'prometheus' or 'openmetrics', received ${show(defaultFormat)}`,
    );
  }
  const prefix = options.prefix ?? '';
  checkPrometheusPrefix(prefix, 'metricsHandler');
  const compress = options.compress ?? true;
  const onError = options.onError ?? rateLimitedWarning();
  const report = (error: unknown, what: string): void => {
    try {
      onError(error instanceof Error ? new Error(`${what}: ${error.message}`, { cause: error }) : new Error(`${what}: ${show(error)}`));
    } catch {
      // onError must not throw; the application must not see it either way.
    }
  };

  return async function handleMetrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const method = req.method ?? 'GET';
      if (method !== 'GET' && method !== 'HEAD') {
        send(res, 405, { Allow: ALLOW, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }, 'Method Not Allowed\n');
        return;
      }
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
      let negotiated: Negotiated;
      const requested = query.get('format');
      if (requested !== null) {
        const format = requested === 'text' ? 'prometheus' : requested;
        if (!Object.hasOwn(BY_FORMAT, format)) {
          send(
            res,
            400,
            { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
            `Unknown format ${JSON.stringify(requested.slice(0, 40))}: use json, prometheus or openmetrics\n`,
          );
          return;
        }
        negotiated = BY_FORMAT[format as MetricsFormat];
      } else {
        negotiated = negotiate(req.headers.accept, defaultFormat);
      }
      const requestFilters = query.getAll('filter').filter((f) => f !== '');
      const requestFilter = requestFilters.length === 0 ? undefined : compileSelector(requestFilters, 'filter');
      const filter: MetricFilter | undefined =
        requestFilter === undefined
          ? baseFilter
          : baseFilter === undefined
            ? requestFilter
            : (metric) => baseFilter(metric) && requestFilter(metric);

      const body = await render(registry, negotiated.format, filter, isPretty(query.get('pretty')), prefix, report, () => res.destroyed);
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
      send(res, 200, headers, method === 'HEAD' ? null : payload);
    } catch (error) {
      report(error, 'serving metrics failed');
      send(res, 500, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }, 'Internal Server Error\n');
    }
  };
}

/**
 * Reads the series and formats them in slices, yielding to the event loop every few
 * milliseconds. Returns `null` if `aborted()` turned true meanwhile.
 */
async function render(
  registry: Registry,
  format: MetricsFormat,
  filter: MetricFilter | undefined,
  pretty: boolean,
  prefix: string,
  report: (error: unknown, what: string) => void,
  aborted: () => boolean,
): Promise<Buffer | null> {
  const series = await readSeries(registry, filter, (metric, error) => {
    report(error, `the filter threw for ${metric.name}`);
  });
  if (aborted()) return null;
  const chunks =
    format === 'json'
      ? jsonTreeChunks(await buildSnapshotTreeInSlices(series), pretty)
      : prometheusChunks(series, format, {
          prefix,
          onCollision: (name, other) => {
            report(new Error(`${name} is left out: its Prometheus names collide with those of ${other}`), 'prometheus');
          },
        });
  // Encode chunk by chunk inside the slices, then one memcpy: joining megabytes of
  // strings and encoding them at the end would block the event loop in one stretch.
  const parts: Buffer[] = [];
  const pause = sliceYielder();
  for (const chunk of chunks) {
    parts.push(Buffer.from(chunk, 'utf8'));
    const wait = pause();
    if (wait !== undefined) {
      await wait;
      if (aborted()) return null;
    }
  }
  if (format === 'json') parts.push(NEWLINE);
  return Buffer.concat(parts);
}

/** Options of {@link renderMetrics}. */
export type RenderMetricsOptions = {
  /**
   * Which metrics (a name prefix, glob, list or predicate).
   *
   * @defaultValue every metric
   */
  readonly filter?: MetricSelector;
  /**
   * Indent JSON by two spaces.
   *
   * @defaultValue false
   */
  readonly pretty?: boolean;
  /**
   * Prefix of Prometheus and OpenMetrics names.
   *
   * @defaultValue none
   */
  readonly prefix?: string;
  /** Told about a filter that threw or colliding Prometheus names; must not throw. */
  readonly onError?: (error: Error) => void;
};

/**
 * The text `GET /metrics` would answer, without HTTP: the JSON tree (with a final
 * newline), Prometheus text 0.0.4 or OpenMetrics 1.0. Async gauges are awaited; reading
 * and formatting yield to the event loop every few milliseconds, so even a registry of
 * 10,000 timers never stalls the application for long. Use it to push to a Pushgateway,
 * write a file, or test your own exposition.
 *
 * @param registry - the registry.
 * @param format - `'json'`, `'prometheus'` or `'openmetrics'`.
 * @param options - filter, pretty, prefix, onError.
 * @returns the text.
 * @throws {@link InvalidOptionError} (as a rejection) for a bad format, filter or prefix.
 * @example
 * ```ts
 * const text = await renderMetrics(registry, 'prometheus', { filter: 'http.' });
 * ```
 */
export async function renderMetrics(registry: Registry, format: MetricsFormat, options: RenderMetricsOptions = {}): Promise<string> {
  if (!Object.hasOwn(BY_FORMAT, format)) {
    throw new InvalidOptionError(`renderMetrics: format must be 'json', 'prometheus' or 'openmetrics', received ${show(format)}`);
  }
  const filter = compileSelector(options.filter, 'renderMetrics');
  const prefix = options.prefix ?? '';
  checkPrometheusPrefix(prefix, 'renderMetrics');
  const onError = options.onError;
  const report = (error: unknown, what: string): void => {
    try {
      onError?.(error instanceof Error ? new Error(`${what}: ${error.message}`, { cause: error }) : new Error(`${what}: ${show(error)}`));
    } catch {
      // onError must not throw.
    }
  };
  return (await render(registry, format, filter, options.pretty === true, prefix, report, () => false))!.toString('utf8');
}

function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  for (const part of header.split(',')) {
    const [coding, ...params] = part.split(';');
    if (coding?.trim().toLowerCase() !== 'gzip') continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return qParam === undefined || Number(qParam.slice(2)) > 0;
  }
  return false;
}

/** Options of {@link serveMetrics}. */
export type ServeMetricsOptions = MetricsHandlerOptions & {
  /**
   * The TCP port; 0 picks a free one (read it from `server.port`).
   *
   * @defaultValue 9464
   */
  readonly port?: number;
  /**
   * The address to bind. Only loopback by default: pass `'0.0.0.0'` or `'::'` to let
   * other machines scrape, knowingly.
   *
   * @defaultValue `'127.0.0.1'`
   */
  readonly host?: string;
  /**
   * The path served; other paths get 404.
   *
   * @defaultValue `'/metrics'`
   */
  readonly path?: string;
  /**
   * Longest time a client may take to send its request headers.
   *
   * @defaultValue 5000
   */
  readonly headersTimeoutMs?: number;
  /**
   * Longest time a whole request may take.
   *
   * @defaultValue 10000
   */
  readonly requestTimeoutMs?: number;
  /**
   * How long an idle keep-alive connection stays open.
   *
   * @defaultValue 5000
   */
  readonly keepAliveTimeoutMs?: number;
  /**
   * Let the process exit even while the server is listening.
   *
   * @defaultValue false
   */
  readonly unref?: boolean;
  /**
   * The live dashboard at `/dashboard` (docs/dashboard.md): `false` turns it off; its
   * options (but `registry`: the server's is used) turn it on with those settings.
   *
   * @defaultValue true
   */
  readonly dashboard?: boolean | Omit<DashboardOptions, 'registry'>;
};

/** A running metrics server from {@link serveMetrics}. */
export type MetricsServer = {
  /** The node:http server. */
  readonly server: Server;
  /** The bound address. */
  readonly host: string;
  /** The bound port. */
  readonly port: number;
  /** The full URL of the metrics path, such as `http://127.0.0.1:9464/metrics`. */
  readonly url: string;
  /** Stops listening and closes every connection; resolves when closed. Safe to call twice. */
  close(): Promise<void>;
  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
};

function checkMs(value: unknown, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 2 ** 31 - 1) {
    throw new InvalidOptionError(`serveMetrics: ${what} must be an integer number of milliseconds >= 1, received ${show(value)}`);
  }
  return value;
}

/**
 * Starts a small HTTP server that serves {@link metricsHandler} at `path` (default
 * `/metrics`), bound to 127.0.0.1 unless told otherwise, with timeouts so that slow
 * clients cannot hold it. Without a registry it serves the default registry (the one
 * behind the module-level `counter()`, `timer()`, ...).
 *
 * @param registry - the registry to serve.
 * @param options - port, host, path, timeouts and the handler's options.
 * @returns the running server, once it listens.
 * @throws {@link InvalidOptionError} for a bad option; rejects with Node's own `listen`
 *   error (`err.code === 'EADDRINUSE'`, ...) if the server cannot listen.
 * @example
 * ```ts
 * const server = await serveMetrics(registry, { port: 9464 });
 * console.log(`metrics at ${server.url}`);
 * // on shutdown
 * await server.close();
 * ```
 */
export async function serveMetrics(registry: Registry, options?: ServeMetricsOptions): Promise<MetricsServer>;
/**
 * Serves the default registry; see the other signature.
 *
 * @param options - port, host, path, timeouts and the handler's options.
 * @example
 * ```ts
 * timer('jobs.run').time(runJob);
 * await serveMetrics({ port: 9464 });
 * ```
 */
export async function serveMetrics(options?: ServeMetricsOptions): Promise<MetricsServer>;
export async function serveMetrics(
  first?: Registry | ServeMetricsOptions,
  second?: ServeMetricsOptions,
): Promise<MetricsServer> {
  const isRegistry = first !== null && typeof first === 'object' && typeof (first as Partial<Registry>).metrics === 'function';
  const registry = isRegistry ? (first as Registry) : defaultRegistry;
  const options: ServeMetricsOptions = (isRegistry ? second : (first as ServeMetricsOptions | undefined)) ?? {};
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError(`serveMetrics: options must be an object, received ${show(options)}`);
  }
  const port = options.port ?? 9464;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidOptionError(`serveMetrics: port must be an integer in [0, 65535], received ${show(options.port)}`);
  }
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') {
    throw new InvalidOptionError(`serveMetrics: host must be a non-empty string, received ${show(options.host)}`);
  }
  const path = options.path ?? '/metrics';
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new InvalidOptionError(`serveMetrics: path must start with "/", received ${show(options.path)}`);
  }
  const headersTimeoutMs = checkMs(options.headersTimeoutMs, 5_000, 'headersTimeoutMs');
  const requestTimeoutMs = Math.max(checkMs(options.requestTimeoutMs, 10_000, 'requestTimeoutMs'), headersTimeoutMs);
  const keepAliveTimeoutMs = checkMs(options.keepAliveTimeoutMs, 5_000, 'keepAliveTimeoutMs');
  const handler = metricsHandler(registry, options);
  const dashboard = dashboardForServer(registry, options.dashboard);

  const server = createServer(
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      keepAliveTimeout: keepAliveTimeoutMs,
      // Check the two timeouts above every second rather than every 30 s (the default).
      connectionsCheckingInterval: Math.min(1_000, headersTimeoutMs),
      maxHeaderSize: 16 * 1024,
    },
    (req, res) => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const pathname = q === -1 ? url : url.slice(0, q);
      if (dashboard !== null && isDashboardPath(pathname)) {
        void dashboard(req, res);
        return;
      }
      if (pathname !== path) {
        send(res, 404, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }, `Not Found: metrics are at ${path}\n`);
        return;
      }
      void handler(req, res);
    },
  );
  // An idle socket (no request in flight) is closed after this long.
  server.setTimeout(requestTimeoutMs + keepAliveTimeoutMs);
  server.maxHeadersCount = 64;
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(error);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  // After listening, errors (rare: EMFILE on accept) must not crash the application.
  server.on('error', (error) => {
    process.emitWarning(`tapemeasure metrics server: ${error.message}`, { type: 'TapemeasureWarning' });
  });
  if (options.unref === true) server.unref();

  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closed: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      void dashboard?.stop();
      server.close(() => {
        resolve();
      });
      server.closeIdleConnections();
      // Requests in flight get a moment to finish, then their connections are cut.
      setTimeout(() => {
        server.closeAllConnections();
      }, 1_000).unref();
    });
    return closed;
  };
  return {
    server,
    host: address.address,
    port: address.port,
    url: `http://${urlHost}:${address.port}${path}`,
    close,
    [Symbol.asyncDispose]: close,
  };
}
