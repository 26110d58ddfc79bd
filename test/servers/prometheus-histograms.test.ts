/**
 * The real Prometheus scrapes histograms and timers with lifetime buckets:
 * - classic: two registries on two ports (two "instances" of a service) with known
 *   values; `histogram_quantile(0.99, sum by (le) (rate(x_bucket[1m])))` is the p99 of the
 *   combined values within the bucket resolution: aggregation across instances, which a
 *   summary cannot do;
 * - native: Prometheus started with `--enable-feature=native-histograms` asks for the
 *   protobuf format; `histogram_quantile(0.99, rate(x[1m]))` over the native histogram is
 *   the true p99 within the schema's error.
 * Instant queries take an explicit `time` (the moment the last sample was seen), so no
 * test waits for time to pass; scrapes are awaited with waitUntil. promtool checks every
 * text output.
 */
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsHandler } from '../../src/exposition/handler.js';
import { Registry } from '../../src/registry/registry.js';
import { ensurePrometheus, startPrometheus, type PrometheusServer } from '../helpers/prometheus-server.js';
import { waitUntil } from '../helpers/wait.js';

type Served = { server: Server; target: string; accepts: string[] };

async function serve(registry: Registry): Promise<Served> {
  const handler = metricsHandler({ registry, onError: () => {} });
  const accepts: string[] = [];
  const server = createServer((req, res) => {
    accepts.push(req.headers.accept ?? '');
    void handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, target: `127.0.0.1:${(server.address() as AddressInfo).port}`, accepts };
}

const close = (s: Served | undefined): Promise<void> =>
  new Promise<void>((resolve) => {
    if (s === undefined) resolve();
    else s.server.close(() => { resolve(); });
  });

/** The exact q-quantile of `values` as Prometheus defines a rank: the value at rank ceil(q·n). */
function exactQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

/** One scalar of an instant query at `time`, or undefined when the result is empty. */
async function scalar(prometheus: PrometheusServer, expr: string, time?: number): Promise<number | undefined> {
  const result = await prometheus.query(expr, time);
  return result.length === 0 ? undefined : Number(result[0]!.value[1]);
}

function promtoolCheck(text: string): string {
  const { promtool } = ensurePrometheus();
  const result = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 10_000 });
  return `${result.status} ${result.stdout}${result.stderr}`;
}

// Classic bounds every 5 ms to 500 ms (in ms: the timer's unit; written in seconds).
const BOUNDS_MS = Array.from({ length: 100 }, (_v, i) => (i + 1) * 5);

