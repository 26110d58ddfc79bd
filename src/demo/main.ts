/**
 * The demo: a small instrumented node:http service with its own load generator. It
 * prints one summary line per second (full JSON documents with `--json`), serves
 * `GET /metrics` (JSON, Prometheus text or OpenMetrics) on 127.0.0.1, and exits by
 * itself after a few seconds.
 *
 * ```sh
 * npm run build && node dist/demo/main.js              # one line per second, 6 seconds
 * node dist/demo/main.js --json                        # the JSON stream reporter's documents
 * node dist/demo/main.js --seconds=60                  # run longer; curl the endpoint meanwhile
 * PORT=8080 node dist/demo/main.js                     # another port (default 9464)
 * STATSD_HOST=127.0.0.1 node dist/demo/main.js         # also push to StatsD (STATSD_PORT, 8125)
 * GRAPHITE_HOST=127.0.0.1 node dist/demo/main.js       # also push to Graphite (GRAPHITE_PORT, 2003)
 * ```
 *
 * @module
 */

import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { Registry } from '../registry/registry.js';
import { dashboardHandler, type DashboardHandler } from '../exposition/dashboard/handler.js';
import { metricsHandler } from '../exposition/handler.js';
import { JsonStreamReporter } from '../reporters/json-stream-reporter.js';
import { ScheduledReporter, type Report, type ReportSeries } from '../reporters/scheduled-reporter.js';

/** Options of {@link runDemo}. */
export type DemoOptions = {
  /** How long the load runs, in milliseconds. @defaultValue 6000 */
  readonly durationMs?: number;
  /** The reporting interval in milliseconds. @defaultValue 1000 */
  readonly intervalMs?: number;
  /** Print the JSON stream reporter's documents instead of summary lines. @defaultValue false */
  readonly json?: boolean;
  /** The port to listen on, 127.0.0.1 only; a busy port falls back to a free one. @defaultValue 9464 */
  readonly port?: number;
  /** Requests kept in flight by the load generator. @defaultValue 6 */
  readonly concurrency?: number;
  /** Where reports go. @defaultValue process.stdout */
  readonly out?: Writable;
  /** Where the banner and the closing scrape go. @defaultValue process.stderr */
  readonly log?: Writable;
  /** A StatsD daemon to push to as well, if any. */
  readonly statsd?: { readonly host: string; readonly port: number };
  /** Graphite plaintext destination, if any. */
  readonly graphite?: { readonly host: string; readonly port: number };
};

type Route = '/users/:id' | '/search' | '/upload';

/** The demo service's metrics. */
function instrument(registry: Registry): {
  timers: Record<Route, ReturnType<Registry['timer']>>;
  responses: { ok: ReturnType<Registry['meter']>; error: ReturnType<Registry['meter']> };
  payloadBytes: ReturnType<Registry['histogram']>;
  inFlight: ReturnType<Registry['gauge']>;
} {
  const http = registry.scope('http');
  registry.gauge('process.memory.rss_bytes', () => process.memoryUsage.rss());
  registry.gauge('process.memory.heap_used_bytes', () => process.memoryUsage().heapUsed);
  return {
    timers: {
      '/users/:id': http.timer('request.duration', { tags: { route: '/users/:id' } }),
      '/search': http.timer('request.duration', { tags: { route: '/search' } }),
      '/upload': http.timer('request.duration', { tags: { route: '/upload' } }),
    },
    responses: { ok: http.meter('responses', { tags: { status: '2xx' } }), error: http.meter('responses', { tags: { status: '5xx' } }) },
    payloadBytes: http.histogram('upload.bytes', { resolution: 1 }),
    inFlight: http.gauge('in_flight'),
  };
}

/** Simulated work: mostly fast, with a long tail. */
function latencyMs(route: Route): number {
  const base = route === '/search' ? 8 : route === '/upload' ? 4 : 1.5;
  const tail = Math.random() < 0.03 ? 40 + Math.random() * 80 : 0;
  return base * (0.5 + Math.random()) + tail;
}

function routeOf(url: string): Route | null {
  const path = url.split('?')[0] ?? '';
  if (/^\/users\/[^/]+$/.test(path)) return '/users/:id';
  if (path === '/search') return '/search';
  if (path === '/upload') return '/upload';
  return null;
}

