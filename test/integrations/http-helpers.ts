/**
 * Helpers for the HTTP integration tests: a client on 127.0.0.1, series lookups in both
 * layouts (`dimensions: 'tags'` and `'name'`), and the scenarios every framework runs
 * against a real server.
 */

import { Agent, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpDimensions } from '../../src/integrations/http/options.js';
import { routeSegments } from '../../src/integrations/http/route-names.js';
import type { Counter } from '../../src/metrics/counter.js';
import type { Gauge } from '../../src/metrics/gauge.js';
import type { Histogram } from '../../src/metrics/histogram.js';
import type { Timer } from '../../src/metrics/timer.js';
import { Registry } from '../../src/registry/registry.js';
import type { Metric } from '../../src/registry/types.js';
import { waitUntil } from '../helpers/wait.js';

export { waitUntil };

export type Reply = { readonly status: number; readonly body: string; readonly headers: Record<string, unknown> };

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

/** Sends one request and reads the whole reply. */
export function send(port: number, method: string, path: string, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {};
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Sends a request, waits until the server says the handler has started, then destroys the
 * connection before any reply.
 */
export async function sendAndAbort(port: number, path: string, started: Promise<void>): Promise<void> {
  const req = httpRequest({ host: '127.0.0.1', port, method: 'GET', path, agent: false });
  req.on('error', () => {});
  req.end();
  await started;
  req.destroy();
}

/** Listens on a free loopback port. */
export function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Closes a server and its idle keep-alive connections. */
export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => {
      resolve();
    });
  });
}

/** A one-shot signal: `wait()` resolves once `fire()` was called. */
export class Signal {
  #resolve: () => void = () => {};
  #promise: Promise<void>;
  constructor() {
    this.#promise = new Promise((resolve) => (this.#resolve = resolve));
  }
  fire(): void {
    this.#resolve();
  }
  wait(): Promise<void> {
    return this.#promise;
  }
  reset(): void {
    this.#promise = new Promise((resolve) => (this.#resolve = resolve));
  }
}

/** Which series of a request: its route (a template, or `unmatched` / `other_routes`), method and status. */
export type Where = { readonly route?: string; readonly method?: string; readonly status?: string };

/** The name and tags of a series in either layout, under `prefix`. */
export function seriesKey(
  dimensions: HttpDimensions,
  leaf: string,
  where: Where,
  prefix = 'http.server',
): { name: string; tags: Record<string, string> } {
  const { route, method, status } = where;
  if (dimensions === 'tags') {
    const tags: Record<string, string> = {};
    if (route !== undefined) tags.route = route;
    if (method !== undefined) tags.method = method;
    if (status !== undefined) tags.status = status;
    return { name: `${prefix}.${leaf}`, tags };
  }
  const special = route === 'unmatched' || route === 'other_routes';
  const parts = [prefix];
  if (route !== undefined) parts.push(special ? route : routeSegments(route, 900));
  if (method !== undefined) parts.push(method);
  if (status !== undefined) parts.push(status);
  parts.push(leaf);
  return { name: parts.join('.'), tags: {} };
}

/** Finds series in one layout. */
export class Series {
  constructor(
    readonly registry: Registry,
    readonly dimensions: HttpDimensions = 'tags',
    readonly prefix = 'http.server',
  ) {}

  #get(leaf: string, where: Where): Metric | undefined {
    const { name, tags } = seriesKey(this.dimensions, leaf, where, this.prefix);
    return this.registry.get(name, tags);
  }

  requests(where: Where): Timer | undefined {
    return this.#get('requests', where) as Timer | undefined;
  }

  errors(where: Where): Counter | undefined {
    return this.#get('errors', where) as Counter | undefined;
  }

  requestBytes(where: Where): Histogram | undefined {
    return this.#get('request_bytes', where) as Histogram | undefined;
  }

  responseBytes(where: Where): Histogram | undefined {
    return this.#get('response_bytes', where) as Histogram | undefined;
  }

  get active(): Gauge {
    return this.registry.get(`${this.prefix}.active_requests`) as Gauge;
  }

  /** The request count of every series of the route `unmatched`. */
  unmatchedTotal(): number {
    let total = 0;
    for (const m of this.registry.metrics()) {
      if (m.type !== 'timer') continue;
      const unmatched =
        this.dimensions === 'tags' ? m.tags.route === 'unmatched' : m.name.startsWith(`${this.prefix}.unmatched.`);
      if (unmatched) total += m.count;
    }
    return total;
  }
}

