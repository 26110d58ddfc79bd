// Bounded work per request (issue 11 #1): a bound on `?filter=` values (400), single
// flight (concurrent identical scrapes share one render), and a cap on renders in
// progress (503 with Retry-After). Renders are counted by a spy on the registry's
// metrics() (each render reads it once); an async gauge holds every render open until the
// test lets it go.
import { createServer, request, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import type { EndpointError } from '../../src/exposition/endpoint-error.js';
import { metricsHandler, type MetricsHandlerOptions } from '../../src/exposition/handler.js';
import { Registry } from '../../src/registry/registry.js';
import type { MetricRegistry } from '../../src/registry/types.js';
import { waitUntil } from '../helpers/wait.js';
import { call, close, listen, type Reply } from './http-client.js';

/**
 * A registry (it carries the brand) that counts the renders reading it, with an async
 * gauge `app.held` that answers only when released.
 */
function heldRegistry(): { registry: MetricRegistry; reads: () => number; release: () => void } {
  const inner = new Registry();
  for (let i = 0; i < 20; i++) inner.counter(`app.c${i}`).inc(i);
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  inner.gauge(
    'app.held',
    async () => {
      await gate;
      return 7;
    },
    { timeoutMs: 60_000 },
  );
  let reads = 0;
  const registry = Object.create(inner, {
    metrics: {
      value() {
        reads++;
        return inner.metrics();
      },
    },
  }) as MetricRegistry;
  return { registry, reads: () => reads, release: open };
}

let server: Server | undefined;
afterEach(async () => {
  if (server !== undefined) await close(server);
  server = undefined;
});

/** Serves the handler; counts the requests that reached it. */
async function serve(options: MetricsHandlerOptions): Promise<{ base: string; arrived: () => number }> {
  const handler = metricsHandler(options);
  let arrived = 0;
  server = createServer((req, res) => {
    arrived++;
    void handler(req, res);
  });
  return { base: await listen(server), arrived: () => arrived };
}

describe('metricsHandler bounds the ?filter= of a request', () => {
  it('answers 400 with a coded EndpointError beyond 16 filters (the default), and serves 16', async () => {
    const errors: EndpointError[] = [];
    const registry = new Registry();
    registry.counter('app.c1').inc();
    const { base } = await serve({ registry, onError: (e) => errors.push(e) });
    const sixteen = Array.from({ length: 16 }, (_, i) => `filter=app.c${i}`).join('&');
    const ok = await call(`${base}/metrics?${sixteen}`);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ app: { c1: { type: 'counter', count: 1 } } });
    expect(errors).toEqual([]);
    const refused = await call(`${base}/metrics?${sixteen}&filter=app.c16`);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatch(/at most 16 \?filter= values/);
    expect(errors.map((e) => [e.code, e.kind])).toEqual([[ErrorCodes.ENDPOINT_REFUSED, 'limit']]);
  });

  it('answers 400 beyond 1024 characters of filters in all (the default)', async () => {
    const registry = new Registry();
    const { base } = await serve({ registry, onError: () => {} });
    const glob = (n: number): string => '*a'.repeat(n / 2);
    expect((await call(`${base}/metrics?filter=${glob(512)}&filter=${glob(512)}`)).status).toBe(200);
    expect((await call(`${base}/metrics?filter=${glob(512)}&filter=${glob(512)}x`)).status).toBe(400);
    expect((await call(`${base}/metrics?filter=${glob(1026)}`)).status).toBe(400);
  });

  it('takes its bounds from maxRequestFilters and maxRequestFilterLength', async () => {
    const registry = new Registry();
    const { base } = await serve({ registry, maxRequestFilters: 2, maxRequestFilterLength: 10, onError: () => {} });
    expect((await call(`${base}/metrics?filter=a&filter=b`)).status).toBe(200);
    expect((await call(`${base}/metrics?filter=a&filter=b&filter=c`)).status).toBe(400);
    expect((await call(`${base}/metrics?filter=abcdef&filter=ghijk`)).status).toBe(400);
    // Empty values select nothing more and are not counted.
    expect((await call(`${base}/metrics?filter=a&filter=&filter=&filter=b`)).status).toBe(200);
  });

  it('rejects bad bounds at construction', () => {
    for (const bad of [{ maxRequestFilters: 0 }, { maxRequestFilterLength: 1.5 }, { maxRendersInProgress: -1 }, { maxRendersInProgress: '2' }]) {
      expect(() => metricsHandler(bad as never)).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }) as Error);
    }
  });
});

