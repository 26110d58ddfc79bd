import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { formatPrometheus } from '../../src/formats/prometheus.js';
import { Registry } from '../../src/registry/registry.js';
import { pushBody } from '../../src/reporters/pushgateway-body.js';
import { exchange } from '../../src/transports/http-exchange.js';

/** Series whose text is well over one 64 KiB piece. */
function manySeries(n: number) {
  const registry = new Registry({ maxSeries: 2 * n, maxSeriesPerName: 2 * n });
  for (let i = 0; i < n; i++) registry.timer(`jobs.t${i}`).update(i + 0.5);
  return [...registry.metrics()].map((m) => ({ name: m.name, tags: m.tags, snapshot: m.snapshot() }));
}

describe('pushBody', () => {
  it('keeps a large body in pieces (never joined in one buffer) whose bytes are the Prometheus text', async () => {
    const series = manySeries(2_000);
    const body = await pushBody(series, 'app', false);
    const text = formatPrometheus(series, 'prometheus', { prefix: 'app' });
    expect(text.length).toBeGreaterThan(3 * 64 * 1024);
    expect(body.pieces.length).toBeGreaterThan(2);
    for (const piece of body.pieces) expect(piece.length).toBeLessThan(text.length);
    expect(Buffer.concat(body.pieces).toString('utf8')).toBe(text);
    expect(body.byteLength).toBe(Buffer.byteLength(text));
    expect(body.headers['Content-Length']).toBe(String(Buffer.byteLength(text)));
    expect(body.series).toBe(2_000);
  });

  it('gzips as it writes: the pieces are one gzip stream of the same text', async () => {
    const series = manySeries(2_000);
    const body = await pushBody(series, '', true);
    const text = formatPrometheus(series, 'prometheus');
    expect(body.headers['Content-Encoding']).toBe('gzip');
    expect(body.byteLength).toBe(body.pieces.reduce((n, p) => n + p.length, 0));
    expect(body.headers['Content-Length']).toBe(String(body.byteLength));
    expect(gunzipSync(Buffer.concat(body.pieces)).toString('utf8')).toBe(text);
  });
});

describe('exchange with a body in pieces', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  });

  it('sends every piece in order, past the socket buffer (backpressure), with the total Content-Length', async () => {
    const received: Buffer[] = [];
    let length = '';
    server = createServer((req, res) => {
      length = req.headers['content-length'] ?? '';
      req.on('data', (c: Buffer) => received.push(c));
      req.on('end', () => res.writeHead(200).end());
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/x`);
    // 64 pieces of 128 KiB, each filled with its index: 8 MiB, far more than a socket buffer holds.
    const pieces = Array.from({ length: 64 }, (_, i) => Buffer.alloc(128 * 1024, i));
    const outcome = await exchange({
      url, method: 'PUT', headers: {}, body: pieces, agent: undefined, timeoutMs: 30_000, unref: true, maxBodyBytes: 1024,
      setTimer: (callback, ms) => {
        const t = setTimeout(callback, ms);
        return () => clearTimeout(t);
      },
    });
    expect(outcome.kind).toBe('answer');
    expect(length).toBe(String(64 * 128 * 1024));
    expect(Buffer.concat(received).equals(Buffer.concat(pieces))).toBe(true);
  });
});
