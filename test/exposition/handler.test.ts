import { request as httpRequest, createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import Router from '@koa/router';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { Registry } from '../../src/registry/registry.js';
import { metricsHandler, negotiate, renderMetrics, serveMetrics, type MetricsHandler } from '../../src/exposition/handler.js';

type Reply = { status: number; headers: IncomingHttpHeaders; body: string };

/** One raw HTTP request (no automatic decompression, any method). */
function call(url: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const body = res.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString() : raw.toString();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => { resolve(); });
    server.closeAllConnections();
  });
}

const clock = new ManualClock({ nowMs: 1_700_000_000_000, monotonicMs: 50_000 });
const registry = new Registry({ clock });
registry.counter('http.requests', { tags: { method: 'GET' } }).inc(3);
registry.counter('db.calls').inc(2);
registry.timer('db.query').update(12.5);
registry.gauge('async.value', async () => Promise.resolve(99));

describe('metricsHandler on node:http', () => {
  let server: Server;
  let base: string;
  const errors: Error[] = [];
  beforeAll(async () => {
    const handler = metricsHandler(registry, { onError: (e) => errors.push(e) });
    server = createServer((req, res) => void handler(req, res));
    base = await listen(server);
  });
  afterAll(async () => {
    await close(server);
  });

  it('serves the JSON tree by default, awaiting async gauges, never cached', async () => {
    const reply = await call(`${base}/metrics`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.headers.vary).toBe('Accept, Accept-Encoding');
    const tree = JSON.parse(reply.body) as Record<string, unknown>;
    expect(tree).toMatchObject({ db: { calls: { type: 'counter', count: 2 } }, async: { value: { type: 'gauge', value: 99 } } });
    expect(reply.body).not.toContain('\n  ');
    expect(Number(reply.headers['content-length'])).toBe(Buffer.byteLength(reply.body));
  });

  it('indents with ?pretty and selects with ?filter (prefix, glob, repeated)', async () => {
    const pretty = await call(`${base}/metrics?pretty`);
    expect(pretty.body).toContain('\n  "http": {');
    expect((await call(`${base}/metrics?pretty=0`)).body).not.toContain('\n  ');
    expect(Object.keys(JSON.parse((await call(`${base}/metrics?filter=db.`)).body) as object)).toEqual(['db']);
    const glob = JSON.parse((await call(`${base}/metrics?filter=db.c*`)).body) as { db: object };
    expect(Object.keys(glob.db)).toEqual(['calls']);
    const both = JSON.parse((await call(`${base}/metrics?filter=http.&filter=async.`)).body) as object;
    expect(Object.keys(both)).toEqual(['http', 'async']);
    expect((await call(`${base}/metrics?filter=nothing`)).body).toBe('{}\n');
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const get = await call(`${base}/metrics?format=prometheus`);
    const head = await call(`${base}/metrics?format=prometheus`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])('answers %s with 405 and Allow', async (method) => {
    const reply = await call(`${base}/metrics`, { method });
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe('GET, HEAD');
    expect(reply.headers['cache-control']).toBe('no-store');
  });

  it('negotiates Prometheus text 0.0.4 and OpenMetrics 1.0 by Accept', async () => {
    const text = await call(`${base}/metrics`, { headers: { accept: 'text/plain' } });
    expect(text.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(text.body).toContain('# TYPE http_requests_total counter\nhttp_requests_total{method="GET"} 3\n');
    expect(text.body).not.toContain('# EOF');
    const om = await call(`${base}/metrics`, {
      headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1' },
    });
    expect(om.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(om.body).toContain('# TYPE http_requests counter\nhttp_requests_total{method="GET"} 3\n');
    expect(om.body.endsWith('# EOF\n')).toBe(true);
    const json = await call(`${base}/metrics`, { headers: { accept: 'application/json' } });
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('lets ?format= override Accept, and rejects an unknown format with 400', async () => {
    const reply = await call(`${base}/metrics?format=openmetrics`, { headers: { accept: 'application/json' } });
    expect(reply.headers['content-type']).toMatch(/^application\/openmetrics-text/);
    expect((await call(`${base}/metrics?format=text`)).headers['content-type']).toMatch(/^text\/plain; version=0.0.4/);
    const bad = await call(`${base}/metrics?format=xml`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(/Unknown format "xml"/);
  });

  it('gzips large responses when the client accepts gzip', async () => {
    const big = new Registry();
    for (let i = 0; i < 50; i++) big.counter(`c.n${i}`).inc(i);
    const handler = metricsHandler(big);
    const s = createServer((req, res) => void handler(req, res));
    const url = await listen(s);
    try {
      const zipped = await call(`${url}/`, { headers: { 'accept-encoding': 'gzip, deflate' } });
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect((JSON.parse(zipped.body) as { c: { n49: { count: number } } }).c.n49.count).toBe(49);
      const plain = await call(`${url}/`, { headers: { 'accept-encoding': 'gzip;q=0' } });
      expect(plain.headers['content-encoding']).toBeUndefined();
    } finally {
      await close(s);
    }
  });

  it('reports nothing to onError on the happy paths', () => {
    expect(errors).toEqual([]);
  });
});

describe('negotiate', () => {
  it.each([
    [undefined, 'json'],
    ['*/*', 'json'],
    ['text/html,application/xhtml+xml,*/*;q=0.8', 'json'],
    ['text/plain;version=0.0.4;q=0.3,application/openmetrics-text;version=1.0.0;q=0.5', 'openmetrics'],
    ['application/openmetrics-text;version=2.0.0,text/plain', 'prometheus'],
    ['text/plain;q=0,application/json', 'json'],
    ['image/png', 'json'],
  ] as const)('%s -> %s', (accept, format) => {
    expect(negotiate(accept, 'json').format).toBe(format);
  });

  it('answers OpenMetrics 0.0.1 with its own version', () => {
    expect(negotiate('application/openmetrics-text; version=0.0.1', 'json').contentType).toBe(
      'application/openmetrics-text; version=0.0.1; charset=utf-8',
    );
  });

  it('uses defaultFormat for wildcards', () => {
    expect(negotiate('*/*', 'prometheus').format).toBe('prometheus');
  });
});

describe('metricsHandler in frameworks', () => {
  let handler: MetricsHandler;
  beforeAll(() => {
    handler = metricsHandler(registry);
  });

  it('works as Express middleware', async () => {
    const app = express();
    app.all('/metrics', handler);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const reply = await call(`${url}/metrics?filter=db.calls`);
      expect(JSON.parse(reply.body)).toEqual({ db: { calls: { type: 'counter', count: 2 } } });
      expect((await call(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
      expect((await call(`${url}/metrics`, { headers: { accept: 'text/plain' } })).body).toContain('db_calls_total 2\n');
    } finally {
      await close(server);
    }
  });

  it('works in Fastify with reply.hijack()', async () => {
    const app = Fastify();
    app.route({
      method: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'],
      url: '/metrics',
      exposeHeadRoute: false,
      handler: async (request, reply) => {
        reply.hijack();
        await handler(request.raw, reply.raw);
      },
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const reply = await call(`${url}/metrics?format=openmetrics&filter=db.calls`);
      expect(reply.status).toBe(200);
      expect(reply.body).toBe('# HELP db_calls tapemeasure counter db.calls\n# TYPE db_calls counter\ndb_calls_total 2\n# EOF\n');
      expect((await call(`${url}/metrics`, { method: 'HEAD' })).status).toBe(200);
      expect((await call(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
      expect((await call(`${url}/metrics`, { method: 'OPTIONS' })).headers.allow).toBe('GET, HEAD');
    } finally {
      await app.close();
    }
  });

  it('works in Koa with ctx.respond = false', async () => {
    const app = new Koa();
    const router = new Router();
    router.all('/metrics', async (ctx) => {
      ctx.respond = false;
      await handler(ctx.req, ctx.res);
    });
    app.use(router.routes());
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const reply = await call(`${url}/metrics?filter=http.`);
      expect(JSON.parse(reply.body)).toMatchObject({ http: { requests: { type: 'counter' } } });
      expect((await call(`${url}/metrics`, { method: 'DELETE' })).status).toBe(405);
    } finally {
      await close(server);
    }
  });
});

describe('serveMetrics', () => {
  it('binds 127.0.0.1 by default, serves only its path, and closes', async () => {
    const metrics = await serveMetrics(registry, { port: 0 });
    try {
      expect(metrics.host).toBe('127.0.0.1');
      expect(metrics.url).toBe(`http://127.0.0.1:${metrics.port}/metrics`);
      expect((await call(metrics.url)).status).toBe(200);
      expect((await call(`${metrics.url}?format=prometheus`)).body).toContain('db_calls_total 2');
      const other = await call(`http://127.0.0.1:${metrics.port}/other`);
      expect(other.status).toBe(404);
      expect(other.body).toMatch(/metrics are at \/metrics/);
    } finally {
      await metrics.close();
      await metrics.close();
    }
    expect(metrics.server.listening).toBe(false);
  });

  it('serves a custom path', async () => {
    await using metrics = await serveMetrics(registry, { port: 0, path: '/internal/stats' });
    expect((await call(`http://127.0.0.1:${metrics.port}/internal/stats?filter=db.`)).status).toBe(200);
    expect((await call(`http://127.0.0.1:${metrics.port}/metrics`)).status).toBe(404);
  });

  it('rejects with EADDRINUSE when the port is taken', async () => {
    const first = await serveMetrics(registry, { port: 0 });
    try {
      await expect(serveMetrics(registry, { port: first.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await first.close();
    }
  });

  it('rejects bad options with a coded error', async () => {
    await expect(serveMetrics(registry, { port: 70_000 })).rejects.toMatchObject({ code: 'ERR_TAPEMEASURE_INVALID_OPTION' });
    await expect(serveMetrics(registry, { path: 'metrics' })).rejects.toMatchObject({ code: 'ERR_TAPEMEASURE_INVALID_OPTION' });
    expect(() => metricsHandler(registry, { defaultFormat: 'xml' as never })).toThrow(/defaultFormat/);
    expect(() => metricsHandler(registry, { prefix: '9bad' })).toThrow(/prefix/);
  });

  it('drops a client that never finishes its headers (slowloris)', async () => {
    const metrics = await serveMetrics(registry, { port: 0, headersTimeoutMs: 300, requestTimeoutMs: 600 });
    try {
      const socket = connect(metrics.port, '127.0.0.1');
      socket.on('error', () => {});
      const startedMs = performance.now();
      await new Promise<void>((resolve) => socket.once('connect', () => { resolve(); }));
      socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
      const received: Buffer[] = [];
      socket.on('data', (d: Buffer) => received.push(d));
      await new Promise<void>((resolve) => socket.once('close', () => { resolve(); }));
      const elapsedMs = performance.now() - startedMs;
      expect(elapsedMs).toBeLessThan(5_000);
      expect(Buffer.concat(received).toString()).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      await metrics.close();
    }
  });
});

describe('renderMetrics', () => {
  it('renders what the endpoint serves, without HTTP', async () => {
    const text = await renderMetrics(registry, 'prometheus', { filter: 'db.calls' });
    expect(text).toBe('# HELP db_calls_total tapemeasure counter db.calls\n# TYPE db_calls_total counter\ndb_calls_total 2\n');
    expect(JSON.parse(await renderMetrics(registry, 'json', { filter: 'async.' }))).toEqual({ async: { value: { type: 'gauge', value: 99 } } });
    expect(await renderMetrics(registry, 'json', { filter: 'db.calls', pretty: true })).toBe(
      '{\n  "db": {\n    "calls": {\n      "type": "counter",\n      "count": 2\n    }\n  }\n}\n',
    );
    await expect(renderMetrics(registry, 'xml' as never)).rejects.toMatchObject({ code: 'ERR_TAPEMEASURE_INVALID_OPTION' });
  });

  it('never holds the event loop long while exporting 2,000 timers', async () => {
    const big = new Registry({ clock: new ManualClock({ monotonicMs: 1_000_000 }) });
    for (let i = 0; i < 2_000; i++) {
      const t = big.timer(`t.n${i}`);
      for (let v = 1; v <= 20; v++) t.update(v * 3.5);
    }
    let turns = 0;
    let stop = false;
    const spin = (): void => {
      turns++;
      if (!stop) setImmediate(spin);
    };
    setImmediate(spin);
    const text = await renderMetrics(big, 'prometheus');
    stop = true;
    expect(text.split('\n')).toHaveLength(2_000 * 10 + 1);
    // Formatting gave the event loop turns along the way instead of one long block.
    expect(turns).toBeGreaterThan(1);
  });
});

describe('serveMetrics without a registry', () => {
  it('serves the default registry', async () => {
    const { defaultRegistry } = await import('../../src/registry/default-registry.js');
    defaultRegistry.counter('tapemeasure_test.default_served').inc(5);
    await using metrics = await serveMetrics({ port: 0 });
    const reply = await call(`${metrics.url}?filter=tapemeasure_test.`);
    expect(JSON.parse(reply.body)).toEqual({ tapemeasure_test: { default_served: { type: 'counter', count: 5 } } });
    defaultRegistry.remove('tapemeasure_test.default_served');
  });
});

describe('metricsHandler failures', () => {
  it('answers 500 and tells onError when reading fails, and leaves out metrics whose filter throws', async () => {
    const errors: Error[] = [];
    const broken = {
      metrics() {
        throw new Error('registry exploded');
      },
    } as unknown as Registry;
    const handler = metricsHandler(broken, { onError: (e) => errors.push(e) });
    const server = createServer((req, res) => void handler(req, res));
    const url = await listen(server);
    try {
      const reply = await call(`${url}/metrics`);
      expect(reply.status).toBe(500);
      expect(reply.body).toBe('Internal Server Error\n');
      expect(errors[0]?.message).toMatch(/serving metrics failed: registry exploded/);
    } finally {
      await close(server);
    }
    const filtered = metricsHandler(registry, {
      filter: (m) => {
        if (m.name === 'db.calls') throw new Error('bad filter');
        return true;
      },
      onError: (e) => errors.push(e),
    });
    const s2 = createServer((req, res) => void filtered(req, res));
    const url2 = await listen(s2);
    try {
      const tree = JSON.parse((await call(`${url2}/metrics`)).body) as { db: object };
      expect(Object.keys(tree.db)).toEqual(['query']);
      expect(errors.at(-1)?.message).toMatch(/the filter threw for db.calls: bad filter/);
    } finally {
      await close(s2);
    }
  });
});
