/**
 * pushMetrics and deleteMetrics against small loopback HTTP servers that answer as a
 * Pushgateway would, or fail as one can (errors, a hang, a broken answer).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { PROMETHEUS_CONTENT_TYPE } from '../../src/formats/prometheus.js';
import { Registry } from '../../src/registry/registry.js';
import type { PushError } from '../../src/reporters/pushgateway-error.js';
import { deleteMetrics, pushMetrics } from '../../src/reporters/pushgateway-push.js';

type Received = { method: string; url: string; headers: IncomingMessage['headers']; body: Buffer };
type Answer = (req: IncomingMessage, res: ServerResponse) => void;

/** A loopback server that records each request and answers with the next of `answers` (the last repeats). */
async function fakeGateway(...answers: Answer[]): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(parts) });
      answers[Math.min(received.length, answers.length) - 1]!(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
}

const status = (code: number, text = ''): Answer => (_req, res) => {
  res.writeHead(code, { 'Content-Type': 'text/plain' });
  res.end(text);
};
const hang: Answer = () => {};

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  vi.restoreAllMocks();
});

function registryWithData(): Registry {
  const registry = new Registry();
  registry.counter('jobs.done').inc(3);
  registry.gauge('batch.size').set(12);
  return registry;
}

const fast = { initialBackoffMs: 1, maxBackoffMs: 2, onError: () => {} };

