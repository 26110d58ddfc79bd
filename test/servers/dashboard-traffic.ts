/**
 * Recorded traffic for the dashboard's browser test and screenshots, shaped like the
 * demo's service (src/demo/main.ts) and the HTTP integrations' series: request timers
 * `http.server.requests` tagged `route`, `method` and `status`, a long latency tail, a
 * few 5xx, plus a database timer, a job counter, a queue gauge, a login meter, an upload
 * size histogram, and runtime-like series (heap, rss, CPU, event-loop delay) under the
 * names `collectRuntimeMetrics` uses, with simulated values so that pictures do not
 * depend on the machine.
 */

import type { Registry } from '../../src/registry/registry.js';

type Route = { readonly route: string; readonly method: string; readonly baseMs: number; readonly share: number; readonly errors: number };

const ROUTES: readonly Route[] = [
  { route: '/users/:id', method: 'GET', baseMs: 1.5, share: 0.55, errors: 0.005 },
  { route: '/search', method: 'GET', baseMs: 8, share: 0.25, errors: 0.02 },
  { route: '/upload', method: 'POST', baseMs: 4, share: 0.12, errors: 0.01 },
  { route: '/users/:id', method: 'PUT', baseMs: 3, share: 0.05, errors: 0.005 },
  { route: '/health', method: 'GET', baseMs: 0.2, share: 0.03, errors: 0 },
];

/** Simulated work: mostly fast, with a long tail; `slow` stretches the tail (an incident). */
function latencyMs(baseMs: number, slow: number): number {
  const tail = Math.random() < 0.03 * slow ? (40 + Math.random() * 80) * slow : 0;
  return baseMs * (0.5 + Math.random()) + tail;
}

/** Records traffic into a registry, one step at a time. */
export class TrafficRecorder {
  readonly #registry: Registry;
  readonly #timers = new Map<string, ReturnType<Registry['timer']>>();
  readonly #db: ReturnType<Registry['timer']>;
  readonly #jobs: ReturnType<Registry['counter']>;
  readonly #queue: ReturnType<Registry['gauge']>;
  readonly #logins: ReturnType<Registry['meter']>;
  readonly #uploads: ReturnType<Registry['histogram']>;
  readonly #heap: ReturnType<Registry['gauge']>;
  readonly #rss: ReturnType<Registry['gauge']>;
  readonly #cpu: ReturnType<Registry['gauge']>;
  readonly #delay: ReturnType<Registry['histogram']>;

  constructor(registry: Registry) {
    this.#registry = registry;
    this.#db = registry.timer('db.query', { tags: { table: 'users' } });
    this.#jobs = registry.counter('jobs.processed');
    this.#queue = registry.gauge('queue.depth');
    this.#logins = registry.meter('auth.logins', { tags: { method: 'password' } });
    this.#uploads = registry.histogram('http.upload.bytes', { resolution: 1 });
    this.#heap = registry.gauge('runtime.memory.heap_used_bytes');
    this.#rss = registry.gauge('runtime.memory.rss_bytes');
    this.#cpu = registry.gauge('runtime.cpu.utilization');
    this.#delay = registry.histogram('runtime.event_loop.delay_ms');
  }

  #timer(r: Route, status: string): ReturnType<Registry['timer']> {
    const key = `${r.route} ${r.method} ${status}`;
    let t = this.#timers.get(key);
    if (t === undefined) {
      t = this.#registry.timer('http.server.requests', { tags: { route: r.route, method: r.method, status } });
      this.#timers.set(key, t);
    }
    return t;
  }

  /**
   * Records `durationMs` of traffic at about `rps` requests per second, as at `atS`
   * seconds into the run (the load swells and ebbs; `incident` slows /search and makes it
   * fail more).
   */
  step(atS: number, durationMs: number, rps: number, incident = false): void {
    const load = 1 + 0.35 * Math.sin(atS / 23) + 0.1 * Math.sin(atS / 3.7);
    const requests = Math.round((rps * load * durationMs) / 1000);
    for (let i = 0; i < requests; i++) {
      let pick = Math.random();
      const r = ROUTES.find((x) => (pick -= x.share) < 0) ?? ROUTES[0]!;
      const hit = incident && r.route === '/search';
      const status = Math.random() < r.errors * (hit ? 6 : 1) ? '5xx' : Math.random() < 0.03 ? '4xx' : '2xx';
      this.#timer(r, status).update(latencyMs(r.baseMs * (hit ? 2.5 : 1), hit ? 3 : 1));
      if (r.route === '/upload') this.#uploads.record(Math.floor(512 + Math.random() ** 3 * 64 * 1024));
      if (r.route !== '/health' && r.route !== '/upload') this.#db.update(0.3 + Math.random() * 2 + (Math.random() < 0.01 ? 25 : 0));
    }
    const steps = Math.max(1, Math.round(durationMs / 50));
    for (let i = 0; i < steps; i++) {
      if (Math.random() < 0.4) this.#logins.mark();
      this.#jobs.inc(Math.floor(Math.random() * 6));
      this.#delay.record(0.2 + Math.random() * 1.5 * load + (Math.random() < 0.02 ? 15 : 0));
    }
    this.#queue.set(Math.round(40 + 25 * Math.sin(atS / 40) + Math.random() * 5));
    // A heap that grows and is collected every 30 s, an rss that follows it slowly.
    this.#heap.set(38e6 + ((atS % 30) / 30) * 22e6 + Math.random() * 1e6);
    this.#rss.set(112e6 + 8e6 * Math.sin(atS / 60) + Math.random() * 0.5e6);
    this.#cpu.set(Math.min(1, 0.12 * load + Math.random() * 0.03 + (incident ? 0.1 : 0)));
  }
}

/** What {@link startTraffic} returns. */
export type Traffic = {
  /** Stops recording. */
  stop(): void;
};

/** Records about `rps` requests per second into `registry`, in real time, until stopped (one `unref()`ed timer). */
export function startTraffic(registry: Registry, rps = 300): Traffic {
  const recorder = new TrafficRecorder(registry);
  const startedMs = performance.now();
  const everyMs = 50;
  const interval = setInterval(() => {
    recorder.step((performance.now() - startedMs) / 1000, everyMs, rps);
  }, everyMs);
  interval.unref();
  return {
    stop() {
      clearInterval(interval);
    },
  };
}
