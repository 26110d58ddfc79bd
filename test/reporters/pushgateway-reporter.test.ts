/**
 * PushgatewayReporter against a loopback HTTP server that answers as a Pushgateway would.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { Registry } from '../../src/registry/registry.js';
import type { PushError } from '../../src/reporters/pushgateway-error.js';
import { PushgatewayReporter } from '../../src/reporters/pushgateway-reporter.js';
import type { ReporterError } from '../../src/reporters/scheduled-reporter.js';
import { waitUntil } from '../helpers/wait.js';

type Received = { method: string; url: string; body: string; remotePort: number };
type Answer = (res: ServerResponse) => void;

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function fakeGateway(answer: Answer = (res) => res.writeHead(200).end()): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, body, remotePort: req.socket.remotePort! });
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

describe('PushgatewayReporter', () => {
  it('PUTs the registry on report() and on stop(), over one kept-alive connection', async () => {
    const gw = await fakeGateway();
    const registry = new Registry();
    const rows = registry.counter('rows');
    rows.inc(5);
    const errors: ReporterError[] = [];
    const reporter = new PushgatewayReporter({ registry, url: gw.url, job: 'svc', groupingKey: { instance: 'a b' }, onError: (e) => errors.push(e) });
    expect(reporter.groupUrl).toBe(`${gw.url}/metrics/job/svc/instance@base64/YSBi`);
    await reporter.report();
    rows.inc(2);
    await reporter.stop();
    expect(errors).toEqual([]);
    expect(gw.received.map((r) => [r.method, r.url])).toEqual([
      ['PUT', '/metrics/job/svc/instance@base64/YSBi'],
      ['PUT', '/metrics/job/svc/instance@base64/YSBi'],
    ]);
    expect(gw.received[0]!.body).toContain('rows_total 5\n');
    expect(gw.received[1]!.body).toContain('rows_total 7\n');
    expect(gw.received[1]!.remotePort).toBe(gw.received[0]!.remotePort);
    expect(reporter.stats).toMatchObject({ reports: 2, failures: 0 });
    expect(reporter.stats.bytes).toBe(gw.received[0]!.body.length + gw.received[1]!.body.length);
    expect(reporter.lastResult).toMatchObject({ ok: true, status: 200, attempts: 1 });
    expect(reporter.attempts).toBe(2);
  });

  it('pushes on its interval once started', async () => {
    const gw = await fakeGateway();
    const registry = new Registry();
    registry.gauge('g').set(1);
    const reporter = new PushgatewayReporter({ registry, url: gw.url, job: 'tick', method: 'post' }).start(20);
    await waitUntil(() => gw.received.length >= 2, { what: 'two scheduled pushes' });
    await reporter.stop();
    expect(gw.received.every((r) => r.method === 'POST')).toBe(true);
  });

  it('deletes the group after the final push with deleteOnStop', async () => {
    const gw = await fakeGateway();
    const reporter = new PushgatewayReporter({ registry: new Registry(), url: gw.url, job: 'gone', deleteOnStop: true });
    await reporter.stop();
    expect(gw.received.map((r) => r.method)).toEqual(['PUT', 'DELETE']);
  });

  it('hands a failed push to onError as a ReporterError with the coded PushError as cause, retries counted', async () => {
    const gw = await fakeGateway((res) => res.writeHead(503).end('busy'));
    const errors: ReporterError[] = [];
    const reporter = new PushgatewayReporter({
      registry: new Registry(), url: gw.url, job: 'j', retries: 2, initialBackoffMs: 1, onError: (e) => errors.push(e),
    });
    await reporter.report();
    expect(reporter.stats.failures).toBe(1);
    expect(reporter.attempts).toBe(3);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: ErrorCodes.REPORT_FAILED, kind: 'send', reporter: 'pushgateway' });
    expect(errors[0]!.cause).toMatchObject({ code: ErrorCodes.PUSH_REJECTED, status: 503, attempts: 3, responseText: 'busy' });
    await reporter.stop();
  });

  it('reports a failed delete of deleteOnStop as a close error', async () => {
    let n = 0;
    const gw = await fakeGateway((res) => res.writeHead(n++ === 0 ? 200 : 400).end());
    const errors: ReporterError[] = [];
    const reporter = new PushgatewayReporter({ registry: new Registry(), url: gw.url, job: 'j', deleteOnStop: true, onError: (e) => errors.push(e) });
    await reporter.stop();
    expect(errors.map((e) => [e.kind, (e.cause as PushError).code])).toEqual([['close', ErrorCodes.PUSH_REJECTED]]);
  });

  it('stop() is bounded by stopTimeoutMs when the gateway hangs: the final push is aborted, coded', async () => {
    const gw = await fakeGateway(() => {});
    const errors: ReporterError[] = [];
    const reporter = new PushgatewayReporter({
      registry: new Registry(), url: gw.url, job: 'j', stopTimeoutMs: 100, onError: (e) => errors.push(e),
    });
    const started = performance.now();
    await reporter.stop();
    expect(performance.now() - started).toBeLessThan(1_000);
    await waitUntil(() => errors.some((e) => e.kind === 'send'), { what: 'the aborted push to be reported' });
    expect(errors.map((e) => e.kind)).toEqual(['stop-timeout', 'send']);
    expect((errors[1]!.cause as PushError).code).toBe(ErrorCodes.PUSH_TIMEOUT);
    expect(reporter.attempts).toBe(1);
  });

  it('counts series whose Prometheus names collide as dropped', async () => {
    const gw = await fakeGateway();
    const registry = new Registry();
    registry.counter('a.b_c').inc();
    registry.counter('a_b.c').inc();
    const reporter = new PushgatewayReporter({ registry, url: gw.url, job: 'j' });
    await reporter.report();
    expect(reporter.stats.dropped).toBe(1);
    await reporter.stop();
  });
});