describe('pushMetrics', () => {
  it('PUTs Prometheus text 0.0.4 to /metrics/job/<job>{/<label>/<value>}', async () => {
    const gw = await fakeGateway(status(200));
    const result = await pushMetrics({ url: gw.url, job: 'nightly', groupingKey: { instance: 'db/1' }, registry: registryWithData(), ...fast });
    expect(result).toMatchObject({ ok: true, status: 200, attempts: 1, series: 2, dropped: 0, error: null });
    const [request] = gw.received;
    expect(request!.method).toBe('PUT');
    expect(request!.url).toBe('/metrics/job/nightly/instance@base64/ZGIvMQ');
    expect(request!.headers['content-type']).toBe(PROMETHEUS_CONTENT_TYPE);
    const text = request!.body.toString('utf8');
    expect(text).toContain('# TYPE jobs_done_total counter\njobs_done_total 3\n');
    expect(text).toContain('batch_size 12\n');
    expect(text).not.toContain('# EOF');
    expect(result.bytes).toBe(request!.body.length);
  });

  it('POSTs with method post, keeps a route prefix, adds a name prefix, filters', async () => {
    const gw = await fakeGateway(status(202));
    const result = await pushMetrics({
      url: `${gw.url}/gateway/`,
      job: 'j',
      method: 'post',
      prefix: 'batch',
      filter: 'jobs.',
      registry: registryWithData(),
      ...fast,
    });
    expect(result).toMatchObject({ ok: true, status: 202, series: 1 });
    expect(gw.received[0]!.method).toBe('POST');
    expect(gw.received[0]!.url).toBe('/gateway/metrics/job/j');
    expect(gw.received[0]!.body.toString()).toMatch(/^# HELP batch_jobs_done_total[^]*batch_jobs_done_total 3\n$/);
  });

  it('sends user headers and basic auth from the URL, and never shows the credentials', async () => {
    const gw = await fakeGateway(status(401, 'Unauthorized'));
    const url = gw.url.replace('http://', 'http://ci%20user:s%3Acret@');
    const result = await pushMetrics({ url, job: 'j', headers: { 'X-Scope-OrgID': 'team-a' }, registry: new Registry(), ...fast });
    const headers = gw.received[0]!.headers;
    expect(headers['x-scope-orgid']).toBe('team-a');
    expect(headers.authorization).toBe(`Basic ${Buffer.from('ci user:s:cret').toString('base64')}`);
    expect(result).toMatchObject({ ok: false, status: 401, attempts: 1 });
    expect(result.error!.code).toBe(ErrorCodes.PUSH_REJECTED);
    expect(result.error!.url).toBe(`${gw.url}/metrics/job/j`);
    expect(result.error!.message).not.toContain('cret');
  });

  it('gzips the body with compress', async () => {
    const gw = await fakeGateway(status(200));
    await pushMetrics({ url: gw.url, job: 'j', compress: true, registry: registryWithData(), ...fast });
    const request = gw.received[0]!;
    expect(request.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(request.body).toString()).toContain('jobs_done_total 3\n');
  });

  it('retries 5xx, 429 and 408 answers, and succeeds when the gateway does', async () => {
    const gw = await fakeGateway(status(503), status(429), status(408), status(200));
    const result = await pushMetrics({ url: gw.url, job: 'j', registry: registryWithData(), ...fast });
    expect(result).toMatchObject({ ok: true, status: 200, attempts: 4 });
    expect(gw.received.map((r) => r.body.toString())).toEqual(Array(4).fill(gw.received[0]!.body.toString()));
  });

  it('does not retry another 4xx, and keeps the start of the answer', async () => {
    const gw = await fakeGateway(status(400, `pushed metrics are invalid or inconsistent with existing metrics: ${'x'.repeat(5_000)}`));
    const errors: PushError[] = [];
    const result = await pushMetrics({ url: gw.url, job: 'j', registry: registryWithData(), ...fast, onError: (e) => errors.push(e) });
    expect(result).toMatchObject({ ok: false, status: 400, attempts: 1 });
    expect(result.error!.responseText.startsWith('pushed metrics are invalid')).toBe(true);
    expect(result.error!.responseText.length).toBeLessThanOrEqual(1_024);
    expect(errors).toEqual([result.error]);
  });

  it('times out a gateway that never answers: bounded attempts and time, a coded result', async () => {
    const gw = await fakeGateway(hang);
    const started = performance.now();
    const result = await pushMetrics({ url: gw.url, job: 'j', registry: new Registry(), timeoutMs: 50, retries: 2, ...fast });
    expect(result).toMatchObject({ ok: false, status: null, attempts: 3 });
    expect(result.error!.code).toBe(ErrorCodes.PUSH_TIMEOUT);
    expect(gw.received).toHaveLength(3);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('stops retrying at totalTimeoutMs', async () => {
    const gw = await fakeGateway(hang);
    const result = await pushMetrics({
      url: gw.url, job: 'j', registry: new Registry(), timeoutMs: 40, retries: 100, totalTimeoutMs: 150, ...fast,
    });
    expect(result.ok).toBe(false);
    expect(result.attempts).toBeLessThanOrEqual(4);
    expect(result.durationMs).toBeLessThan(150 + 500); // the deadline, plus timer lateness on a loaded machine
  });

  it('codes an answer that breaks off as CONNECTION_FAILED, and retries it', async () => {
    const broken: Answer = (_req, res) => {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('partial');
      res.socket?.destroy();
    };
    const gw = await fakeGateway(broken);
    const result = await pushMetrics({ url: gw.url, job: 'j', registry: new Registry(), retries: 1, ...fast });
    expect(result).toMatchObject({ ok: false, attempts: 2 });
    expect(result.error!.code).toBe(ErrorCodes.CONNECTION_FAILED);
  });

  it('codes a host name that does not resolve as LOOKUP_FAILED', async () => {
    const result = await pushMetrics({ url: 'http://gateway.invalid:9091', job: 'j', registry: new Registry(), retries: 0, ...fast });
    expect(result.ok).toBe(false);
    expect(result.error!.code).toBe(ErrorCodes.LOOKUP_FAILED);
  });

  it('warns with the code by default when no onError is given', async () => {
    const gw = await fakeGateway(status(400));
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const result = await pushMetrics({ url: gw.url, job: 'warned', registry: new Registry(), retries: 0 });
    expect(result.ok).toBe(false);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('400'), expect.objectContaining({ type: 'TapemeasureWarning', code: ErrorCodes.PUSH_REJECTED }));
  });

  it('never rejects, even when onError throws', async () => {
    const gw = await fakeGateway(status(500));
    const result = await pushMetrics({ url: gw.url, job: 'j', registry: new Registry(), retries: 0, onError: () => { throw new Error('bad handler'); } });
    expect(result.ok).toBe(false);
  });

  it('counts series whose Prometheus names collide as dropped', async () => {
    const gw = await fakeGateway(status(200));
    const registry = new Registry();
    registry.counter('a.b_c').inc();
    registry.counter('a_b.c').inc();
    const result = await pushMetrics({ url: gw.url, job: 'j', registry, ...fast });
    expect(result).toMatchObject({ ok: true, series: 1, dropped: 1 });
  });
});

describe('deleteMetrics', () => {
  it('DELETEs the group, with no body', async () => {
    const gw = await fakeGateway(status(202));
    const result = await deleteMetrics({ url: gw.url, job: 'j', groupingKey: { empty: '' }, ...fast });
    expect(result).toMatchObject({ ok: true, status: 202, attempts: 1, bytes: 0, series: 0 });
    expect(gw.received[0]).toMatchObject({ method: 'DELETE', url: '/metrics/job/j/empty@base64/=' });
    expect(gw.received[0]!.body.length).toBe(0);
  });

  it('retries and codes failures like pushMetrics', async () => {
    const gw = await fakeGateway(status(502), status(502), status(202));
    expect(await deleteMetrics({ url: gw.url, job: 'j', ...fast })).toMatchObject({ ok: true, attempts: 3 });
  });
});