/** Every series as `name{k=v,...}`, sorted. */
export function seriesList(registry: Registry): string[] {
  return [...registry.metrics()]
    .map((m: Metric) => `${m.name}{${Object.entries(m.tags).map(([k, v]) => `${k}=${v}`).join(',')}}`)
    .sort();
}

/**
 * What each framework's test app provides. Routes: `GET /users/:id` (JSON), `POST /echo`
 * (JSON of the body length), `GET <nested>` under two mounted routers, `GET /boom`
 * (throws), `GET /stream` (a streamed body without Content-Length), `GET /hang` (calls
 * `hang.fire()` and never answers).
 */
export type TestApp = { readonly port: number; close(): Promise<void> };

/** Starts a framework's test app recording into `registry` with these integration options. */
export type AppFactory = (registry: Registry, hang: Signal, dimensions: HttpDimensions) => Promise<TestApp>;

/** The nested route as a template, and a path that matches it. */
export const NESTED_TEMPLATE = '/api/orgs/:org/repos/:repo';
export const NESTED_PATH = '/api/orgs/acme/repos/widgets';

function randomPath(i: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-_.~%!$&()*+,;=:@';
  let path = '';
  const segments = 1 + (i % 4);
  for (let s = 0; s < segments; s++) {
    let segment = '';
    const length = 1 + Math.floor(Math.random() * 12);
    for (let c = 0; c < length; c++) segment += alphabet.charAt(Math.floor(Math.random() * alphabet.length));
    path += `/${encodeURIComponent(segment)}`;
  }
  // Some look like what scanners probe for.
  if (i % 10 === 0) path = `/phpmyadmin${path}`;
  if (i % 17 === 0) path = `/users${path}/x`;
  return path;
}

/** Runs the scenarios every HTTP integration must pass, against a real server, in both layouts. */
export function httpScenarios(framework: string, factory: AppFactory): void {
  for (const dimensions of ['tags', 'name'] as const) scenarios(framework, factory, dimensions);
}

