import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Counter, type Timer } from '../../src/index.js';
import { aggregate, type Fleet } from '../../src/cluster/index.js';
import { ensureDist } from '../docs/build-dist.js';
import { waitUntil } from '../helpers/wait.js';
import { Inbox, oracles, tempDir, WORKER_FIXTURE } from './cluster-harness.js';

const VALUES = 2000;

/** A process started on its own (the pm2 shape): it reaches the aggregator only through the socket. */
function start(index: number, connect: string | number, outDir: string, inbox: Inbox): ChildProcess {
  const child = spawn(process.execPath, [WORKER_FIXTURE], {
    env: { ...process.env, WORKER_INDEX: String(index), OUT_DIR: outDir, VALUES: String(VALUES), CONNECT: String(connect) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.on('message', inbox.add);
  return child;
}

describe('aggregate({ listen }) and forward({ connect }) across separately started processes', () => {
  const tmp = tempDir();
  const path = join(tmp.dir, 'fleet.sock');
  const inbox = new Inbox();
  const children: ChildProcess[] = [];
  const fleets: Fleet[] = [];

  beforeAll(async () => {
    await ensureDist();
  }, 120_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    for (const f of fleets) await f.stop();
    tmp.remove();
  });

  it('merges over a Unix socket; the aggregator restarts and what was recorded meanwhile arrives', async () => {
    const first = aggregate({ listen: path, primary: false });
    fleets.push(first);
    await first.ready();
    expect(first.address).toBe(path);
    children.push(start(0, path, tmp.dir, inbox), start(1, path, tmp.dir, inbox));
    await inbox.wait('2 processes ready', (m) => 'ready' in m, 2);
    const jobs = oracles(tmp.dir).reduce((s, o) => s + o.jobs, 0);
    await waitUntil(() => (first.registry.get('jobs') as Counter | undefined)?.count === jobs, { what: 'jobs merged' });
    await waitUntil(() => (first.registry.get('req') as Timer | undefined)?.count === 2 * VALUES, { what: 'timers merged' });
    expect(first.workers).toBe(2);

    // The aggregator goes away; the workers keep recording.
    await first.stop();
    for (const c of children) c.send({ cmd: 'record', n: 500 });
    await inbox.wait('recorded during the outage', (m) => m.recorded === 500, 2);

    const second = aggregate({ listen: path, primary: false });
    fleets.push(second);
    await second.ready();
    // They reconnect (backoff at most 2 s): the backlog arrives, and the totals with it.
    await waitUntil(() => (second.registry.get('more') as Counter | undefined)?.count === 1000, { what: 'the outage recording arrived', timeoutMs: 15_000 });
    await waitUntil(() => (second.registry.get('jobs') as Counter | undefined)?.count === jobs, { what: 'totals resent' });
    await waitUntil(() => (second.registry.get('req') as Timer | undefined)?.count === 2 * VALUES, { what: 'lifetime counts resent' });
    expect(second.workers).toBe(2);
    // Nothing counted twice after more pushes.
    for (const c of children) c.send({ cmd: 'record', n: 1 });
    await inbox.wait('one more each', (m) => m.recorded === 1, 2);
    await waitUntil(() => (second.registry.get('more') as Counter).count === 1002, { what: 'the last pushes' });
    await second.settled();
    expect((second.registry.get('jobs') as Counter).count).toBe(jobs);
  });

  it('merges over loopback TCP (port 0 picks one), and a forwarder that stops says goodbye', async () => {
    const fleet = aggregate({ listen: 0, primary: false });
    fleets.push(fleet);
    await fleet.ready();
    const port = fleet.address as number;
    expect(port).toBeGreaterThan(0);
    const child = start(5, port, tmp.dir, inbox);
    children.push(child);
    await inbox.wait('ready', (m) => m.ready === 5);
    await waitUntil(() => (fleet.registry.get('jobs') as Counter | undefined)?.count === 6000, { what: 'jobs merged' });
    expect(fleet.workers).toBe(1);
    child.send({ cmd: 'stop' });
    await inbox.wait('stopped', (m) => m.stopped === 5);
    await waitUntil(() => fleet.workers === 0, { what: 'the goodbye' });
    expect((fleet.registry.get('jobs') as Counter).count).toBe(6000);
  });
});
