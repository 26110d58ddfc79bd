import { connect } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { ErrorCodes } from '../../src/errors.js';
import type { EndpointError } from '../../src/exposition/endpoint-error.js';
import { serveMetrics, type MetricsServer, type ServeMetricsOptions } from '../../src/exposition/server.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import { Registry } from '../../src/registry/registry.js';
import { call } from './http-client.js';

const registry = new Registry({ clock: new ManualClock({ nowMs: 1_700_000_000_000, monotonicMs: 50_000 }) });
registry.counter('db.calls').inc(2);

describe('serveMetrics', () => {
  it('binds 127.0.0.1 by default, serves only its path, and stops', async () => {
    const metrics = await serveMetrics({ registry, port: 0 });
    try {
      expect(metrics.host).toBe('127.0.0.1');
      expect(metrics.url).toBe(`http://127.0.0.1:${metrics.port}/metrics`);
      expect((await call(metrics.url)).status).toBe(200);
      expect((await call(`${metrics.url}?format=prometheus`)).body).toContain('db_calls_total 2');
      const other = await call(`http://127.0.0.1:${metrics.port}/other`);
      expect(other.status).toBe(404);
      expect(other.body).toMatch(/metrics are at \/metrics/);
    } finally {
      const first = metrics.stop();
      expect(metrics.stop()).toBe(first);
      await first;
    }
    expect(metrics.server.listening).toBe(false);
    expect('close' in metrics).toBe(false); // one lifecycle vocabulary: stop()
  });

  it('serves a custom path, and stops at the end of an await using block', async () => {
    let server: MetricsServer;
    {
      await using metrics = await serveMetrics({ registry, port: 0, path: '/internal/stats' });
      server = metrics;
      expect((await call(`http://127.0.0.1:${metrics.port}/internal/stats?filter=db.`)).status).toBe(200);
      expect((await call(`http://127.0.0.1:${metrics.port}/metrics`)).status).toBe(404);
    }
    expect(server.server.listening).toBe(false);
  });

  it('serves the default registry without a registry option', async () => {
    defaultRegistry.counter('tapemeasure_test.default_served').inc(5);
    try {
      await using metrics = await serveMetrics({ port: 0 });
      const reply = await call(`${metrics.url}?filter=tapemeasure_test.`);
      expect(JSON.parse(reply.body)).toEqual({ tapemeasure_test: { default_served: { type: 'counter', count: 5 } } });
    } finally {
      defaultRegistry.remove('tapemeasure_test.default_served');
    }
  });

  it('rejects with EADDRINUSE when the port is taken', async () => {
    await using first = await serveMetrics({ registry, port: 0 });
    await expect(serveMetrics({ registry, port: first.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it("hands the server's own errors to onError, coded", async () => {
    const errors: EndpointError[] = [];
    await using metrics = await serveMetrics({ registry, port: 0, onError: (e) => errors.push(e) });
    metrics.server.emit('error', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' }));
    expect(errors.map((e) => [e.code, e.kind])).toEqual([[ErrorCodes.ENDPOINT_FAILED, 'server']]);
  });

  it('warns about them by default, never crashes', async () => {
    const emit = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      await using metrics = await serveMetrics({ registry, port: 0 });
      metrics.server.emit('error', new Error('accept EMFILE'));
      expect(emit.mock.calls[0]![1]).toMatchObject({ type: 'TapemeasureWarning', code: ErrorCodes.ENDPOINT_FAILED });
    } finally {
      emit.mockRestore();
    }
  });

  it('drops a client that never finishes its headers (slowloris)', async () => {
    await using metrics = await serveMetrics({ registry, port: 0, headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const socket = connect(metrics.port, '127.0.0.1');
    socket.on('error', () => {});
    const startedMs = performance.now();
    await new Promise<void>((resolve) => socket.once('connect', () => { resolve(); }));
    socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
    const received: Buffer[] = [];
    socket.on('data', (d: Buffer) => received.push(d));
    await new Promise<void>((resolve) => socket.once('close', () => { resolve(); }));
    expect(performance.now() - startedMs).toBeLessThan(5_000);
    expect(Buffer.concat(received).toString()).toMatch(/^HTTP\/1\.1 408/);
  });
});

describe('serveMetrics options', () => {
  const make = (options: unknown): Promise<MetricsServer> => serveMetrics(options as ServeMetricsOptions);

  it.each([
    ['registry', {}],
    ['port', 70_000],
    ['port', -1],
    ['port', 1.5],
    ['port', '9464'],
    ['host', ''],
    ['host', 127],
    ['path', 'metrics'],
    ['path', 1],
    ['headersTimeoutMs', 0],
    ['requestTimeoutMs', 2 ** 31],
    ['keepAliveTimeoutMs', 'long'],
    ['unref', 1],
    ['filter', 3],
    ['defaultFormat', 'xml'],
    ['prefix', '9bad'],
    ['compress', 'no'],
    ['onError', {}],
  ] as const)('rejects %s: %o with INVALID_OPTION', async (key, value) => {
    await expect(make({ port: 0, [key]: value })).rejects.toMatchObject({ code: ErrorCodes.INVALID_OPTION });
  });

  it.each([
    ['prot', 'port'],
    ['hots', 'host'],
    ['fliter', 'filter'],
    ['registy', 'registry'],
    ['headersTimeout', 'headersTimeoutMs'],
  ])('rejects the typo %s, suggesting %s', async (typo, suggestion) => {
    await expect(make({ [typo]: 1 })).rejects.toMatchObject({ code: ErrorCodes.UNKNOWN_OPTION, suggestion });
  });

  it('rejects a registry passed in place of the options', async () => {
    await expect(make(registry)).rejects.toMatchObject({ code: ErrorCodes.INVALID_OPTION });
  });
});
