/**
 * `serveMetrics()`: a small HTTP server of its own that serves `metricsHandler()` at one
 * path, bound to 127.0.0.1 by default, with timeouts against slow clients.
 *
 * @module
 */

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { boolean, integer, is, nonEmptyString, readOptions } from '../internal/options.js';
import { registryOf, rejectRegistryAsOptions } from '../registry/registry-option.js';
import { endpointErrors, type EndpointError } from './endpoint-error.js';
import { dashboardForServer, isDashboardPath } from './dashboard/handler.js';
import { DASHBOARD_SERVER_OPTION, type DashboardOptions } from './dashboard/options.js';
import { HANDLER_OPTIONS, handlerOf, respond, type MetricsHandlerOptions } from './handler.js';

/** Options of {@link serveMetrics}: where to listen, plus every option of `metricsHandler`. */
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
   * Longest time a client may take to send its request headers, in milliseconds.
   *
   * @defaultValue 5000
   */
  readonly headersTimeoutMs?: number;
  /**
   * Longest time a whole request may take, in milliseconds (at least `headersTimeoutMs`).
   *
   * @defaultValue 10000
   */
  readonly requestTimeoutMs?: number;
  /**
   * How long an idle keep-alive connection stays open, in milliseconds.
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
   * Also serve the live dashboard (docs/dashboard.md) at `/dashboard`; `false` turns it
   * off, an object configures it (its registry is the server's).
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
  /**
   * Stops listening, closes idle connections at once and cuts the others after one
   * second; resolves when the server is closed. Never rejects; a second call returns
   * the same promise.
   */
  stop(): Promise<void>;
  /** `await using server = await serveMetrics(...)` stops it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void>;
};

const MAX_TIMER_MS = 2 ** 31 - 1;
const timeoutCheck = integer(1, MAX_TIMER_MS);

/** The schema of {@link ServeMetricsOptions}. @internal */
export const SERVER_OPTIONS = Object.freeze({
  ...HANDLER_OPTIONS,
  port: integer(0, 65_535),
  host: nonEmptyString,
  path: is("a path starting with '/'", (v): v is string => typeof v === 'string' && v.startsWith('/')),
  headersTimeoutMs: timeoutCheck,
  requestTimeoutMs: timeoutCheck,
  keepAliveTimeoutMs: timeoutCheck,
  unref: boolean,
  ...DASHBOARD_SERVER_OPTION,
});

/** How long `stop()` lets requests in flight finish before it cuts their connections. */
const STOP_GRACE_MS = 1_000;

/**
 * Starts a small HTTP server that serves {@link metricsHandler} at `path` (default
 * `/metrics`), bound to 127.0.0.1 unless told otherwise, with timeouts so that slow
 * clients cannot hold it. Without `registry` it serves the default registry (the one
 * behind the module-level `counter()`, `timer()`, ...).
 *
 * @param options - the registry, port, host, path, timeouts and the handler's options.
 * @returns the running server, once it listens.
 * @throws {@link InvalidOptionError} or {@link UnknownOptionError} (as a rejection) for a
 *   bad option; rejects with Node's own `listen` error (`err.code === 'EADDRINUSE'`, ...)
 *   if the server cannot listen.
 * @example
 * ```ts
 * import { Registry, serveMetrics } from 'tapemeasure';
 *
 * const registry = new Registry();
 * const server = await serveMetrics({ registry, port: 0 });
 * console.log(`metrics at ${server.url}`);
 * await server.stop();
 * ```
 */
export async function serveMetrics(options?: ServeMetricsOptions): Promise<MetricsServer> {
  rejectRegistryAsOptions('serveMetrics', options);
  const o = readOptions('serveMetrics', options, SERVER_OPTIONS);
  const port = o.port ?? 9464;
  const host = o.host ?? '127.0.0.1';
  const path = o.path ?? '/metrics';
  const headersTimeoutMs = o.headersTimeoutMs ?? 5_000;
  const requestTimeoutMs = Math.max(o.requestTimeoutMs ?? 10_000, headersTimeoutMs);
  const keepAliveTimeoutMs = o.keepAliveTimeoutMs ?? 5_000;
  const report = endpointErrors(o.onError as ((error: EndpointError) => void) | undefined);
  const handler = handlerOf('serveMetrics', o, report);
  const dashboard = dashboardForServer(registryOf(o), o.dashboard);

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
        respond(res, 404, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }, `Not Found: metrics are at ${path}\n`);
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
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // After listening, errors (rare: EMFILE on accept) must not crash the application.
  server.on('error', (error) => {
    report('server', error, 'the metrics server failed');
  });
  if (o.unref === true) server.unref();

  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopped ??= new Promise<void>((resolve) => {
      void dashboard?.stop();
      server.close(() => {
        resolve();
      });
      server.closeIdleConnections();
      // Requests in flight get a moment to finish, then their connections are cut.
      setTimeout(() => {
        server.closeAllConnections();
      }, STOP_GRACE_MS).unref();
    });
    return stopped;
  };
  return {
    server,
    host: address.address,
    port: address.port,
    url: `http://${urlHost}:${address.port}${path}`,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
