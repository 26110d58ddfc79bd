import { Readable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { fastifyMetrics } from '../../src/integrations/fastify.js';
import type { HttpDimensions } from '../../src/integrations/http/options.js';
import { Registry } from '../../src/registry/registry.js';
import { httpScenarios, send, Series, waitUntil, type Signal, type TestApp } from './http-helpers.js';

async function start(registry: Registry, hang: Signal, dimensions: HttpDimensions): Promise<TestApp> {
  const app = Fastify();
  await app.register(fastifyMetrics({ registry, dimensions }));
  app.get('/users/:id', async (request) => ({ id: (request.params as { id: string }).id }));
  app.post('/echo', async (request) => ({ received: JSON.stringify(request.body).length }));
  await app.register(
    async (api) => {
      await api.register(
        async (orgs) => {
          orgs.get('/repos/:repo', async (request, reply) => {
            await reply.type('text/plain').send(`repo ${(request.params as { repo: string }).repo}`);
          });
        },
        { prefix: '/orgs/:org' },
      );
    },
    { prefix: '/api' },
  );
  app.get('/boom', async () => {
    throw new Error('boom');
  });
  app.get('/stream', (_request, reply) => {
    void reply.send(Readable.from(['chunk-0', 'chunk-1', 'chunk-2', 'chunk-3', 'chunk-4']));
  });
  app.get('/hang', (_request, _reply) => {
    hang.fire();
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    close: async () => {
      app.server.closeAllConnections();
      await app.close();
    },
  };
}

httpScenarios('fastify', start);

describe('fastify specifics', () => {
  it('sees routes registered in encapsulated plugins after it', async () => {
    const registry = new Registry();
    const app = Fastify();
    await app.register(fastifyMetrics({ registry, statusTag: 'code', prefix: 'web' }));
    await app.register(async (child) => {
      child.get('/inside/:x', async () => 'ok');
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      expect((await send(port, 'GET', '/inside/1')).status).toBe(200);
      const series = new Series(registry, 'tags', 'web');
      await waitUntil(() => series.requests({ route: '/inside/:x', method: 'GET', status: '200' })?.count === 1);
    } finally {
      app.server.closeAllConnections();
      await app.close();
    }
  });
});
