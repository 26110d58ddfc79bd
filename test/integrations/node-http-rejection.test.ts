import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { httpMetrics } from '../../src/integrations/node-http.js';
import { Registry } from '../../src/registry/registry.js';
import { Series, waitUntil } from './http-helpers.js';

function exchange(): [IncomingMessage, ServerResponse] {
  const request = new IncomingMessage(new Socket());
  request.method = 'GET';
  request.url = '/x';
  return [request, new ServerResponse(request)];
}

describe('httpMetrics and rejected handlers', () => {
  // Regression: the wrapper used to observe a rejected promise and swallow it, so Node no
  // longer reported a rejection nobody handled.
  it("returns a derived promise that still rejects with the handler's error, and counts it", async () => {
    const registry = new Registry({ clock: new ManualClock() });
    const error = new Error('handler failed');
    const original = Promise.reject(error);
    original.catch(() => {});
    const wrapped = httpMetrics((_req: IncomingMessage, _res: ServerResponse) => original, { registry, route: () => '/x' });
    const [request, response] = exchange();
    const result = wrapped(request, response) as Promise<unknown>;
    expect(result).not.toBe(original);
    await expect(result).rejects.toBe(error);
    response.emit('finish');
    expect(new Series(registry).errors({ route: '/x', method: 'GET', status: '2xx' })?.count).toBe(1);
  });

  it('leaves a rejection nobody handles unhandled', async () => {
    const registry = new Registry({ clock: new ManualClock() });
    const error = new Error('nobody handles me');
    const unhandled: unknown[] = [];
    const listeners = process.listeners('unhandledRejection');
    process.removeAllListeners('unhandledRejection');
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const wrapped = httpMetrics(async (_req: IncomingMessage, _res: ServerResponse) => {
        await Promise.resolve();
        throw error;
      }, { registry });
      const [request, response] = exchange();
      void wrapped(request, response);
      await waitUntil(() => unhandled.length > 0, { what: 'the unhandled rejection' });
      expect(unhandled).toEqual([error]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      for (const listener of listeners) process.on('unhandledRejection', listener);
    }
  });
});
