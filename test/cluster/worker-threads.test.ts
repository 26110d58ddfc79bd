import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry, type Counter, type Gauge, type Timer } from '../../src/index.js';
import { aggregate, type Fleet } from '../../src/cluster/index.js';
import { ensureDist } from '../docs/build-dist.js';
import { waitUntil } from '../helpers/wait.js';
import { exactQuantile, Inbox, oracles, tempDir, WORKER_FIXTURE } from './cluster-harness.js';

const N = 4;
const VALUES = 3000;

describe('aggregate({ workers }) over a real worker_threads pool', () => {
  let fleet: Fleet;
  const threads: Worker[] = [];
  const inbox = new Inbox();
  const tmp = tempDir();

  const spawn = (index: number, values = VALUES): Worker => {
    const w = new Worker(WORKER_FIXTURE, { env: { ...process.env, WORKER_INDEX: String(index), OUT_DIR: tmp.dir, VALUES: String(values) } });
    w.on('message', inbox.add);
    threads.push(w);
    return w;
  };

  beforeAll(async () => {
    await ensureDist();
    const first = [spawn(0), spawn(1)];
    fleet = aggregate({ workers: first, primary: new Registry(), intervalMs: 50, staleAfterMs: 800 });
    // A pool that grows after the fleet exists.
    fleet.addWorker(spawn(2));
    fleet.addWorker(spawn(3));
    await inbox.wait('4 threads ready', (m) => 'ready' in m, N);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(threads.map((t) => t.terminate()));
    await fleet?.stop();
    tmp.remove();
  });

  it('sums counters exactly and merges timers within the HDR error of all values together', async () => {
    const all = oracles(tmp.dir);
    expect(all).toHaveLength(N);
    const values = all.flatMap((o) => o.values).sort((a, b) => a - b);
    await waitUntil(() => (fleet.registry.get('req') as Timer | undefined)?.count === values.length, { what: 'every value merged' });
    expect((fleet.registry.get('jobs') as Counter).count).toBe(all.reduce((s, o) => s + o.jobs, 0));
    const s = (fleet.registry.get('req') as Timer).snapshot();
    expect(s.min).toBe(values[0]);
    expect(s.max).toBe(values[values.length - 1]);
    for (const [q, p] of [['p50', 0.5], ['p99', 0.99], ['p999', 0.999]] as const) {
      const exact = exactQuantile(values, p);
      expect(Math.abs(s[q]! - exact), q).toBeLessThanOrEqual(exact * 0.01 + 0.001);
    }
    expect((fleet.registry.get('queue') as Gauge).value).toBe(10);
    expect((fleet.registry.get('peak') as Gauge).value).toBe(103);
    expect([...fleet.registry.metrics()].filter((m) => m.name === 'temp')).toHaveLength(N);
    expect(fleet.workers).toBe(N + 1);
  });

  it('a terminated thread keeps its totals and is counted out; a hung thread never delays a read', async () => {
    const jobs = (fleet.registry.get('jobs') as Counter).count;
    await threads[0]!.terminate();
    await waitUntil(() => fleet.workers === N, { what: 'the thread counted out' });
    expect((fleet.registry.get('jobs') as Counter).count).toBe(jobs);
    expect((fleet.registry.get('queue') as Gauge).value).toBe(10 - 1);
    threads[1]!.postMessage({ cmd: 'hang' });
    await inbox.wait('the thread hangs', (m) => m.hanging === 1);
    // A read is local state: synchronous, so it cannot wait for the hung thread, and it
    // holds the hung thread's last state.
    const tree = fleet.registry.snapshot() as unknown as { jobs: { count: number } };
    expect(tree).not.toBeInstanceOf(Promise);
    expect(tree.jobs.count).toBe(jobs);
    await waitUntil(() => fleet.workers === N - 1, { what: 'the hung thread counted out', timeoutMs: 10_000 });
    // Its last state is still used: the sum still holds its queue.
    expect((fleet.registry.get('queue') as Gauge).value).toBe(10 - 1);
  });
});
