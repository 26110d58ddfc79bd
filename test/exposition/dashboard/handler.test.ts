import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { CONTENT_SECURITY_POLICY } from '../../../src/exposition/dashboard/headers.js';
import { createDashboard, dashboardHandler, type DashboardHandler } from '../../../src/exposition/dashboard/handler.js';
import { serveMetrics } from '../../../src/exposition/server.js';
import { Registry } from '../../../src/registry/registry.js';
import { ManualScheduler } from './scheduler.js';

type Reply = { status: number; headers: IncomingHttpHeaders; body: string };

function call(url: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** A GET of a path exactly as given (a URL string would be normalised: `..` resolved, `"` escaped). */
function raw(base: string, path: string): Promise<Reply> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path }, (res) => {
      res.resume();
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
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
    server.close(() => {
      resolve();
    });
    server.closeAllConnections();
  });
}

function expectSecurityHeaders(headers: IncomingHttpHeaders): void {
  expect(headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['set-cookie']).toBeUndefined();
}

const clock = new ManualClock({ nowMs: 1_700_000_000_000, monotonicMs: 10_000 });
const registry = new Registry({ clock });
registry.counter('jobs.done').inc(3);
registry.timer('http.server.requests', { tags: { route: '/users/:id', method: 'GET', status: '2xx' } }).update(4);
for (let i = 0; i < 150; i++) registry.gauge(`pool.g${i}`).set(i);

describe('dashboardHandler on node:http', () => {
  let server: Server;
  let base: string;
  let dashboard: DashboardHandler;
  const scheduler = new ManualScheduler();
  beforeAll(async () => {
    dashboard = createDashboard('test', { registry, title: 'checkout <prod>' }, scheduler);
    server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      if (path === '/dashboard' || path.startsWith('/dashboard/')) void dashboard(req, res);
      else res.writeHead(404).end();
    });
    base = await listen(server);
  });
  afterAll(async () => {
    await close(server);
    await dashboard.stop();
  });

  it('serves the page with relative links that work with and without a trailing slash', async () => {
    const bare = await call(`${base}/dashboard`);
    expect(bare.status).toBe(200);
    expect(bare.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(bare.headers['cache-control']).toBe('no-store');
    expectSecurityHeaders(bare.headers);
    expect(bare.body).toContain('<script src="./dashboard/dashboard.js" defer></script>');
    expect(bare.body).toContain('<link rel="stylesheet" href="./dashboard/uplot.css">');
    expect(bare.body).toContain('<title>checkout &lt;prod&gt; · metrics</title>');
    const slash = await call(`${base}/dashboard/`);
    expect(slash.body).toContain('<script src="./dashboard.js" defer></script>');
  });

  it('has no inline script, no inline style and no other origin in the page', async () => {
    const { body } = await call(`${base}/dashboard/`);
    for (const script of body.match(/<script[^>]*>[\s\S]*?<\/script>/g) ?? []) {
      expect(script).toMatch(/^<script src="\.\/[\w.-]+" defer><\/script>$/);
    }
    expect(body).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(body).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
  });

  it('serves the script, the stylesheet, uPlot and its licence, with validators', async () => {
    const cases = [
      ['dashboard.js', 'text/javascript; charset=utf-8', 'tapemeasure dashboard'],
      ['dashboard.css', 'text/css; charset=utf-8', 'prefers-color-scheme'],
      ['uplot.js', 'text/javascript; charset=utf-8', 'uPlot'],
      ['uplot.css', 'text/css; charset=utf-8', '.uplot'],
      ['uplot-license.txt', 'text/plain; charset=utf-8', 'MIT'],
      ['favicon.svg', 'image/svg+xml', '<svg'],
    ] as const;
    for (const [file, type, text] of cases) {
      const reply = await call(`${base}/dashboard/${file}`);
      expect(reply.status, file).toBe(200);
      expect(reply.headers['content-type'], file).toBe(type);
      expect(reply.headers['cache-control']).toBe('no-cache');
      expect(reply.body).toContain(text);
      expectSecurityHeaders(reply.headers);
      const again = await call(`${base}/dashboard/${file}`, { headers: { 'If-None-Match': reply.headers.etag! } });
      expect(again.status, file).toBe(304);
      expect(again.body).toBe('');
    }
  });

  it('starts sampling on the first feed request only, and serves a bounded feed', async () => {
    expect(scheduler.started).toBe(0);
    await call(`${base}/dashboard`);
    await call(`${base}/dashboard/dashboard.js`);
    expect(scheduler.started).toBe(0);
    const reply = await call(`${base}/dashboard/feed?limit=100000`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(reply.headers['cache-control']).toBe('no-store');
    expectSecurityHeaders(reply.headers);
    expect(scheduler.started).toBe(1);
    const feed = JSON.parse(reply.body) as { title: string; size: number; matched: number; series: unknown[]; routes: { route: string }[] };
    expect(feed.title).toBe('checkout <prod>');
    expect(feed.size).toBe(152);
    expect(feed.matched).toBe(152);
    expect(feed.series).toHaveLength(30); // limit out of range: the default
    expect(feed.routes.map((r) => r.route)).toEqual(['/users/:id']);
    const most = JSON.parse((await call(`${base}/dashboard/feed?limit=100`)).body) as { series: unknown[] };
    expect(most.series).toHaveLength(100);
  });

  it('answers HEAD like GET without a body, 405 to other methods, 404 to odd paths', async () => {
    const head = await call(`${base}/dashboard/dashboard.css`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(100);
    expect(head.body).toBe('');
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const reply = await call(`${base}/dashboard/feed`, { method });
      expect(reply.status, method).toBe(405);
      expect(reply.headers.allow).toBe('GET, HEAD');
      expectSecurityHeaders(reply.headers);
    }
    const odd = await call(`${base}/dashboard/%22%3E%3Cscript%3E`);
    expect(odd.status).toBe(200);
    expect(odd.body).not.toContain('<script>');
    expect((await raw(base, '/dashboard/a"b')).status).toBe(404);
    expect((await raw(base, '/dashboard/..')).status).toBe(404);
    expect((await raw(base, '/dashboard/a<b')).status).toBe(404);
  });
});

