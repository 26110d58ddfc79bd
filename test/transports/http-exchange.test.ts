import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { HttpTransport } from '../../src/transports/http.js';
import { exchange, type HttpExchangeRequest } from '../../src/transports/http-exchange.js';
import type { HttpTransportError } from '../../src/transports/http-retry.js';
import { waitUntil } from '../helpers/wait.js';

const servers: { close(): void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A loopback server answering every request with `handler`. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<URL> {
  const server = createServer(handler);
  server.on('connection', (socket) => socket.unref());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const { port } = server.address() as { port: number };
  return new URL(`http://127.0.0.1:${port}/v1/metrics`);
}

/** Timers that never fire by themselves: a test that ends before its deadline proves no timeout was needed. */
function neverFires(): { setTimer: HttpExchangeRequest['setTimer']; armed: () => number } {
  let armed = 0;
  return {
    setTimer: () => {
      armed++;
      return () => {
        armed--;
      };
    },
    armed: () => armed,
  };
}

function request(url: URL, overrides: Partial<HttpExchangeRequest> = {}): HttpExchangeRequest {
  return {
    url, method: 'POST', headers: { 'content-type': 'text/plain' }, body: Buffer.from('hello'), agent: undefined,
    timeoutMs: 60_000, unref: true, maxBodyBytes: 4, setTimer: neverFires().setTimer, ...overrides,
  };
}

describe('exchange', () => {
  it('sends the body with its length and keeps the start of the answer', async () => {
    let got = '';
    const url = await serve((req, res) => {
      req.setEncoding('utf8');
      req.on('data', (d: string) => (got += d));
      req.on('end', () => res.writeHead(202, { 'x-a': '1' }).end('accepted, thanks'));
    });
    const outcome = await exchange(request(url));
    expect(got).toBe('hello');
    expect(outcome).toMatchObject({ kind: 'answer', ok: true, status: 202 });
    if (outcome.kind === 'answer') {
      expect(outcome.body.toString()).toBe('acce');
      expect(outcome.headers['x-a']).toBe('1');
    }
  });

  it('reports a non-2xx answer as an answer, not as a failure of the connection', async () => {
    const url = await serve((_req, res) => res.writeHead(503).end('later'));
    expect(await exchange(request(url))).toMatchObject({ kind: 'answer', ok: false, status: 503 });
  });

  it('reports an answer that breaks off at once, without waiting for the deadline', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('partial', () => res.socket?.destroy());
    });
    const timers = neverFires();
    const outcome = await exchange(request(url, { setTimer: timers.setTimer }));
    expect(outcome).toMatchObject({ kind: 'connection', ok: false, status: 200 });
    expect(timers.armed()).toBe(0);
  });

  it('ends with a timeout when its timer fires, and with an abort on the signal', async () => {
    const url = await serve(() => {
      // never answers
    });
    let fire: () => void = () => {};
    const timedOut = exchange(request(url, { setTimer: (callback) => ((fire = callback), () => {}) }));
    await waitUntil(() => servers.length > 0);
    fire();
    expect(await timedOut).toMatchObject({ kind: 'timeout', ok: false });
    const controller = new AbortController();
    const aborted = exchange(request(url, { signal: controller.signal }));
    controller.abort('stop');
    expect(await aborted).toMatchObject({ kind: 'aborted', ok: false });
  });

  it('reports a refused connection', async () => {
    const url = await serve(() => {});
    servers.pop()!.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(await exchange(request(url))).toMatchObject({ kind: 'connection', ok: false });
  });
});

describe('HttpTransport over the exchange', () => {
  it('counts an answer that broke off as a connection failure and retries it', async () => {
    let calls = 0;
    const url = await serve((req, res) => {
      req.resume();
      req.on('end', () => {
        calls++;
        if (calls === 1) {
          res.writeHead(200, { 'content-length': '1000' });
          res.write('partial', () => res.socket?.destroy());
        } else res.writeHead(200).end();
      });
    });
    const errors: HttpTransportError[] = [];
    const transport = new HttpTransport({
      url: url.href, onError: (e) => void errors.push(e),
      retry: { maxAttempts: 2, initialBackoffMs: 0, maxBackoffMs: 0 },
    });
    transport.send('x');
    await waitUntil(() => transport.stats.sentLines === 1);
    expect(errors.map((e) => e.code)).toEqual([ErrorCodes.CONNECTION_FAILED]);
    expect(calls).toBe(2);
    await transport.stop();
  });
});
