/**
 * The real Prometheus server scrapes our endpoint on loopback, in OpenMetrics (chosen by
 * its Accept header) and in text format 0.0.4 (forced with ?format=prometheus); what it
 * stored must equal what the registry holds. promtool must accept the text output.
 */
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { Registry } from '../../src/registry/registry.js';
import { metricsHandler } from '../../src/exposition/handler.js';
import { ensurePrometheus, startPrometheus, type PrometheusServer, type PromSample } from '../helpers/prometheus-server.js';
import { waitUntil } from '../helpers/wait.js';

const clock = new ManualClock({ nowMs: Date.now(), monotonicMs: 1_000_000 });
const registry = new Registry({ clock });

function populate(): void {
  registry.counter('http.requests', { tags: { method: 'GET', route: '/users/:id' } }).inc(41);
  registry.counter('http.requests', { tags: { method: 'POST', route: 'quote " and \\ backslash' } }).inc(2);
  registry.counter('jobs.done').inc(7);
  registry.counter('balance').dec(2); // below zero: exposed untyped / unknown
  registry.counter('5xx-responses.total').inc(4); // a leading digit and a dash
  registry.counter('unicode', { tags: { city: 'Zürich ☃' } }).inc(3);
  registry.gauge('process.heap', () => 123456.75);
  registry.gauge('temperature').set(-3.25);
  registry.gauge('broken', () => {
    throw new Error('nope');
  });
  const meter = registry.meter('events', { tags: { kind: 'click' } });
  meter.mark(10);
  const sizes = registry.histogram('payload.bytes', { resolution: 1 });
  for (const v of [100, 200, 300, 400, 5000]) sizes.record(v);
  registry.histogram('idle.sizes');
  const timer = registry.timer('db.query', { tags: { table: 'users' } });
  for (const ms of [1.5, 2.25, 3, 12.5, 250]) timer.update(ms);
  clock.advance(10_000);
  meter.mark(5);
  timer.update(4);
}

/** What Prometheus must hold: `name{labels}` -> value, computed from the registry itself. */
function expected(): Map<string, number> {
  const out = new Map<string, number>();
  const put = (name: string, labels: Record<string, string>, value: number): void => {
    out.set(key(name, labels), value);
  };
  for (const metric of registry.metrics()) {
    const mapped = metric.name.replace(/[.-]/g, '_');
    const base = /^[0-9]/.test(mapped) ? `_${mapped}` : mapped;
    const tags = { ...metric.tags };
    switch (metric.type) {
      case 'counter':
        put(base.endsWith('_total') ? base : `${base}_total`, tags, metric.count);
        break;
      case 'gauge': {
        const value = metric.snapshot().value;
        if (value !== null) put(base, tags, value);
        break;
      }
      case 'meter':
      case 'timer': {
        if (metric.type === 'meter') {
          put(`${base}_total`, tags, metric.count);
          put(`${base}_mean_rate`, tags, metric.meanRate);
          put(`${base}_m1_rate`, tags, metric.m1Rate);
          put(`${base}_m5_rate`, tags, metric.m5Rate);
          put(`${base}_m15_rate`, tags, metric.m15Rate);
          break;
        }
        const s = metric.statistics();
        const n = `${base}_seconds`;
        for (const [q, v] of [['0.5', s.p50], ['0.75', s.p75], ['0.95', s.p95], ['0.98', s.p98], ['0.99', s.p99], ['0.999', s.p999]] as const) {
          put(n, { ...tags, quantile: q }, v! / 1000);
        }
        put(`${n}_sum`, tags, s.sum / 1000);
        put(`${n}_count`, tags, s.count);
        break;
      }
      case 'histogram': {
        const s = metric.statistics();
        if (s.windowCount > 0) {
          for (const [q, v] of [['0.5', s.p50], ['0.75', s.p75], ['0.95', s.p95], ['0.98', s.p98], ['0.99', s.p99], ['0.999', s.p999]] as const) {
            put(base, { ...tags, quantile: q }, v!);
          }
        }
        put(`${base}_sum`, tags, s.sum);
        put(`${base}_count`, tags, s.count);
        break;
      }
    }
  }
  return out;
}

function key(name: string, labels: Record<string, string>): string {
  const pairs = Object.keys(labels)
    .filter((k) => k !== '__name__' && k !== 'job' && k !== 'instance')
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `${name}{${pairs.join(',')}}`;
}

function stored(samples: PromSample[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    const name = s.metric.__name__!;
    if (name === 'up' || name.startsWith('scrape_')) continue;
    out.set(key(name, s.metric), Number(s.value[1]));
  }
  return out;
}

describe('the real Prometheus server scraping metricsHandler', () => {
  let server: Server;
  let prometheus: PrometheusServer;
  let target: string;
  const accepts: string[] = [];

  beforeAll(async () => {
    populate();
    const handler = metricsHandler({ registry, onError: () => {} });
    server = createServer((req, res) => {
      accepts.push(`${req.url} ${req.headers.accept ?? ''}`);
      void handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    prometheus = await startPrometheus([
      { name: 'tm_openmetrics', target },
      { name: 'tm_text', target, params: { format: ['prometheus'] } },
    ]);
  });

  afterAll(async () => {
    await prometheus?.stop();
    await new Promise<void>((resolve) => server?.close(() => { resolve(); }));
  });

  it('stores exactly the values the registry holds, in both formats', async () => {
    await waitUntil(
      async () => {
        const targets = await prometheus.targets();
        const bad = targets.filter((t) => t.health !== 'up');
        // A scrape error becomes the failure message if the targets never come up.
        if (bad.some((t) => t.lastError !== '')) throw new Error(JSON.stringify(bad));
        return targets.length === 2 && bad.length === 0;
      },
      { what: 'both targets up', timeoutMs: 20_000, pollMs: 100 },
    );
    // Prometheus chose OpenMetrics by itself; the text job asked for 0.0.4 by parameter.
    expect(accepts.some((a) => a.startsWith('/metrics ') && a.includes('application/openmetrics-text'))).toBe(true);
    const want = expected();
    expect(want.size).toBeGreaterThan(25);
    for (const job of ['tm_openmetrics', 'tm_text']) {
      const got = stored(await prometheus.query(`{job="${job}"}`));
      expect(Object.fromEntries(got), job).toEqual(Object.fromEntries(want));
    }
    // The failed gauge and the empty window's quantiles are absent, not 0.
    expect(await prometheus.query('broken')).toEqual([]);
    expect(await prometheus.query('idle_sizes{quantile="0.5"}')).toEqual([]);
    // Types reached Prometheus: the metadata API knows the counter and the summary.
    const metadata = (await (await fetch(`${prometheus.url}/api/v1/metadata`)).json()) as {
      data: Record<string, { type: string }[]>;
    };
    expect(metadata.data.db_query_seconds?.[0]?.type).toBe('summary');
    expect(metadata.data.payload_bytes?.[0]?.type).toBe('summary');
    expect(['counter']).toContain(metadata.data.jobs_done_total?.[0]?.type ?? metadata.data.jobs_done?.[0]?.type);
  });

  it('promtool check metrics accepts the text output without a lint warning', async () => {
    const { promtool } = ensurePrometheus();
    const response = await fetch(`http://${target}/metrics`, { headers: { accept: 'text/plain;version=0.0.4' } });
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    const result = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 10_000 });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
