import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonStreamReporter, Registry, renderMetrics, type Counter, type Gauge, type Timer } from '../../src/index.js';
import { aggregate, type Fleet } from '../../src/cluster/index.js';
import { ensureDist } from '../docs/build-dist.js';
import { waitUntil } from '../helpers/wait.js';
import { exactQuantile, forkWorkers, Inbox, oracles, tempDir } from './cluster-harness.js';

const N = 4;
const VALUES = 3000;

describe('aggregate() over a real node:cluster of 4 workers', () => {
  let fleet: Fleet;
  let workers: ClusterWorker[] = [];
  const inbox = new Inbox();
  const tmp = tempDir();
  const primary = new Registry();

  beforeAll(async () => {
    await ensureDist();
    fleet = aggregate({ primary, intervalMs: 50, staleAfterMs: 800 });
    workers = forkWorkers(N, { OUT_DIR: tmp.dir, VALUES: String(VALUES) }, inbox);
    await inbox.wait('4 workers ready', (m) => 'ready' in m, N);
  }, 120_000);

  afterAll(async () => {
    for (const w of workers) if (!w.isDead()) w.process.kill('SIGKILL');
    await waitUntil(() => workers.every((w) => w.isDead()), { what: 'workers gone', timeoutMs: 10_000 });
    await fleet?.stop();
    tmp.remove();
  });

  it('sums counters exactly, merges timers within HDR error, follows gauge policies, merges the primary', async () => {
    const all = oracles(tmp.dir);
    expect(all).toHaveLength(N);
    const jobs = all.reduce((s, o) => s + o.jobs, 0);
    const values = all.flatMap((o) => o.values).sort((a, b) => a - b);
    primary.counter('primary.things').inc(3);
    await waitUntil(() => (fleet.registry.get('req') as Timer | undefined)?.count === values.length, { what: 'every value merged', timeoutMs: 20_000 });
    await fleet.settled();
    expect((fleet.registry.get('jobs') as Counter).count).toBe(jobs);
    const s = (fleet.registry.get('req') as Timer).snapshot();
    expect(s.count).toBe(N * VALUES);
    expect(s.windowCount).toBe(N * VALUES);
    expect(s.min).toBe(values[0]);
    expect(s.max).toBe(values[values.length - 1]);
    expect(s.sum).toBeCloseTo(values.reduce((a, b) => a + b, 0), 6);
    for (const [q, p] of [['p50', 0.5], ['p99', 0.99], ['p999', 0.999]] as const) {
      const exact = exactQuantile(values, p);
      // 2 significant digits: 1% relative error, and the 1 µs resolution.
      expect(Math.abs(s[q]! - exact), `${q}: ${s[q]} vs exact ${exact}`).toBeLessThanOrEqual(exact * 0.01 + 0.001);
    }
    expect((fleet.registry.get('queue') as Gauge).value).toBe(1 + 2 + 3 + 4);
    expect((fleet.registry.get('peak') as Gauge).value).toBe(103);
    for (const w of workers) expect((fleet.registry.get('temp', { worker: String(w.id) }) as Gauge).value).toBeGreaterThanOrEqual(20);
    expect(fleet.registry.get('temp')).toBeUndefined();
    expect(fleet.registry.get('runtime.event_loop.delay_ms', { worker: String(workers[0]!.id) })).toBeDefined();
    await waitUntil(() => (fleet.registry.get('primary.things') as Counter | undefined)?.count === 3, { what: 'the primary merged in' });
    expect((fleet.registry.get('tapemeasure.fleet.workers') as Gauge).value).toBe(N + 1); // 4 workers and the primary
    // The workers' own IPC messages reached their listeners; none of ours was dropped.
    expect(inbox.messages.filter((m) => 'ready' in m)).toHaveLength(N);
    for (const m of fleet.registry.metrics()) if (m.name === 'tapemeasure.fleet.dropped') expect((m as Counter).count).toBe(0);
  });

  it('SIGKILL of a worker mid-run: counters never decrease, the next report goes out on time', async () => {
    for (const w of workers) w.send({ cmd: 'load' });
    const live = (): number => (fleet.registry.get('live') as Counter | undefined)?.count ?? 0;
    await waitUntil(() => live() > 100, { what: 'load merged' });
    const reports: number[] = [];
    const reporter = new JsonStreamReporter({
      registry: fleet.registry,
      stream: new Writable({ write(_chunk, _enc, done) { reports.push(performance.now()); done(); } }),
    }).start(200);
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(live()), 5);
    try {
      await waitUntil(() => reports.length >= 2, { what: 'two reports' });
      const victim = workers[N - 1]!;
      const killedAt = performance.now();
      victim.process.kill('SIGKILL');
      await waitUntil(() => victim.isDead(), { what: 'the victim died' });
      await waitUntil(() => reports.some((t) => t > killedAt), { what: 'a report after the kill' });
      const after = reports.find((t) => t > killedAt)!;
      expect(after - killedAt).toBeLessThan(200 + 150); // one interval, plus scheduling slack
      await waitUntil(() => fleet.workers === N, { what: 'the dead worker counted out (3 workers + primary)' });
      const atDeath = live();
      await waitUntil(() => live() > atDeath + 100, { what: 'the others keep counting' });
    } finally {
      clearInterval(sampler);
      await reporter.stop();
    }
    for (let i = 1; i < samples.length; i++) expect(samples[i]!).toBeGreaterThanOrEqual(samples[i - 1]!);
  });

  it('a hung worker (busy loop) never delays a scrape; it is counted out, its totals stay', async () => {
    const hung = workers[N - 2]!;
    const jobsBefore = (fleet.registry.get('jobs') as Counter).count;
    hung.send({ cmd: 'hang' });
    await inbox.wait('the worker hangs', (m) => m.hanging !== undefined);
    // The renders resolve while the worker is still hung, with its last state: they waited
    // for nothing of it (a render that asked the worker would never resolve).
    for (let i = 0; i < 5; i++) {
      const text = await renderMetrics({ registry: fleet.registry, format: 'prometheus' });
      expect(text).toContain(`jobs_total ${jobsBefore}`);
    }
    expect(hung.isDead()).toBe(false);
    await waitUntil(() => fleet.workers === N - 1, { what: 'the hung worker counted out after staleAfterMs', timeoutMs: 10_000 });
    expect((fleet.registry.get('tapemeasure.fleet.push_age_ms', { worker: String(hung.id) }) as Gauge).value).toBeGreaterThan(800);
    expect((fleet.registry.get('jobs') as Counter).count).toBe(jobsBefore);
    hung.process.kill('SIGKILL');
  });

  it('a worker forked again (new id) adds to the totals without double counting', async () => {
    const before = (fleet.registry.get('jobs') as Counter).count;
    const [fresh] = forkWorkers(1, { OUT_DIR: tmp.dir, VALUES: '10' }, inbox, 9);
    workers.push(fresh!);
    await inbox.wait('the new worker ready', (m) => m.ready === 9);
    await waitUntil(() => (fleet.registry.get('jobs') as Counter).count === before + 10_000, { what: 'its jobs added' });
    fresh!.send({ cmd: 'stop' });
    await inbox.wait('the new worker stopped', (m) => m.stopped === 9);
    await fleet.settled();
    expect((fleet.registry.get('jobs') as Counter).count).toBe(before + 10_000);
    expect(cluster.isPrimary).toBe(true);
  });
});
