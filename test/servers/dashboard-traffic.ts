/**
 * Recorded traffic for the dashboard's browser test and screenshots, shaped like the
 * demo's service (src/demo/main.ts) and the HTTP integrations' series: request timers
 * `http.server.requests` tagged `route`, `method` and `status`, a long latency tail, a
 * few 5xx, plus a database timer, a job counter, a queue gauge, a login meter, an upload
 * size histogram, and runtime-like series (heap, rss, CPU, event-loop delay) under the
 * names `collectRuntimeMetrics` uses.
 */

import type { Registry } from '../../src/registry/registry.js';

type Route = { readonly route: string; readonly method: string; readonly baseMs: number; readonly share: number; readonly errors: number };

const ROUTES: readonly Route[] = [
  { route: '/users/:id', method: 'GET', baseMs: 1.5, share: 0.55, errors: 0.01 },
  { route: '/search', method: 'GET', baseMs: 8, share: 0.25, errors: 0.04 },
  { route: '/upload', method: 'POST', baseMs: 4, share: 0.12, errors: 0.02 },
  { route: '/users/:id', method: 'PUT', baseMs: 3, share: 0.05, errors: 0.01 },
  { route: '/health', method: 'GET', baseMs: 0.2, share: 0.03, errors: 0 },
];

/** Simulated work: mostly fast, with a long tail. */
function latencyMs(baseMs: number): number {
  const tail = Math.random() < 0.03 ? 40 + Math.random() * 80 : 0;
  return baseMs * (0.5 + Math.random()) + tail;
}

/** What {@link startTraffic} returns. */
export type Traffic = {
  /** Stops recording. */
  stop(): void;
};

/**
 * Records about `requestsPerSecond` requests per second into `registry` until stopped,
 * from one `unref()`ed timer.
 */
export function startTraffic(registry: Registry, requestsPerSecond = 300): Traffic {
  const timers = new Map<string, ReturnType<Registry['timer']>>();
  const timer = (r: Route, status: string): ReturnType<Registry['timer']> => {
    const key = `${r.route} ${r.method} ${status}`;
    let t = timers.get(key);
    if (t === undefined) {
      t = registry.timer('http.server.requests', { tags: { route: r.route, method: r.method, status } });
      timers.set(key, t);
    }
    return t;
  };
  const db = registry.timer('db.query', { tags: { table: 'users' } });
  const jobs = registry.counter('jobs.processed');
  const queue = registry.gauge('queue.depth');
  const logins = registry.meter('auth.logins', { tags: { method: 'password' } });
  const uploads = registry.histogram('http.upload.bytes', { resolution: 1 });
  registry.gauge('runtime.memory.heap_used_bytes', () => process.memoryUsage().heapUsed);
  registry.gauge('runtime.memory.rss_bytes', () => process.memoryUsage.rss());
  const cpu = registry.gauge('runtime.cpu.utilization');
  const delay = registry.histogram('runtime.event_loop.delay_ms');
  let lastCpu = process.cpuUsage();
  let lastMs = performance.now();
  let ticks = 0;
  const everyMs = 50;
  const perTick = (requestsPerSecond * everyMs) / 1000;
  const interval = setInterval(() => {
    ticks++;
    for (let i = 0; i < perTick; i++) {
      let pick = Math.random();
      const r = ROUTES.find((x) => (pick -= x.share) < 0) ?? ROUTES[0]!;
      const status = Math.random() < r.errors ? '5xx' : Math.random() < 0.03 ? '4xx' : '2xx';
      timer(r, status).update(latencyMs(r.baseMs));
      if (r.route === '/upload') uploads.record(Math.floor(512 + Math.random() ** 3 * 64 * 1024));
      if (r.route.startsWith('/users') || r.route === '/search') db.update(0.3 + Math.random() * 2 + (Math.random() < 0.01 ? 25 : 0));
    }
    if (Math.random() < 0.4) logins.mark();
    jobs.inc(Math.floor(Math.random() * 6));
    queue.set(Math.round(40 + 25 * Math.sin(ticks / 40) + Math.random() * 5));
    delay.record(0.2 + Math.random() * 1.5 + (Math.random() < 0.02 ? 15 : 0));
    if (ticks % 10 === 0) {
      const used = process.cpuUsage(lastCpu);
      const nowMs = performance.now();
      cpu.set((used.user + used.system) / 1000 / (nowMs - lastMs));
      lastCpu = process.cpuUsage();
      lastMs = nowMs;
    }
  }, everyMs);
  interval.unref();
  return {
    stop() {
      clearInterval(interval);
    },
  };
}