describe('classic histograms, two instances, the real Prometheus', () => {
  const a = new Registry();
  const b = new Registry();
  let sa: Served | undefined;
  let sb: Served | undefined;
  let prometheus: PrometheusServer | undefined;

  beforeAll(async () => {
    a.timer('api.latency', { buckets: BOUNDS_MS });
    b.timer('api.latency', { buckets: BOUNDS_MS });
    sa = await serve(a);
    sb = await serve(b);
    prometheus = await startPrometheus([
      { name: 'api', target: sa.target },
      { name: 'api2', target: sb.target },
    ]);
  });

  afterAll(async () => {
    await prometheus?.stop();
    await close(sa);
    await close(sb);
  });

  it('histogram_quantile over sum by (le) of both instances is the p99 of the combined values', async () => {
    const p = prometheus!;
    // Both instances scraped once with empty histograms: the starting point of rate().
    await waitUntil(async () => (await p.query('api_latency_seconds_count')).length === 2, {
      what: 'a first scrape of both instances', timeoutMs: 30_000, pollMs: 100,
    });
    const va = Array.from({ length: 1000 }, (_v, i) => (i + 1) * 0.25); // 0.25 .. 250 ms
    const vb = Array.from({ length: 500 }, (_v, i) => 100 + (i + 1) * 0.5); // 100.5 .. 350 ms
    for (const v of va) a.timer('api.latency').update(v);
    for (const v of vb) b.timer('api.latency').update(v);
    const seenAt = await waitUntil(
      async () => ((await scalar(p, 'sum(api_latency_seconds_count)')) === 1500 ? Date.now() / 1000 : undefined),
      { what: 'both instances scraped with every value', timeoutMs: 30_000, pollMs: 100 },
    );
    const expr = 'histogram_quantile(0.99, sum by (le) (rate(api_latency_seconds_bucket[1m])))';
    const p99 = (await scalar(p, expr, seenAt))!;
    const truth = exactQuantile([...va, ...vb], 0.99) / 1000;
    // Within the 5 ms bucket that holds the true p99 (linear interpolation inside it).
    expect(Math.abs(p99 - truth)).toBeLessThanOrEqual(0.005);
    // And the per-instance p99s do not make the fleet's: their mean is far off.
    const perInstance = [exactQuantile(va, 0.99), exactQuantile(vb, 0.99)].map((v) => v / 1000);
    expect(Math.abs((perInstance[0]! + perInstance[1]!) / 2 - truth)).toBeGreaterThan(0.03);
  });

  it('promtool check metrics accepts every text output', async () => {
    const r = new Registry();
    r.timer('classic', { buckets: 'prometheus', tags: { route: '/users/:id' } }).update(12);
    r.histogram('sizes', { buckets: [1, 10, 100], summary: true, resolution: 1 }).record(7);
    r.histogram('native.only', { nativeHistogram: true }).record(2);
    r.histogram('plain').record(3);
    const text = await (await fetch(`http://${sa!.target}/metrics`, { headers: { accept: 'text/plain;version=0.0.4' } })).text();
    expect(promtoolCheck(text)).toBe('0 ');
    const s = await serve(r);
    try {
      const other = await (await fetch(`http://${s.target}/metrics?format=prometheus`)).text();
      expect(other).toContain('# TYPE sizes_window summary');
      expect(promtoolCheck(other)).toBe('0 ');
    } finally {
      await close(s);
    }
  });
});

describe('native histograms, the real Prometheus with --enable-feature=native-histograms', () => {
  const registry = new Registry();
  let served: Served | undefined;
  let prometheus: PrometheusServer | undefined;

  beforeAll(async () => {
    registry.timer('rpc.latency', { nativeHistogram: true });
    served = await serve(registry);
    prometheus = await startPrometheus([{ name: 'rpc', target: served.target }], { features: ['native-histograms'] });
  });

  afterAll(async () => {
    await prometheus?.stop();
    await close(served);
  });

  it('histogram_quantile(0.99, rate(x[1m])) is the true p99 within the schema error', async () => {
    const p = prometheus!;
    await waitUntil(async () => (await scalar(p, 'histogram_count(rpc_latency_seconds)')) === 0 || undefined, {
      what: 'a first scrape of the empty native histogram', timeoutMs: 30_000, pollMs: 100,
    });
    // Prometheus asked for protobuf first.
    expect(served!.accepts.some((h) => h.startsWith('application/vnd.google.protobuf'))).toBe(true);
    // 2,000 durations spread log-uniformly from 1 ms to 2 s.
    const values = Array.from({ length: 2000 }, (_v, i) => 2 ** ((i / 1999) * Math.log2(2000)));
    for (const v of values) registry.timer('rpc.latency').update(v);
    const seenAt = await waitUntil(
      async () => ((await scalar(p, 'histogram_count(rpc_latency_seconds)')) === 2000 ? Date.now() / 1000 : undefined),
      { what: 'a scrape with every value', timeoutMs: 30_000, pollMs: 100 },
    );
    const p99 = (await scalar(p, 'histogram_quantile(0.99, rate(rpc_latency_seconds[1m]))', seenAt))!;
    const truth = exactQuantile(values, 0.99) / 1000;
    // Schema 6 buckets are 2^(1/64) - 1 = 1.09% wide; an HDR bucket at the edge adds 0.78%.
    expect(Math.abs(p99 / truth - 1)).toBeLessThanOrEqual(0.0109 + 0.0078);
    const sum = (await scalar(p, 'histogram_sum(rpc_latency_seconds)', seenAt))!;
    expect(sum).toBeCloseTo(values.reduce((s, v) => s + v, 0) / 1000, 6);
  });
});
