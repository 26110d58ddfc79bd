import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { expressMetrics, mountTemplate } from '../../src/integrations/express.js';
import type { HttpDimensions } from '../../src/integrations/http/options.js';
import { Registry } from '../../src/registry/registry.js';
import { close, httpScenarios, listen, send, Series, Signal, waitUntil, type TestApp } from './http-helpers.js';

async function start(
  registry: Registry,
  hang: Signal,
  dimensions: HttpDimensions = 'tags',
  build?: (app: express.Express) => void,
): Promise<TestApp> {
  const app = express();
  app.set('env', 'test'); // finalhandler does not log errors in tests
  const metrics = expressMetrics({ registry, dimensions });
  app.use(metrics);
  app.use(express.json());
  app.get('/users/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  app.post('/echo', (req, res) => {
    res.json({ received: JSON.stringify(req.body).length });
  });
  const api = express.Router();
  const orgs = express.Router({ mergeParams: true });
  orgs.get('/repos/:repo', (req, res) => {
    res.type('text').send(`repo ${req.params.repo}`);
  });
  api.use('/orgs/:org', orgs);
  app.use('/api', api);
  app.get('/boom', () => {
    throw new Error('boom');
  });
  app.get('/stream', (_req, res) => {
    Readable.from(['chunk-0', 'chunk-1', 'chunk-2', 'chunk-3', 'chunk-4']).pipe(res);
  });
  app.get('/hang', () => {
    hang.fire();
  });
  build?.(app);
  app.use(metrics.errorHandler);
  const server = createServer(app);
  const port = await listen(server);
  return { port, close: () => close(server) };
}

httpScenarios('express', start);

describe('express specifics', () => {
  it('names a route that fell through with next() as unmatched', async () => {
    const registry = new Registry();
    const app = await start(registry, new Signal(), 'tags', (a) => {
      const shelf = express.Router();
      shelf.get('/items/:id', (_req, _res, next) => {
        next();
      });
      a.use('/shelf', shelf);
    });
    try {
      expect((await send(app.port, 'GET', '/shelf/items/1')).status).toBe(404);
      const series = new Series(registry);
      await waitUntil(() => series.requests({ route: 'unmatched', method: 'GET', status: '4xx' })?.count === 1);
      expect(series.requests({ route: '/shelf/items/:id', method: 'GET', status: '4xx' })).toBeUndefined();
    } finally {
      await app.close();
    }
  });

  it('counts errors passed to next() inside a mounted router', async () => {
    const registry = new Registry();
    const app = await start(registry, new Signal(), 'tags', (a) => {
      const jobs = express.Router();
      jobs.get('/:id/run', async () => {
        await Promise.resolve();
        throw new Error('failed job');
      });
      a.use('/jobs', jobs);
    });
    try {
      expect((await send(app.port, 'GET', '/jobs/7/run')).status).toBe(500);
      const series = new Series(registry);
      const where = { route: '/jobs/:id/run', method: 'GET', status: '5xx' };
      await waitUntil(() => series.errors(where)?.count === 1);
      expect(series.requests(where)?.count).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('counts errors of top-level routes without the error handler, and middleware errors with it', async () => {
    const registry = new Registry();
    const app = express();
    app.set('env', 'test');
    const metrics = expressMetrics({ registry });
    app.use(metrics);
    app.get('/fail/:id', async () => {
      await Promise.resolve();
      throw new Error('route failed');
    });
    app.use('/guarded', (_req, _res, next) => {
      next(new Error('middleware refused'));
    });
    const server = createServer(app);
    const port = await listen(server);
    try {
      expect((await send(port, 'GET', '/fail/1')).status).toBe(500);
      expect((await send(port, 'GET', '/guarded/x')).status).toBe(500);
      const series = new Series(registry);
      await waitUntil(() => series.requests({ route: 'unmatched', method: 'GET', status: '5xx' })?.count === 1);
      expect(series.errors({ route: '/fail/:id', method: 'GET', status: '5xx' })?.count).toBe(1);
      // No error handler registered: the middleware's error is not seen.
      expect(series.errors({ route: 'unmatched', method: 'GET', status: '5xx' })).toBeUndefined();
    } finally {
      await close(server);
    }
  });

  it('names array and regular-expression routes by their patterns', async () => {
    const registry = new Registry();
    const app = await start(registry, new Signal(), 'tags', (a) => {
      a.get(['/a/:x', '/b/:x'], (_req, res) => {
        res.send('ab');
      });
      a.get(/^\/files\/\d+$/, (_req, res) => {
        res.send('file');
      });
    });
    try {
      await send(app.port, 'GET', '/a/1');
      await send(app.port, 'GET', '/b/2');
      await send(app.port, 'GET', '/files/123');
      await send(app.port, 'GET', '/files/456');
      const series = new Series(registry);
      await waitUntil(() => series.requests({ route: '/a/:x,/b/:x', method: 'GET', status: '2xx' })?.count === 2);
      await waitUntil(() => series.requests({ route: String(/^\/files\/\d+$/), method: 'GET', status: '2xx' })?.count === 2);
    } finally {
      await app.close();
    }
  });

  it('includes the mount path of a sub-application', async () => {
    const registry = new Registry();
    const app = await start(registry, new Signal(), 'tags', (a) => {
      const v2 = express();
      v2.get('/items/:id', (_req, res) => {
        res.send('item');
      });
      a.use('/v2', v2);
    });
    try {
      expect((await send(app.port, 'GET', '/v2/items/9')).status).toBe(200);
      const series = new Series(registry);
      await waitUntil(() => series.requests({ route: '/v2/items/:id', method: 'GET', status: '2xx' })?.count === 1);
    } finally {
      await app.close();
    }
  });

  it('rebuilds a mount template from the matched path on routers without rawPath (Express 4)', () => {
    expect(
      mountTemplate({ path: '/orgs/acme%20inc/teams', keys: [{ name: 'org' }], params: { org: 'acme inc' } }),
    ).toBe('/orgs/:org/teams');
    expect(mountTemplate({ rawPath: '/api/' })).toBe('/api');
    expect(mountTemplate({ rawPath: '/' })).toBe('');
    expect(mountTemplate({ rawPath: ['/a', '/b'] })).toBe('/a,/b');
  });
});