describe('metricsHandler shares one render among concurrent identical scrapes (single flight)', () => {
  it('reads the registry once for 20 concurrent identical scrapes, and answers each in full', async () => {
    const { registry, reads, release } = heldRegistry();
    const { base, arrived } = await serve({ registry });
    const replies = Array.from({ length: 20 }, () => call(`${base}/metrics?format=prometheus&filter=app.`));
    await waitUntil(() => arrived() === 20, { what: '20 requests at the handler' });
    await waitUntil(() => reads() >= 1, { what: 'the render to read the gauge' });
    release();
    const done = await Promise.all(replies);
    expect(reads()).toBe(1);
    for (const reply of done) {
      expect(reply.status).toBe(200);
      expect(reply.body).toContain('app_held 7\n');
      expect(reply.body).toContain('app_c19_total 19\n');
    }
  });

  it('renders apart what differs: format, filters, pretty, compression; shares filters in any order', async () => {
    const { registry, reads, release } = heldRegistry();
    const { base, arrived } = await serve({ registry, maxRendersInProgress: 10 });
    const urls: [string, Record<string, string>][] = [
      ['?format=json', {}],
      ['?format=prometheus', {}],
      ['?format=prometheus&filter=app.c&filter=app.h', {}],
      ['?format=prometheus&filter=app.h&filter=app.c', {}], // same as the one above
      ['?format=prometheus', { 'accept-encoding': 'gzip' }],
      ['?format=json&pretty', {}],
    ];
    const replies = urls.map(([q, headers]) => call(`${base}/metrics${q}`, { headers }));
    await waitUntil(() => arrived() === urls.length, { what: 'every request at the handler' });
    await waitUntil(() => reads() >= 5, { what: 'five renders to read the gauge' });
    release();
    const done: Reply[] = await Promise.all(replies);
    expect(reads()).toBe(5);
    expect(done.map((r) => r.status)).toEqual(urls.map(() => 200));
    expect(done[2]!.body).toBe(done[3]!.body);
    expect(done[4]!.headers['content-encoding']).toBe('gzip');
  });

  it('answers the clients still waiting when another client of the shared render leaves', async () => {
    const { registry, reads, release } = heldRegistry();
    const { base, arrived } = await serve({ registry });
    const leaving = request(`${base}/metrics?format=prometheus`);
    const left = new Promise<void>((resolve) => leaving.on('error', () => resolve()).on('close', () => resolve()));
    leaving.end();
    const staying = call(`${base}/metrics?format=prometheus`);
    await waitUntil(() => arrived() === 2 && reads() === 1, { what: 'two requests sharing one render' });
    leaving.destroy();
    await left;
    release();
    const reply = await staying;
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('app_held 7\n');
    expect(reads()).toBe(1);
  });

  it('renders again once a render has finished (sharing, never caching)', async () => {
    const registry = new Registry();
    const c = registry.counter('app.c');
    const { base } = await serve({ registry });
    c.inc();
    expect((await call(`${base}/metrics?format=prometheus`)).body).toContain('app_c_total 1\n');
    c.inc();
    expect((await call(`${base}/metrics?format=prometheus`)).body).toContain('app_c_total 2\n');
  });
});

describe('metricsHandler caps the renders in progress', () => {
  it('answers 503 with Retry-After beyond maxRendersInProgress, joins a running render, and serves again after', async () => {
    const errors: EndpointError[] = [];
    const { registry, reads, release } = heldRegistry();
    const { base, arrived } = await serve({ registry, maxRendersInProgress: 2, onError: (e) => errors.push(e) });
    const first = call(`${base}/metrics?filter=app.h&filter=app.c1`);
    const second = call(`${base}/metrics?filter=app.h&filter=app.c2`);
    await waitUntil(() => arrived() === 2 && reads() === 2, { what: 'two renders in progress' });
    const third = await call(`${base}/metrics?filter=app.h&filter=app.c3`);
    expect(third.status).toBe(503);
    expect(third.headers['retry-after']).toBe('1');
    expect(errors.map((e) => [e.code, e.kind])).toEqual([[ErrorCodes.ENDPOINT_REFUSED, 'busy']]);
    // An identical request joins a render in progress: no new render, no 503.
    const joined = call(`${base}/metrics?filter=app.h&filter=app.c1`);
    await waitUntil(() => arrived() === 4, { what: 'the fourth request at the handler' });
    release();
    const done = await Promise.all([first, second, joined]);
    expect(done.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(done[2].body).toBe(done[0].body);
    expect(reads()).toBe(2);
    expect((await call(`${base}/metrics?filter=app.h&filter=app.c3`)).status).toBe(200);
  });

  it('defaults to 4 renders in progress', async () => {
    const { registry, reads, release } = heldRegistry();
    const { base, arrived } = await serve({ registry, onError: () => {} });
    const running = [1, 2, 3, 4].map((i) => call(`${base}/metrics?filter=app.h&filter=app.c${i}`));
    await waitUntil(() => arrived() === 4 && reads() === 4, { what: 'four renders in progress' });
    expect((await call(`${base}/metrics?filter=app.h&filter=app.c5`)).status).toBe(503);
    release();
    expect((await Promise.all(running)).map((r) => r.status)).toEqual([200, 200, 200, 200]);
  });
});
