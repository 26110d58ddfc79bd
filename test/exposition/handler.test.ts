import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { ErrorCodes } from '../../src/errors.js';
import type { EndpointError } from '../../src/exposition/endpoint-error.js';
import { metricsHandler, type MetricsHandler, type MetricsHandlerOptions } from '../../src/exposition/handler.js';
import { Registry } from '../../src/registry/registry.js';
import type { MetricRegistry } from '../../src/registry/types.js';
import { call, close, listen } from './http-client.js';

const clock = new ManualClock({ nowMs: 1_700_000_000_000, monotonicMs: 50_000 });
const registry = new Registry({ clock });
registry.counter('http.requests', { tags: { method: 'GET' } }).inc(3);
registry.counter('db.calls').inc(2);
registry.timer('db.query').update(12.5);
registry.gauge('async.value', async () => Promise.resolve(99));

describe('metricsHandler on node:http', () => {
  let server: Server;
  let base: string;
  const errors: EndpointError[] = [];
  beforeAll(async () => {
    const handler = metricsHandler({ registry, onError: (e) => errors.push(e) });
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
    const handler = metricsHandler({ registry: big });
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

describe('metricsHandler in frameworks', () => {
  let handler: MetricsHandler;
  beforeAll(() => {
    handler = metricsHandler({ registry });
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

describe('metricsHandler failures', () => {
  it('answers 500 and tells onError with a coded EndpointError when reading fails', async () => {
    const errors: EndpointError[] = [];
    // A registry (it carries the brand) whose reading throws.
    const broken = Object.create(registry, {
      metrics: {
        value() {
          throw new Error('registry exploded');
        },
      },
    }) as MetricRegistry;
    const handler = metricsHandler({ registry: broken, onError: (e) => errors.push(e) });
    const server = createServer((req, res) => void handler(req, res));
    const url = await listen(server);
    try {
      const reply = await call(`${url}/metrics`);
      expect(reply.status).toBe(500);
      expect(reply.body).toBe('Internal Server Error\n');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ code: ErrorCodes.ENDPOINT_FAILED, kind: 'response', name: 'EndpointError' });
      expect((errors[0]!.cause as Error).message).toBe('registry exploded');
    } finally {
      await close(server);
    }
  });

  it('leaves out a metric whose filter throws, and says so', async () => {
    const errors: EndpointError[] = [];
    const filtered = metricsHandler({
      registry,
      filter: (m) => {
        if (m.name === 'db.calls') throw new Error('bad filter');
        return true;
      },
      onError: (e) => errors.push(e),
    });
    const server = createServer((req, res) => void filtered(req, res));
    const url = await listen(server);
    try {
      const tree = JSON.parse((await call(`${url}/metrics`)).body) as { db: object };
      expect(Object.keys(tree.db)).toEqual(['query']);
      expect(errors.map((e) => [e.code, e.kind])).toEqual([[ErrorCodes.ENDPOINT_FAILED, 'filter']]);
    } finally {
      await close(server);
    }
  });

  it('warns with the code ENDPOINT_FAILED by default, rate-limited per kind', async () => {
    const emit = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const handler = metricsHandler({
        registry,
        filter: () => {
          throw new Error('always');
        },
      });
      const server = createServer((req, res) => void handler(req, res));
      const url = await listen(server);
      try {
        await call(`${url}/metrics`);
        await call(`${url}/metrics`);
      } finally {
        await close(server);
      }
      // One warning although the filter threw for every metric of two scrapes.
      expect(emit).toHaveBeenCalledTimes(1);
      expect(emit.mock.calls[0]![1]).toMatchObject({ type: 'TapemeasureWarning', code: ErrorCodes.ENDPOINT_FAILED });
    } finally {
      emit.mockRestore();
    }
  });
});

describe('metricsHandler options', () => {
  const make = (options: unknown): MetricsHandler => metricsHandler(options as MetricsHandlerOptions);

  it.each([
    ['registry', {}],
    ['registry', new Map()],
    ['filter', 3],
    ['filter', [1]],
    ['defaultFormat', 'xml'],
    ['prefix', '9bad'],
    ['prefix', 'with space'],
    ['compress', 'yes'],
    ['onError', 'log'],
  ] as const)('rejects %s: %o with INVALID_OPTION', (key, value) => {
    expect(() => make({ [key]: value })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
  });

  it('rejects options that are not an object', () => {
    expect(() => make(registry)).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
    expect(() => make(42)).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
  });

  it.each([
    ['fliter', 'filter'],
    ['registy', 'registry'],
    ['defaultFromat', 'defaultFormat'],
    ['compres', 'compress'],
  ])('rejects the typo %s, suggesting %s', (typo, suggestion) => {
    expect(() => make({ [typo]: 'x' })).toThrow(expect.objectContaining({ code: ErrorCodes.UNKNOWN_OPTION, suggestion }));
  });

  it('accepts every option', () => {
    expect(typeof make({ registry, filter: 'http.', defaultFormat: 'prometheus', prefix: 'app', compress: false, onError: () => {} })).toBe('function');
  });
});
