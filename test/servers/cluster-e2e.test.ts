/**
 * End to end: a 4-worker node:http cluster under autocannon; the primary's fleet view is
 * scraped by the real Prometheus and reported to the real StatsD. Both must count exactly
 * the requests autocannon sent.
 */
import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveMetrics, StatsdReporter, type Counter, type MetricsServer } from '../../src/index.js';
import { aggregate, type Fleet } from '../../src/cluster/index.js';
import { ensureDist } from '../docs/build-dist.js';
import { freePort } from '../helpers/net.js';
import { startPrometheus, type PrometheusServer } from '../helpers/prometheus-server.js';
import { startStatsd, type StatsdServer } from '../helpers/statsd-server.js';
import { waitUntil } from '../helpers/wait.js';

type CannonResult = { '2xx': number; non2xx: number; errors: number; timeouts: number };
// autocannon ships no types.
const autocannon = createRequire(import.meta.url)('autocannon') as (options: { url: string; connections: number; amount: number }) => Promise<CannonResult>;

const FIXTURE = fileURLToPath(new URL('../cluster/fixtures/http-worker.js', import.meta.url));
const REQUESTS = 4_000;

describe('a 4-worker node:http cluster under autocannon, through the fleet view', () => {
  let fleet: Fleet;
  let server: MetricsServer;
  let prometheus: PrometheusServer;
  let statsd: StatsdServer;
  let reporter: StatsdReporter;
  const workers: ClusterWorker[] = [];
  let httpPort = 0;

  beforeAll(async () => {
    await ensureDist();
    statsd = await startStatsd({ flushIntervalMs: 200 });
    fleet = aggregate({ primary: false });
    server = await serveMetrics({ registry: fleet.registry, port: 0 });
    prometheus = await startPrometheus([{ name: 'fleet', target: `127.0.0.1:${server.port}` }]);
    reporter = new StatsdReporter({ registry: fleet.registry, host: '127.0.0.1', port: statsd.tcpPort, protocol: 'tcp' }).start(250);
    httpPort = await freePort();
    cluster.setupPrimary({ exec: FIXTURE });
    let listening = 0;
    for (let i = 0; i < 4; i++) {
      const w = cluster.fork({ HTTP_PORT: String(httpPort) });
      w.on('message', (m: { listening?: boolean }) => {
        if (m.listening === true) listening++;
      });
      workers.push(w);
    }
    await waitUntil(() => listening === 4, { what: '4 workers listening', timeoutMs: 30_000 });
  }, 180_000);

  afterAll(async () => {
    for (const w of workers) if (!w.isDead()) w.process.kill('SIGKILL');
    await reporter?.stop();
    await server?.stop();
    await prometheus?.stop();
    await statsd?.dispose();
    await fleet?.stop();
  });

  it('Prometheus and StatsD both count exactly the requests autocannon sent', async () => {
    const result = await autocannon({ url: `http://127.0.0.1:${httpPort}/`, connections: 8, amount: REQUESTS });
    const sent = result['2xx'];
    expect(sent).toBe(REQUESTS);
    expect(result.non2xx + result.errors + result.timeouts).toBe(0);
    await waitUntil(() => (fleet.registry.get('http.served') as Counter | undefined)?.count === sent, { what: 'the fleet counted every request', timeoutMs: 15_000 });
    const total = async (): Promise<number | undefined> => {
      const r = await prometheus.query('http_served_total');
      return r.length === 1 ? Number(r[0]!.value[1]) : undefined;
    };
    await waitUntil(async () => (await total()) === sent, { what: 'Prometheus holds the count', timeoutMs: 30_000 });
    const latency = await prometheus.query('http_latency_seconds_count');
    expect(Number(latency[0]!.value[1])).toBe(sent);
    const totals = await statsd.waitFor((t) => t.counters.get('http.served') === sent, 20_000);
    expect(totals.counters.get('http.served')).toBe(sent);
    // Four processes shipped it: the count really is a sum over workers.
    expect(fleet.workers).toBe(4);
  });
});
