/**
 * Starts and stops a real Prometheus server (Debian package `prometheus`) on 127.0.0.1
 * for integration tests, and queries its HTTP API. Installs the package with apt-get
 * when it is missing and we are root (as on a fresh CI machine).
 */

import { freePort } from './net.js';
import { waitUntil } from './wait.js';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A scrape job: where Prometheus scrapes, and the URL parameters it adds. */
export type ScrapeJob = {
  readonly name: string;
  /** `host:port`. */
  readonly target: string;
  readonly metricsPath?: string;
  readonly params?: Readonly<Record<string, readonly string[]>>;
  /** Keep the scraped `job` and `instance` labels (as a Pushgateway must be scraped) instead of renaming them `exported_*`. */
  readonly honorLabels?: boolean;
};

/** A running Prometheus. */
export type PrometheusServer = {
  readonly url: string;
  readonly dir: string;
  /** Instant query (at `timeSeconds`, a Unix time, when given; else now); returns `data.result`. */
  query(expr: string, timeSeconds?: number): Promise<PromSample[]>;
  /** The scrape targets' health and last error, from `/api/v1/targets`. */
  targets(): Promise<{ job: string; health: string; lastError: string }[]>;
  stop(): Promise<void>;
};

/** One sample of an instant-vector result. */
export type PromSample = { metric: Record<string, string>; value: [number, string] };

function which(binary: string): string | null {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const p = join(dir, binary);
    if (existsSync(p)) return p;
  }
  return existsSync(`/usr/bin/${binary}`) ? `/usr/bin/${binary}` : null;
}

/** Returns the paths of `prometheus` and `promtool`, installing the Debian package if needed. */
export function ensurePrometheus(): { prometheus: string; promtool: string } {
  let prometheus = which('prometheus');
  let promtool = which('promtool');
  if (prometheus === null || promtool === null) {
    if (process.getuid?.() !== 0) {
      throw new Error('prometheus is not installed and we are not root: run `sudo bash .ci/install.d/prometheus.sh`');
    }
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env, timeout: 300_000 });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'prometheus'], {
      stdio: 'ignore',
      env,
      timeout: 600_000,
    });
    prometheus = which('prometheus');
    promtool = which('promtool');
    if (prometheus === null || promtool === null) throw new Error('apt-get install prometheus did not provide the binaries');
  }
  return { prometheus, promtool };
}

export { freePort };

/** The last 20 lines of a log file ('' when it cannot be read). */
export function logTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}

/** SIGTERM, SIGKILL after 5 s; resolves once the child has exited (at once if it already has). */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => { resolve(); }));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(killer);
}

/** How {@link startPrometheus} starts the server. */
export type PrometheusOptions = {
  /** `--enable-feature=` names, such as `native-histograms` (which also makes it scrape protobuf first). */
  readonly features?: readonly string[];
};

/** Starts Prometheus scraping `jobs` every second; resolves once it is ready. */
export async function startPrometheus(jobs: readonly ScrapeJob[], options: PrometheusOptions = {}): Promise<PrometheusServer> {
  const { prometheus } = ensurePrometheus();
  const dir = mkdtempSync(join(tmpdir(), 'tapemeasure-prometheus-'));
  const port = await freePort();
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 900ms',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    ...jobs.flatMap((job) => [
      `  - job_name: ${JSON.stringify(job.name)}`,
      `    metrics_path: ${JSON.stringify(job.metricsPath ?? '/metrics')}`,
      ...(job.honorLabels === true ? ['    honor_labels: true'] : []),
      ...(job.params === undefined
        ? []
        : ['    params:', ...Object.entries(job.params).map(([k, v]) => `      ${JSON.stringify(k)}: ${JSON.stringify(v)}`)]),
      '    static_configs:',
      `      - targets: [${JSON.stringify(job.target)}]`,
    ]),
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), `${config}\n`);
  const log = join(dir, 'prometheus.log');
  const fd = openSync(log, 'a');
  const child = spawn(
    prometheus,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
      ...(options.features === undefined || options.features.length === 0 ? [] : [`--enable-feature=${options.features.join(',')}`]),
    ],
    { stdio: ['ignore', fd, fd], cwd: dir },
  );
  closeSync(fd);
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  // Ready, or dead: whichever comes first.
  let onExit: (() => void) | undefined;
  const died = new Promise<never>((_resolve, reject) => {
    onExit = () => {
      reject(new Error(`prometheus exited with ${child.exitCode ?? child.signalCode} before it was ready:\n${logTail(log)}`));
    };
    child.once('exit', onExit);
  });
  try {
    await Promise.race([
      waitUntil(async () => (await fetch(`${url}/-/ready`)).ok, { what: 'prometheus /-/ready', timeoutMs: 30_000, pollMs: 100, context: () => logTail(log) }),
      died,
    ]);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    if (onExit !== undefined) child.off('exit', onExit);
  }
  return {
    url,
    dir,
    async query(expr, timeSeconds) {
      const at = timeSeconds === undefined ? '' : `&time=${timeSeconds}`;
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}${at}`);
      const body = (await response.json()) as { status: string; error?: string; data: { result: PromSample[] } };
      if (body.status !== 'success') throw new Error(`query ${expr} failed: ${body.error ?? response.status}`);
      return body.data.result;
    },
    async targets() {
      const response = await fetch(`${url}/api/v1/targets`);
      const body = (await response.json()) as {
        data: { activeTargets: { labels: { job: string }; health: string; lastError: string }[] };
      };
      return body.data.activeTargets.map((t) => ({ job: t.labels.job, health: t.health, lastError: t.lastError }));
    },
    stop,
  };
}