function scenarios(framework: string, factory: AppFactory, dimensions: HttpDimensions): void {
  describe(`${framework} on a real port (dimensions: '${dimensions}')`, () => {
    let registry: Registry;
    let series: Series;
    let hang: Signal;
    let app: TestApp;

    beforeAll(async () => {
      registry = new Registry();
      series = new Series(registry, dimensions);
      hang = new Signal();
      app = await factory(registry, hang, dimensions);
    });

    afterAll(async () => {
      await app.close();
    });

    it('records requests under the route template, with method and status class', async () => {
      expect((await send(app.port, 'GET', '/users/42')).status).toBe(200);
      expect((await send(app.port, 'GET', '/users/43')).status).toBe(200);
      const timer = () => series.requests({ route: '/users/:id', method: 'GET', status: '2xx' });
      await waitUntil(() => timer()?.count === 2, { what: 'two requests of /users/:id' });
      expect(timer()!.statistics().max).toBeGreaterThanOrEqual(0);
      // Never the raw path, neither in names nor in tags.
      expect(seriesList(registry).some((s) => s.includes('42') || s.includes('43'))).toBe(false);
      if (dimensions === 'name') expect(timer()!.name).toBe('http.server.users._id.GET.2xx.requests');
    });

    it('records request and response sizes when Content-Length is known', async () => {
      const body = JSON.stringify({ hello: 'world', n: 12345 });
      const reply = await send(app.port, 'POST', '/echo', body);
      expect(reply.status).toBe(200);
      const where = { route: '/echo', method: 'POST', status: '2xx' };
      await waitUntil(() => series.responseBytes(where)?.count === 1, { what: 'the response size of /echo' });
      expect(series.requestBytes(where)?.sum).toBe(Buffer.byteLength(body));
      expect(series.responseBytes(where)?.sum).toBe(Buffer.byteLength(reply.body));
    });

    it('includes the mount paths of nested routers in the template', async () => {
      const reply = await send(app.port, 'GET', NESTED_PATH);
      expect(reply.status).toBe(200);
      await waitUntil(() => series.requests({ route: NESTED_TEMPLATE, method: 'GET', status: '2xx' })?.count === 1, {
        what: 'the nested route',
      });
      expect(seriesList(registry).filter((s) => s.includes('acme') || s.includes('widgets'))).toEqual([]);
    });

    it('records requests no route matched under the one route unmatched', async () => {
      const reply = await send(app.port, 'GET', '/no/such/route');
      expect(reply.status).toBe(404);
      await waitUntil(() => series.requests({ route: 'unmatched', method: 'GET', status: '4xx' })?.count === 1, {
        what: 'an unmatched request',
      });
    });

    it('counts a thrown error against its route, with a 5xx status', async () => {
      const reply = await send(app.port, 'GET', '/boom');
      expect(reply.status).toBe(500);
      const where = { route: '/boom', method: 'GET', status: '5xx' };
      await waitUntil(() => series.errors(where)?.count === 1, { what: 'the error of /boom' });
      expect(series.requests(where)?.count).toBe(1);
    });

    it('times a streamed response once, when it ends', async () => {
      const reply = await send(app.port, 'GET', '/stream');
      expect(reply.status).toBe(200);
      expect(reply.body).toBe('chunk-0chunk-1chunk-2chunk-3chunk-4');
      const where = { route: '/stream', method: 'GET', status: '2xx' };
      await waitUntil(() => series.requests(where)?.count === 1, { what: 'the streamed request' });
      // The body had no Content-Length: no response size is invented.
      expect(series.responseBytes(where)).toBeUndefined();
      // Closing the keep-alive connections must not record it a second time.
      agent.destroy();
      await new Promise((resolve) => setImmediate(resolve));
      expect(series.requests(where)?.count).toBe(1);
    });

    it('records a request whose client went away as aborted, once, and keeps active requests right', async () => {
      const aborted = () => series.requests({ route: '/hang', method: 'GET', status: 'aborted' });
      const done = sendAndAbort(app.port, '/hang', hang.wait());
      await hang.wait();
      expect(series.active.value).toBe(1);
      await done;
      await waitUntil(() => aborted()?.count === 1, { what: 'the aborted request' });
      expect(series.requests({ route: '/hang', method: 'GET', status: '2xx' })).toBeUndefined();
      await waitUntil(() => series.active.value === 0, { what: 'no active request' });
      expect(aborted()?.count).toBe(1);
    });

    it('adds no series for a scan of 1,000 random paths', async () => {
      await send(app.port, 'GET', '/warm-up/unmatched');
      await waitUntil(() => series.active.value === 0, { what: 'no active request' });
      const before = seriesList(registry);
      const countBefore = series.unmatchedTotal();
      for (let batch = 0; batch < 20; batch++) {
        const replies = await Promise.all(
          Array.from({ length: 50 }, (_, i) => send(app.port, 'GET', randomPath(batch * 50 + i)).catch(() => null)),
        );
        for (const reply of replies) if (reply !== null) expect(reply.status).toBeGreaterThanOrEqual(400);
      }
      await waitUntil(() => series.active.value === 0, { what: 'no active request' });
      expect(seriesList(registry)).toEqual(before);
      // Scanner paths may get 400 rather than 404; every answered one is counted as unmatched.
      expect(series.unmatchedTotal() - countBefore).toBe(1_000);
    });
  });
}
