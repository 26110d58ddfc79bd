/**
 * Helpers of the multi-process cluster tests: fork node:cluster workers (or worker
 * threads, or separate processes) running fixtures/cluster-worker.js against dist/,
 * wait for their messages, read their oracle files.
 */
import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '../helpers/wait.js';

export const WORKER_FIXTURE = fileURLToPath(new URL('./fixtures/cluster-worker.js', import.meta.url));

export type Oracle = { index: number; values: number[]; jobs: number };

export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tapemeasure-cluster-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function oracles(dir: string): Oracle[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith('worker-'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Oracle);
}

/** The messages (other than tapemeasure's) each worker sent, for the tests to wait on. */
export class Inbox {
  readonly messages: Record<string, unknown>[] = [];
  add = (message: unknown): void => {
    if (typeof message === 'object' && message !== null && !('tapemeasure' in message)) this.messages.push(message as Record<string, unknown>);
  };
  async wait(what: string, match: (m: Record<string, unknown>) => boolean, count = 1, timeoutMs = 20_000): Promise<Record<string, unknown>[]> {
    return waitUntil(() => {
      const found = this.messages.filter(match);
      return found.length >= count ? found : undefined;
    }, { what, timeoutMs });
  }
}

export function forkWorkers(n: number, env: Record<string, string>, inbox: Inbox, first = 0): ClusterWorker[] {
  cluster.setupPrimary({ exec: WORKER_FIXTURE, silent: false });
  const out: ClusterWorker[] = [];
  for (let i = 0; i < n; i++) {
    const w = cluster.fork({ ...env, WORKER_INDEX: String(first + i) });
    w.on('message', inbox.add);
    out.push(w);
  }
  return out;
}

/** The exact q-quantile (HDR's definition: the value at rank ceil(q * n)). */
export function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}