function application(registry: Registry, dashboard: DashboardHandler): (req: IncomingMessage, res: ServerResponse) => void {
  const { timers, responses, payloadBytes, inFlight } = instrument(registry);
  const metrics = metricsHandler({ registry });
  return (req, res) => {
    const pathname = (req.url ?? '').split('?')[0] ?? '';
    if (pathname === '/metrics') {
      void metrics(req, res);
      return;
    }
    if (pathname === '/dashboard' || pathname.startsWith('/dashboard/')) {
      void dashboard(req, res);
      return;
    }
    const route = routeOf(req.url ?? '/');
    if (route === null) {
      res.writeHead(404).end();
      return;
    }
    const stopwatch = timers[route].start();
    inFlight.inc();
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      if (route === '/upload') payloadBytes.record(bytes);
      setTimeout(() => {
        const failed = Math.random() < 0.02;
        res.writeHead(failed ? 500 : 200, { 'content-type': 'application/json' });
        res.end(failed ? '{"error":"simulated"}' : '{"ok":true}');
        stopwatch.stop();
        inFlight.dec();
        (failed ? responses.error : responses.ok).mark();
      }, latencyMs(route));
    });
  };
}

/** Prints one compact line per report. */
class SummaryReporter extends ScheduledReporter {
  #previous = 0;
  readonly #out: Writable;

  constructor(options: { readonly registry: Registry; readonly out: Writable }) {
    super({ registry: options.registry, durationUnit: 'ms' }, { kind: 'summary', where: 'SummaryReporter' });
    this.#out = options.out;
    this.#previous = this.clock.now();
  }

  protected override send(report: Report): void {
    const find = (name: string, tag?: string): ReportSeries[] =>
      report.series.filter((s) => s.name === name && (tag === undefined || Object.values(s.tags).includes(tag)));
    const requests = find('http.responses').reduce((n, s) => n + (s.countDelta ?? 0), 0);
    const errors = find('http.responses', '5xx').reduce((n, s) => n + (s.countDelta ?? 0), 0);
    const elapsedS = Math.max(report.timestampMs - this.#previous, 1) / 1000;
    this.#previous = report.timestampMs;
    const p = (route: Route, stat: 'p50' | 'p99'): string => {
      const value = find('http.request.duration', route)[0]?.fields.find((f) => f.statistic === stat)?.value;
      return value === undefined ? '   -  ' : `${value.toFixed(1).padStart(5)}ms`;
    };
    const upload = find('http.upload.bytes')[0]?.fields.find((f) => f.statistic === 'p95')?.value;
    const rss = find('process.memory.rss_bytes')[0]?.value ?? 0;
    const time = new Date(report.timestampMs).toISOString().slice(11, 19);
    const line =
      `${time}${report.final ? ' final' : '      '} ` +
      `${(requests / elapsedS).toFixed(0).padStart(5)} req/s  ${String(errors).padStart(3)} errors  ` +
      `users p50 ${p('/users/:id', 'p50')} p99 ${p('/users/:id', 'p99')}  ` +
      `search p99 ${p('/search', 'p99')}  ` +
      `upload p95 ${upload === undefined ? '-' : `${(upload / 1024).toFixed(1)}KiB`}  ` +
      `rss ${(rss / 2 ** 20).toFixed(0)}MiB\n`;
    this.#out.write(line);
  }
}

async function listen(server: ReturnType<typeof createServer>, preferredPort: number, log: Writable): Promise<number> {
  const attempt = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  try {
    return await attempt(preferredPort);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    log.write(`port ${preferredPort} is busy; using a free one\n`);
    return attempt(0);
  }
}

/** Keeps `concurrency` requests in flight until `until`. */
async function load(port: number, until: number, concurrency: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const r = Math.random();
      const path = r < 0.6 ? `/users/${Math.floor(Math.random() * 1000)}` : r < 0.85 ? '/search?q=tape' : '/upload';
      const body = path === '/upload' ? Buffer.alloc(Math.floor(512 + Math.random() ** 3 * 64 * 1024)) : null;
      const req = request({ host: '127.0.0.1', port, path, method: body === null ? 'GET' : 'POST', agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', () => {
        resolve();
      });
      req.end(body ?? undefined);
    });
  const worker = async (): Promise<void> => {
    while (Date.now() < until) await one();
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
}