describe('dashboardHandler in frameworks', () => {
  const pageAndFeed = async (base: string, mount: string): Promise<void> => {
    const page = await call(`${base}${mount}`);
    expect(page.status).toBe(200);
    const last = mount.slice(mount.lastIndexOf('/') + 1);
    expect(page.body).toContain(`src="./${last}/dashboard.js"`);
    const script = await call(`${base}${mount}/dashboard.js`);
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const feed = await call(`${base}${mount}/feed`);
    expect(feed.status).toBe(200);
    expect(JSON.parse(feed.body)).toMatchObject({ v: 1, size: 152 });
    expectSecurityHeaders(feed.headers);
    expect((await call(`${base}${mount}/feed`, { method: 'POST' })).status).toBe(405);
  };

  it('mounts in Express with app.use (which strips the mount path from req.url)', async () => {
    const dashboard = dashboardHandler({ registry });
    const app = express();
    app.use('/ops/dashboard', dashboard);
    const server = createServer(app);
    const base = await listen(server);
    try {
      await pageAndFeed(base, '/ops/dashboard');
    } finally {
      await close(server);
      await dashboard.stop();
    }
  });

  it('mounts in Fastify with reply.hijack()', async () => {
    const dashboard = dashboardHandler({ registry });
    const app = Fastify();
    const handler = async (request: { raw: Parameters<DashboardHandler>[0] }, reply: { hijack(): void; raw: Parameters<DashboardHandler>[1] }) => {
      reply.hijack();
      await dashboard(request.raw, reply.raw);
    };
    for (const url of ['/dashboard', '/dashboard/*']) {
      app.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'], url, exposeHeadRoute: false, handler });
    }
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      await pageAndFeed(base, '/dashboard');
    } finally {
      await app.close();
      await dashboard.stop();
    }
  });

  it('mounts in Koa with ctx.respond = false', async () => {
    const dashboard = dashboardHandler({ registry });
    const app = new Koa();
    app.use(async (ctx, next) => {
      if (ctx.path !== '/dashboard' && !ctx.path.startsWith('/dashboard/')) {
        await next();
        return;
      }
      ctx.respond = false;
      await dashboard(ctx.req, ctx.res);
    });
    const callback = app.callback();
    const server = createServer((req, res) => void callback(req, res));
    const base = await listen(server);
    try {
      await pageAndFeed(base, '/dashboard');
    } finally {
      await close(server);
      await dashboard.stop();
    }
  });
});

describe('serveMetrics and the dashboard', () => {
  it('serves /dashboard by default, beside /metrics', async () => {
    await using server = await serveMetrics({ registry, port: 0 });
    const base = server.url.replace(/\/metrics$/, '');
    const page = await call(`${base}/dashboard`);
    expect(page.status).toBe(200);
    expectSecurityHeaders(page.headers);
    const feed = await call(`${base}/dashboard/feed`);
    expect(JSON.parse(feed.body)).toMatchObject({ size: 152 });
    expect((await call(server.url)).status).toBe(200);
    expect((await call(`${base}/dashboardx`)).status).toBe(404);
  });

  it('takes the dashboard options, and none with dashboard: false', async () => {
    await using withTitle = await serveMetrics({ registry, port: 0, dashboard: { title: 'billing', intervalMs: 2_000 } });
    const feed = JSON.parse((await call(withTitle.url.replace(/metrics$/, 'dashboard/feed'))).body) as { title: string; intervalMs: number };
    expect(feed).toMatchObject({ title: 'billing', intervalMs: 2_000 });
    await using off = await serveMetrics({ registry, port: 0, dashboard: false });
    expect((await call(off.url.replace(/metrics$/, 'dashboard'))).status).toBe(404);
  });
});
