import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import Router from '@koa/router';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { koaMetrics } from '../../src/integrations/koa.js';
import type { HttpDimensions } from '../../src/integrations/http/options.js';
import { Registry } from '../../src/registry/registry.js';
import { close, httpScenarios, listen, send, Series, Signal, waitUntil, type TestApp } from './http-helpers.js';

async function readBody(req: Koa.Request['req']): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function start(
  registry: Registry,
  hang: Signal,
  dimensions: HttpDimensions = 'tags',
  build?: (app: Koa, router: Router) => void,
): Promise<TestApp> {
  const app = new Koa();
  app.silent = true; // thrown errors are expected here
  const router = new Router();
  router.get('/users/:id', (ctx) => {
    ctx.body = { id: ctx.params.id };
  });
  router.post('/echo', async (ctx) => {
    ctx.body = { received: (await readBody(ctx.req)).length };
  });
  const api = new Router({ prefix: '/api' });
  const orgs = new Router();
  orgs.get('/repos/:repo', (ctx) => {
    ctx.type = 'text/plain';
    ctx.body = `repo ${ctx.params.repo}`;
  });
  api.use('/orgs/:org', orgs.routes());
  router.get('/boom', () => {
    throw new Error('boom');
  });
  router.get('/stream', (ctx) => {
    ctx.body = Readable.from(['chunk-0', 'chunk-1', 'chunk-2', 'chunk-3', 'chunk-4']);
  });
  router.get('/hang', async (ctx) => {
    hang.fire();
    await new Promise((resolve) => ctx.res.once('close', resolve));
  });
  app.use(koaMetrics({ registry, dimensions }));
  build?.(app, router);
  app.use(router.routes());
  app.use(api.routes());
  const callback = app.callback();
  const server = createServer((req, res) => {
    void callback(req, res);
  });
  const port = await listen(server);
  return { port, close: () => close(server) };
}

httpScenarios('koa', start);

describe('koa specifics', () => {
  it('does not name a 404 after router middleware that matches every path', async () => {
    const registry = new Registry();
    const app = await start(registry, new Signal(), 'tags', (_app, router) => {
      router.use(async (_ctx, next) => {
        await next();
      });
    });
    try {
      expect((await send(app.port, 'GET', '/not/here')).status).toBe(404);
      const series = new Series(registry);
      await waitUntil(() => series.requests({ route: 'unmatched', method: 'GET', status: '4xx' })?.count === 1);
    } finally {
      await app.close();
    }
  });
});
