/**
 * The real Prometheus Pushgateway (Debian prometheus-pushgateway) on loopback: what we
 * push is what it holds; grouping keys with hostile characters reach it exactly; PUT
 * replaces a group, POST merges by metric name, DELETE removes it; the real Prometheus,
 * scraping the gateway with honor_labels, returns the pushed values. A gateway that is
 * down costs bounded, counted retries and a coded result, never a throw or a hang.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { Registry } from '../../src/registry/registry.js';
import { ManualClock } from '../../src/clock.js';
import type { PushError } from '../../src/reporters/pushgateway-error.js';
import { deleteMetrics, pushMetrics } from '../../src/reporters/pushgateway-push.js';
import { PushgatewayReporter } from '../../src/reporters/pushgateway-reporter.js';
import type { ReporterError } from '../../src/reporters/scheduled-reporter.js';
import { freePort } from '../helpers/net.js';
import type { PrometheusServer } from '../helpers/prometheus-server.js';
import { startGatewayScraper, startPushgateway, type PushgatewayServer } from '../helpers/pushgateway-server.js';
import { waitUntil } from '../helpers/wait.js';

let gateway: PushgatewayServer;

beforeAll(async () => {
  gateway = await startPushgateway();
});

afterAll(async () => {
  await gateway?.stop();
});

const quiet = { onError: () => {} };

describe('pushMetrics to the real Pushgateway', () => {
  it('stores every pushed series with its labels and value', async () => {
    const clock = new ManualClock({ nowMs: Date.now(), monotonicMs: 1_000_000 });
    const registry = new Registry({ clock });
    registry.counter('jobs.done').inc(7);
    registry.counter('http.requests', { tags: { method: 'GET', route: '/users/:id' } }).inc(41);
    registry.gauge('queue.depth').set(-3.25);
    registry.gauge('heap', () => 1234.5);
    registry.meter('rows').mark(12);
    const timer = registry.timer('db.query', { tags: { table: 'users' } });
    for (const ms of [1.5, 2.25, 3, 12.5, 250]) timer.update(ms);
    registry.histogram('idle.sizes'); // an empty window: a summary with no quantiles
    registry.counter('balance').dec(2); // below zero: untyped

    const result = await pushMetrics({ url: gateway.url, job: 'push-all', registry, ...quiet });
    expect(result).toMatchObject({ ok: true, status: 200, attempts: 1, series: 8, dropped: 0, error: null });
    expect(result.bytes).toBeGreaterThan(0);

    const group = await gateway.group({ job: 'push-all' });
    expect(group?.lastPushSuccessful).toBe(true);
    const f = group!.families;
    expect(f['jobs_done_total']).toMatchObject({ type: 'COUNTER', metrics: [{ labels: { job: 'push-all' }, value: '7' }] });
    expect(f['http_requests_total']!.metrics[0]).toMatchObject({
      labels: { job: 'push-all', method: 'GET', route: '/users/:id' },
      value: '41',
    });
    expect(f['queue_depth']).toMatchObject({ type: 'GAUGE', metrics: [{ value: '-3.25' }] });
    expect(f['heap']!.metrics[0]!.value).toBe('1234.5');
    expect(f['rows_total']!.metrics[0]!.value).toBe('12');
    const query = f['db_query_seconds']!;
    expect(query.type).toBe('SUMMARY');
    expect(query.metrics[0]).toMatchObject({ labels: { job: 'push-all', table: 'users' }, count: '5' });
    expect(Number(query.metrics[0]!.sum)).toBeCloseTo(0.26925, 9);
    expect(Number(query.metrics[0]!.quantiles!['0.99'])).toBeCloseTo(timer.statistics().p99! / 1000, 9);
    expect(f['idle_sizes']).toMatchObject({ type: 'SUMMARY', metrics: [{ count: '0', sum: '0', quantiles: {} }] });
    expect(f['balance_total']).toMatchObject({ type: 'UNTYPED', metrics: [{ value: '-2' }] });
  });

  it('round-trips grouping keys with hostile characters exactly', async () => {
    const registry = new Registry();
    registry.counter('hostile.pushes').inc();
    const values = ['/var/tmp', 'a b', 'Zürich ☃', '', '.', '..', '%2F', 'x@base64', '=', 'a/b/c/', 'Προμηθεύς', '🎉', 'quote " back \\', 'line\nfeed', 'plain-1.2_~'];
    const keys = values.map((value, i) => ({ job: i % 2 === 0 ? `hostile/${value}` : 'hostile', groupingKey: { value, n: String(i) } }));
    for (const { job, groupingKey } of keys) {
      const result = await pushMetrics({ url: gateway.url, job, groupingKey, registry, ...quiet });
      expect(result.error).toBeNull();
    }
    const groups = await gateway.groups();
    for (const { job, groupingKey } of keys) {
      const found = groups.find((g) => g.labels['n'] === groupingKey.n && g.labels['job'] === job);
      expect(found, JSON.stringify({ job, groupingKey })).toBeDefined();
      expect(found!.labels).toEqual({ job, ...groupingKey });
      expect(found!.families['hostile_pushes_total']!.metrics[0]!.value).toBe('1');
    }
  });

  it('PUT replaces the group, POST replaces only the names pushed', async () => {
    const url = gateway.url;
    const first = new Registry();
    first.counter('a').inc(1);
    first.counter('b').inc(2);
    expect((await pushMetrics({ url, job: 'methods', registry: first, ...quiet })).ok).toBe(true);

    const put = new Registry();
    put.counter('a').inc(10);
    expect((await pushMetrics({ url, job: 'methods', registry: put, method: 'put', ...quiet })).ok).toBe(true);
    let families = (await gateway.group({ job: 'methods' }))!.families;
    expect(families['a_total']!.metrics[0]!.value).toBe('10');
    expect(families['b_total']).toBeUndefined();

    const post = new Registry();
    post.counter('c').inc(3);
    post.counter('a').inc(11);
    expect((await pushMetrics({ url, job: 'methods', registry: first, method: 'put', ...quiet })).ok).toBe(true);
    expect((await pushMetrics({ url, job: 'methods', registry: post, method: 'post', ...quiet })).ok).toBe(true);
    families = (await gateway.group({ job: 'methods' }))!.families;
    expect(families['a_total']!.metrics[0]!.value).toBe('11');
    expect(families['b_total']!.metrics[0]!.value).toBe('2');
    expect(families['c_total']!.metrics[0]!.value).toBe('3');
  });

  it('DELETE removes exactly the group', async () => {
    const registry = new Registry();
    registry.gauge('left').set(1);
    const url = gateway.url;
    await pushMetrics({ url, job: 'deleted', groupingKey: { path: '/tmp/x' }, registry, ...quiet });
    await pushMetrics({ url, job: 'deleted', groupingKey: { path: '/tmp/y' }, registry, ...quiet });
    const result = await deleteMetrics({ url, job: 'deleted', groupingKey: { path: '/tmp/x' }, ...quiet });
    expect(result).toMatchObject({ ok: true, attempts: 1, bytes: 0, error: null });
    // A DELETE is applied from the gateway's write queue (202 Accepted): wait for it.
    await waitUntil(async () => (await gateway.group({ job: 'deleted', path: '/tmp/x' })) === undefined, {
      what: 'the Pushgateway to apply the DELETE',
    });
    expect(await gateway.group({ job: 'deleted', path: '/tmp/y' })).toBeDefined();
    // Deleting what is not there succeeds too.
    expect((await deleteMetrics({ url, job: 'never-pushed', ...quiet })).ok).toBe(true);
  });

  it('a push the gateway finds inconsistent is rejected once, coded, not retried', async () => {
    const counter = new Registry();
    counter.counter('shape').inc();
    expect((await pushMetrics({ url: gateway.url, job: 'shape-1', registry: counter, ...quiet })).ok).toBe(true);
    const gauge = new Registry();
    gauge.gauge('shape_total').set(1); // the same Prometheus name, another type
    const errors: PushError[] = [];
    const result = await pushMetrics({ url: gateway.url, job: 'shape-2', registry: gauge, onError: (e) => errors.push(e) });
    expect(result.ok).toBe(false);
    expect(result.status).toBe(400);
    expect(result.attempts).toBe(1);
    expect(result.error?.code).toBe(ErrorCodes.PUSH_REJECTED);
    expect(result.error?.responseText).toMatch(/inconsistent/);
    expect(errors.map((e) => e.code)).toEqual([ErrorCodes.PUSH_REJECTED]);
  });
});

describe('PushgatewayReporter and the real Pushgateway', () => {
  it('pushes on report() and a final time on stop(), then deletes with deleteOnStop', async () => {
    const registry = new Registry();
    const done = registry.counter('work.done');
    done.inc(2);
    const errors: ReporterError[] = [];
    const reporter = new PushgatewayReporter({
      registry,
      url: gateway.url,
      job: 'service',
      groupingKey: { instance: 'worker/1' },
      deleteOnStop: true,
      onError: (e) => errors.push(e),
    });
    await reporter.report();
    expect((await gateway.group({ job: 'service', instance: 'worker/1' }))!.families['work_done_total']!.metrics[0]!.value).toBe('2');
    done.inc(3);
    await reporter.report();
    expect((await gateway.group({ job: 'service', instance: 'worker/1' }))!.families['work_done_total']!.metrics[0]!.value).toBe('5');
    await reporter.stop();
    expect(errors).toEqual([]);
    expect(reporter.stats.reports).toBe(3);
    // The gateway answers a DELETE with 202 Accepted and applies it from its write queue:
    // wait for that event of the real peer rather than read at once.
    await waitUntil(async () => (await gateway.group({ job: 'service', instance: 'worker/1' })) === undefined, {
      what: 'the Pushgateway to apply the DELETE',
    });
  });

  it('keeps the group after stop() without deleteOnStop, holding the final push', async () => {
    const registry = new Registry();
    const done = registry.counter('batch.rows');
    const reporter = new PushgatewayReporter({ registry, url: gateway.url, job: 'kept', onError: () => {} }).start(60_000);
    done.inc(99);
    await reporter.stop();
    expect((await gateway.group({ job: 'kept' }))!.families['batch_rows_total']!.metrics[0]!.value).toBe('99');
  });
});

describe('a gateway that is down', () => {
  it('pushMetrics: bounded retries, counted, a coded result, no throw', async () => {
    const port = await freePort();
    const registry = new Registry();
    registry.counter('x').inc();
    const errors: PushError[] = [];
    const result = await pushMetrics({
      url: `http://127.0.0.1:${port}`,
      job: 'down',
      registry,
      retries: 3,
      initialBackoffMs: 1,
      maxBackoffMs: 4,
      onError: (e) => errors.push(e),
    });
    expect(result).toMatchObject({ ok: false, status: null, attempts: 4 });
    expect(result.error?.code).toBe(ErrorCodes.CONNECTION_FAILED);
    expect(result.error?.attempts).toBe(4);
    expect(errors).toHaveLength(1);
  });

  it('PushgatewayReporter: stop() resolves, the coded cause reaches onError', async () => {
    const port = await freePort();
    const errors: ReporterError[] = [];
    const reporter = new PushgatewayReporter({
      registry: new Registry(),
      url: `http://127.0.0.1:${port}`,
      job: 'down',
      retries: 2,
      initialBackoffMs: 1,
      onError: (e) => errors.push(e),
    });
    await reporter.stop();
    expect(reporter.attempts).toBe(3);
    expect(reporter.stats.failures).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe(ErrorCodes.REPORT_FAILED);
    expect((errors[0]!.cause as PushError).code).toBe(ErrorCodes.CONNECTION_FAILED);
  });
});

describe('Prometheus scraping the Pushgateway', () => {
  let prometheus: PrometheusServer;

  beforeAll(async () => {
    prometheus = await startGatewayScraper(gateway.target);
  });

  afterAll(async () => {
    await prometheus?.stop();
  });

  it('returns the pushed values with the pushed job and grouping labels', async () => {
    const registry = new Registry();
    registry.counter('nightly.rows').inc(4242);
    registry.gauge('nightly.last_success').set(1_700_000_000);
    const result = await pushMetrics({
      url: gateway.url,
      job: 'nightly',
      groupingKey: { instance: 'db/primary', shard: 'é 1' },
      registry,
      prefix: 'batch',
      ...quiet,
    });
    expect(result.ok).toBe(true);
    const samples = await waitUntil(
      async () => {
        const found = await prometheus.query('batch_nightly_rows_total{job="nightly"}');
        return found.length > 0 ? found : undefined;
      },
      { what: 'Prometheus to scrape the pushed counter', timeoutMs: 20_000, pollMs: 200 },
    );
    expect(samples).toHaveLength(1);
    expect(samples[0]!.metric).toMatchObject({ job: 'nightly', instance: 'db/primary', shard: 'é 1' });
    expect(samples[0]!.value[1]).toBe('4242');
    const gauge = await prometheus.query('batch_nightly_last_success{instance="db/primary"}');
    expect(gauge[0]!.value[1]).toBe('1700000000');
  });
});
