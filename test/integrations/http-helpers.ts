/**
 * Helpers for the HTTP integration tests: a client on 127.0.0.1, polling with a deadline,
 * and the scenarios every framework runs against a real server.
 */

import { Agent, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSegment } from '../../src/names.js';
import { Registry } from '../../src/registry/registry.js';
import { type Metric } from '../../src/registry/types.js';
import type { Timer } from '../../src/metrics/timer.js';
import type { Counter } from '../../src/metrics/counter.js';
import type { Histogram } from '../../src/metrics/histogram.js';
import type { Gauge } from '../../src/metrics/gauge.js';

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

/** Polls `check` until it returns true, or fails after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
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

/** The name of a route's series under the prefix `http`. */
export function routeName(template: string, leaf: string, prefix = 'http'): string {
  return `${prefix}.${encodeSegment(template)}.${leaf}`;
}

export function timerOf(registry: Registry, name: string, tags: Record<string, string>): Timer | undefined {
  return registry.get(name, tags) as Timer | undefined;
}

export function counterOf(registry: Registry, name: string, tags: Record<string, string>): Counter | undefined {
  return registry.get(name, tags) as Counter | undefined;
}

export function histogramOf(registry: Registry, name: string, tags: Record<string, string>): Histogram | undefined {
  return registry.get(name, tags) as Histogram | undefined;
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

export type AppFactory = (registry: Registry, hang: Signal) => Promise<TestApp>;

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

/** Runs the scenarios every HTTP integration must pass, against a real server. */
export function httpScenarios(framework: string, factory: AppFactory): void {
  describe(`${framework} on a real port`, () => {
    let registry: Registry;
    let hang: Signal;
    let app: TestApp;

    beforeAll(async () => {
      registry = new Registry();
      hang = new Signal();
      app = await factory(registry, hang);
    });

    afterAll(async () => {
      await app.close();
    });

    it('names requests after the route template, tagged with method and status class', async () => {
      expect((await send(app.port, 'GET', '/users/42')).status).toBe(200);
      expect((await send(app.port, 'GET', '/users/43')).status).toBe(200);
      const timer = () => timerOf(registry, routeName('/users/:id', 'requests'), { method: 'GET', status: '2xx' });
      await waitFor(() => timer()?.count === 2);
      expect(timer()!.statistics().max).toBeGreaterThanOrEqual(0);
      // Never the raw path.
      expect(seriesList(registry).some((s) => s.includes('42') || s.includes('43'))).toBe(false);
    });

    it('records request and response sizes when Content-Length is known', async () => {
      const body = JSON.stringify({ hello: 'world', n: 12345 });
      const reply = await send(app.port, 'POST', '/echo', body);
      expect(reply.status).toBe(200);
      const requestBytes = () => histogramOf(registry, routeName('/echo', 'request_bytes'), { method: 'POST' });
      const responseBytes = () => histogramOf(registry, routeName('/echo', 'response_bytes'), { method: 'POST' });
      await waitFor(() => responseBytes()?.count === 1);
      expect(requestBytes()?.sum).toBe(Buffer.byteLength(body));
      expect(responseBytes()?.sum).toBe(Buffer.byteLength(reply.body));
    });

    it('includes the mount paths of nested routers in the template', async () => {
      const reply = await send(app.port, 'GET', NESTED_PATH);
      expect(reply.status).toBe(200);
      const name = routeName(NESTED_TEMPLATE, 'requests');
      await waitFor(() => timerOf(registry, name, { method: 'GET', status: '2xx' })?.count === 1);
      expect(seriesList(registry).filter((s) => s.includes('acme') || s.includes('widgets'))).toEqual([]);
    });

    it('records requests no route matched under one unmatched series', async () => {
      const reply = await send(app.port, 'GET', '/no/such/route');
      expect(reply.status).toBe(404);
      await waitFor(() => timerOf(registry, 'http.unmatched.requests', { method: 'GET', status: '4xx' })?.count === 1);
    });

    it('counts a thrown error against its route, with a 5xx status', async () => {
      const reply = await send(app.port, 'GET', '/boom');
      expect(reply.status).toBe(500);
      await waitFor(() => counterOf(registry, routeName('/boom', 'errors'), { method: 'GET' })?.count === 1);
      expect(timerOf(registry, routeName('/boom', 'requests'), { method: 'GET', status: '5xx' })?.count).toBe(1);
    });

    it('times a streamed response once, when it ends', async () => {
      const reply = await send(app.port, 'GET', '/stream');
      expect(reply.status).toBe(200);
      expect(reply.body).toBe('chunk-0chunk-1chunk-2chunk-3chunk-4');
      const timer = () => timerOf(registry, routeName('/stream', 'requests'), { method: 'GET', status: '2xx' });
      await waitFor(() => timer()?.count === 1);
      // The body had no Content-Length: no response size is invented.
      expect(histogramOf(registry, routeName('/stream', 'response_bytes'), { method: 'GET' })).toBeUndefined();
      // Closing the keep-alive connections must not record it a second time.
      agent.destroy();
      await new Promise((resolve) => setImmediate(resolve));
      expect(timer()?.count).toBe(1);
    });

    it('counts a request whose client went away as aborted, once, and keeps in-flight right', async () => {
      const inFlight = registry.get('http.in_flight') as Gauge;
      const aborted = () => counterOf(registry, routeName('/hang', 'aborted'), { method: 'GET' });
      const done = sendAndAbort(app.port, '/hang', hang.wait());
      await hang.wait();
      expect(inFlight.value).toBe(1);
      await done;
      await waitFor(() => aborted()?.count === 1);
      expect(timerOf(registry, routeName('/hang', 'requests'), { method: 'GET', status: 'aborted' })?.count).toBe(1);
      expect(timerOf(registry, routeName('/hang', 'requests'), { method: 'GET', status: '2xx' })).toBeUndefined();
      await waitFor(() => inFlight.value === 0);
      expect(aborted()?.count).toBe(1);
    });

    it('adds no series for a scan of 1,000 random paths', async () => {
      await send(app.port, 'GET', '/warm-up/unmatched');
      await waitFor(() => (registry.get('http.in_flight') as Gauge).value === 0);
      const before = seriesList(registry);
      const unmatched = timerOf(registry, 'http.unmatched.requests', { method: 'GET', status: '4xx' })!;
      const countBefore = unmatched.count;
      for (let batch = 0; batch < 20; batch++) {
        const replies = await Promise.all(
          Array.from({ length: 50 }, (_, i) => send(app.port, 'GET', randomPath(batch * 50 + i)).catch(() => null)),
        );
        for (const reply of replies) if (reply !== null) expect(reply.status).toBeGreaterThanOrEqual(400);
      }
      await waitFor(() => (registry.get('http.in_flight') as Gauge).value === 0);
      expect(seriesList(registry)).toEqual(before);
      // Scanner paths may get 400 rather than 404; every answered one is counted somewhere unmatched.
      const unmatchedTotal = [...registry.metrics()]
        .filter((m) => m.name === 'http.unmatched.requests')
        .reduce((sum, m) => sum + (m as Timer).count, 0);
      expect(unmatchedTotal - countBefore).toBe(1_000);
    });
  });
}