/**
 * Runs the demo: starts the service on 127.0.0.1, drives it with the load generator for
 * `durationMs`, reports every `intervalMs`, then stops everything (each reporter sends a
 * final report) and resolves.
 *
 * @param options - see {@link DemoOptions}.
 */
export async function runDemo(options: DemoOptions = {}): Promise<void> {
  const durationMs = options.durationMs ?? 6_000;
  const intervalMs = options.intervalMs ?? 1_000;
  const out = options.out ?? process.stdout;
  const log = options.log ?? process.stderr;
  const registry = new Registry();
  const dashboard = dashboardHandler({ registry });
  const server = createServer({ keepAliveTimeout: 1_000, headersTimeout: 5_000, requestTimeout: 10_000 }, application(registry, dashboard));
  const port = await listen(server, options.port ?? 9464, log);
  const url = `http://127.0.0.1:${port}/metrics`;
  log.write(
    `dashboard: http://127.0.0.1:${port}/dashboard\n` +
      `tapemeasure demo: ${durationMs / 1000} s of simulated load on http://127.0.0.1:${port}\n` +
      `  metrics: curl ${url}?pretty   |   curl -H 'Accept: text/plain' ${url}\n`,
  );

  const reporters: ScheduledReporter[] = [
    options.json === true
      ? new JsonStreamReporter({ registry, stream: out }).start(intervalMs)
      : new SummaryReporter({ registry, out }).start(intervalMs),
  ];
  if (options.statsd !== undefined) {
    const { StatsdReporter } = await import('../reporters/statsd-reporter.js');
    reporters.push(new StatsdReporter({ registry, ...options.statsd }).start(intervalMs));
    log.write(`  pushing to StatsD at ${options.statsd.host}:${options.statsd.port}\n`);
  }
  if (options.graphite !== undefined) {
    const { GraphiteReporter } = await import('../reporters/graphite-reporter.js');
    reporters.push(new GraphiteReporter({ registry, ...options.graphite }).start(intervalMs));
    log.write(`  pushing to Graphite at ${options.graphite.host}:${options.graphite.port}\n`);
  }

  try {
    await load(port, Date.now() + durationMs, options.concurrency ?? 6);
    // Show what a Prometheus scrape sees.
    const scrape = await fetch(`${url}?format=prometheus&filter=http.request`);
    const text = await scrape.text();
    const lines = text.split('\n').filter((l) => l.startsWith('http_request_duration_seconds{') && l.includes('quantile="0.99"'));
    log.write(`\nGET ${url}?format=prometheus&filter=http.request  (p99 lines of ${text.split('\n').length - 1}):\n`);
    for (const line of lines) log.write(`  ${line}\n`);
    log.write('\n');
  } finally {
    await Promise.all([...reporters.map((r) => r.stop()), dashboard.stop()]);
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
      server.closeAllConnections();
    });
  }
}

function destination(host: string | undefined, port: string | undefined, fallbackPort: number): { host: string; port: number } | undefined {
  return host === undefined || host === '' ? undefined : { host, port: Number(port ?? fallbackPort) };
}

// Run when executed (`node dist/demo/main.js`), not when imported.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const secondsArg = args.find((a) => a.startsWith('--seconds='));
  const seconds = Math.max(1, Math.min(3600, Number(secondsArg?.slice('--seconds='.length) ?? process.env.DEMO_SECONDS ?? 6) || 6));
  const statsd = destination(process.env.STATSD_HOST, process.env.STATSD_PORT, 8125);
  const graphite = destination(process.env.GRAPHITE_HOST, process.env.GRAPHITE_PORT, 2003);
  runDemo({
    durationMs: seconds * 1000,
    json: args.includes('--json'),
    port: Number(process.env.PORT ?? 9464),
    ...(statsd === undefined ? {} : { statsd }),
    ...(graphite === undefined ? {} : { graphite }),
  }).catch((error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
