import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { httpMetrics } from '../../src/integrations/node-http.js';
import { Registry } from '../../src/registry/registry.js';

describe('httpMetrics and rejected handlers', () => {
  // Regression: the wrapper used to observe a rejected promise and swallow it, so Node no
  // longer reported a rejection nobody handled.
  it('returns a promise that still rejects with the handler\'s error', async () => {
    const registry = new Registry({ clock: new ManualClock() });
    const error = new Error('handler failed');
    const wrapped = httpMetrics(async () => {
      await Promise.resolve();
      throw error;
    }, { registry });
    const request = new IncomingMessage(new Socket());
    request.method = 'GET';
    request.url = '/x';
    const response = new ServerResponse(request);
    const result = (wrapped as (req: IncomingMessage, res: ServerResponse) => unknown)(request, response) as Promise<unknown>;
    await expect(result).rejects.toBe(error);
  });
});
