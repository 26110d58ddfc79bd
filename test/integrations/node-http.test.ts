import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { HttpDimensions } from '../../src/integrations/http/options.js';
import { httpMetrics, instrumentServer } from '../../src/integrations/node-http.js';
import { Registry } from '../../src/registry/registry.js';
import { close, httpScenarios, listen, NESTED_TEMPLATE, send, Series, seriesList, waitUntil, type Signal, type TestApp } from './http-helpers.js';

const ROUTES: [RegExp, string][] = [
  [/^\/users\/[^/]+$/, '/users/:id'],
  [/^\/echo$/, '/echo'],
  [/^\/api\/orgs\/[^/]+\/repos\/[^/]+$/, NESTED_TEMPLATE],
  [/^\/boom$/, '/boom'],
  [/^\/stream$/, '/stream'],
  [/^\/hang$/, '/hang'],
];

function route(request: IncomingMessage): string | undefined {
  const path = (request.url ?? '/').split('?')[0]!;
  for (const [pattern, template] of ROUTES) if (pattern.test(path)) return template;
  return undefined;
}

function handler(hang: Signal) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const template = route(req);
    if (template === '/users/:id') {
      const body = JSON.stringify({ id: req.url!.split('/')[2] });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    } else if (template === '/echo') {
      let length = 0;
      for await (const chunk of req) length += (chunk as Buffer).length;
      const body = JSON.stringify({ received: length });
      res.setHeader('content-length', Buffer.byteLength(body));
      res.end(body);
    } else if (template === NESTED_TEMPLATE) {
      res.end('repo');
    } else if (template === '/boom') {
      await Promise.resolve();
      throw new Error('boom');
    } else if (template === '/stream') {
      Readable.from(['chunk-0', 'chunk-1', 'chunk-2', 'chunk-3', 'chunk-4']).pipe(res);
    } else if (template === '/hang') {
      hang.fire();
    } else {
      res.statusCode = 404;
      res.end('not found');
    }
  };
}

async function start(registry: Registry, hang: Signal, dimensions: HttpDimensions): Promise<TestApp> {
  const wrapped = httpMetrics(handler(hang), { registry, route, dimensions });
  const server = createServer((req, res) => {
    // The rejection is counted by the wrapper; the application answers it as usual.
    wrapped(req, res).catch(() => {
      res.statusCode = 500;
      res.end();
    });
  });
  const port = await listen(server);
  return { port, close: () => close(server) };
}

httpScenarios('node:http', start);

describe('node:http specifics', () => {
  it('records requests without a route when there is no route function, timed by the injected clock', async () => {
    const registry = new Registry();
    const clock = new ManualClock();
    const server = createServer(
      httpMetrics(
        (_req, res) => {
          clock.advance(250);
          res.end('ok');
        },
        { registry, clock, statusTag: 'code', methodTag: false },
      ),
    );
    const port = await listen(server);
    try {
      await send(port, 'GET', '/anything/at/all');
      await send(port, 'DELETE', '/x');
      const series = new Series(registry);
      await waitUntil(() => series.requests({ status: '200' })?.count === 2);
      const stats = series.requests({ status: '200' })!.statistics();
      expect(stats.min).toBe(250);
      expect(stats.max).toBe(250);
      expect(seriesList(registry)).toEqual(['http.server.active_requests{}', 'http.server.requests{status=200}']);
    } finally {
      await close(server);
    }
  });

  it('instrumentServer() times requests of an existing server and detaches', async () => {
    const registry = new Registry();
    const server = createServer((_req, res) => res.end('ok'));
    const detach = instrumentServer(server, { registry, route: () => '/ok' });
    const port = await listen(server);
    const series = new Series(registry);
    try {
      await send(port, 'GET', '/a');
      await waitUntil(() => series.requests({ route: '/ok', method: 'GET', status: '2xx' })?.count === 1);
      detach();
      await send(port, 'GET', '/a');
      expect(series.requests({ route: '/ok', method: 'GET', status: '2xx' })?.count).toBe(1);
    } finally {
      await close(server);
    }
  });

  it('counts a synchronous throw and rethrows it', () => {
    const registry = new Registry();
    const wrapped = httpMetrics(
      (_req: IncomingMessage, _res: ServerResponse) => {
        throw new Error('sync');
      },
      { registry, route: () => '/sync' },
    );
    const req = new IncomingMessage(new Socket());
    req.method = 'GET';
    // A real ServerResponse over no socket; 'finish' is emitted by hand after the throw.
    const response = new ServerResponse(req);
    expect(() => wrapped(req, response)).toThrow('sync');
    response.emit('finish');
    expect(new Series(registry).errors({ route: '/sync', method: 'GET', status: '2xx' })?.count).toBe(1);
  });

  it('bounds distinct routes and methods, with one ROUTE_LIMIT warning', async () => {
    const registry = new Registry();
    const codes: unknown[] = [];
    const onWarning = (w: Error & { code?: string }) => codes.push(w.code);
    process.on('warning', onWarning);
    const server = createServer(
      httpMetrics((_req, res) => res.end('ok'), { registry, route: (req) => req.url, maxRoutes: 5 }),
    );
    const port = await listen(server);
    const series = new Series(registry);
    try {
      for (let i = 0; i < 20; i++) await send(port, 'GET', `/raw/${i}`);
      await send(port, 'PURGE', '/raw/1');
      await waitUntil(() => series.requests({ route: 'other_routes', method: 'GET', status: '2xx' })?.count === 15);
      expect(series.requests({ route: '/raw/1', method: 'OTHER', status: '2xx' })?.count).toBe(1);
      expect(seriesList(registry).filter((s) => s.startsWith('http.server.requests')).length).toBe(7);
      await waitUntil(() => codes.includes('ERR_TAPEMEASURE_ROUTE_LIMIT'), { what: 'the ROUTE_LIMIT warning' });
      expect(codes.filter((c) => c === 'ERR_TAPEMEASURE_ROUTE_LIMIT')).toHaveLength(1);
    } finally {
      process.off('warning', onWarning);
      await close(server);
    }
  });

  it('takes a scope as its registry', async () => {
    const registry = new Registry();
    const server = createServer(
      httpMetrics((_req, res) => res.end('ok'), { registry: registry.scope('web', { app: 'shop' }), route: () => '/' }),
    );
    const port = await listen(server);
    try {
      await send(port, 'GET', '/');
      await waitUntil(() => registry.get('web.http.server.requests', { app: 'shop', route: '/', method: 'GET', status: '2xx' }), {
        what: 'the request, in the scope',
      });
    } finally {
      await close(server);
    }
  });
});
