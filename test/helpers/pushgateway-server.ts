/**
 * Starts and stops a real Prometheus Pushgateway (Debian package `prometheus-pushgateway`)
 * on 127.0.0.1 for integration tests, in memory only (no persistence file), and reads
 * back what it holds. `startGatewayScraper()` starts a real Prometheus that scrapes the
 * gateway with `honor_labels: true`, as a Pushgateway must be scraped.
 */

import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.js';
import { logTail, startPrometheus, stopChild, type PrometheusServer } from './prometheus-server.js';
import { waitUntil } from './wait.js';

const BINARY = '/usr/bin/prometheus-pushgateway';

/** One series of a group, as `GET /api/v1/metrics` shows it (numbers as strings). */
export type GatewaySample = {
  readonly labels: Record<string, string>;
  readonly value?: string;
  readonly quantiles?: Record<string, string>;
  readonly count?: string;
  readonly sum?: string;
};

/** One metric family of a group. */
export type GatewayFamily = { readonly type: string; readonly help?: string; readonly metrics: GatewaySample[] };

/** One group: its grouping key (`job` included) and its families by name. */
export type GatewayGroup = {
  readonly labels: Record<string, string>;
  readonly lastPushSuccessful: boolean;
  readonly families: Record<string, GatewayFamily>;
};

/** A running Pushgateway. */
export type PushgatewayServer = {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** `127.0.0.1:<port>`, for a scrape config. */
  readonly target: string;
  /** Every group it holds, from its JSON API. */
  groups(): Promise<GatewayGroup[]>;
  /** The group whose labels are exactly `labels` (`job` included), if any. */
  group(labels: Record<string, string>): Promise<GatewayGroup | undefined>;
  /** Its `/metrics` text (what Prometheus scrapes). */
  metricsText(): Promise<string>;
  /** The last lines of its log. */
  logTail(): string;
  stop(): Promise<void>;
};

/** The path of the gateway binary, installing the Debian package if needed (as root). */
export function ensurePushgateway(): string {
  if (existsSync(BINARY)) return BINARY;
  if (process.getuid?.() !== 0) {
    throw new Error('prometheus-pushgateway is not installed and we are not root: run `sudo bash .ci/install.d/pushgateway.sh`');
  }
  execFileSync('bash', [join(import.meta.dirname, '..', '..', '.ci', 'install.d', 'pushgateway.sh')], { stdio: 'ignore', timeout: 600_000 });
  if (!existsSync(BINARY)) throw new Error('installing prometheus-pushgateway did not provide the binary');
  return BINARY;
}

type ApiGroup = Record<string, unknown> & { labels: Record<string, string>; last_push_successful: boolean };

/** Starts a Pushgateway on 127.0.0.1, in memory; resolves once it is ready. */
export async function startPushgateway(): Promise<PushgatewayServer> {
  const binary = ensurePushgateway();
  const dir = mkdtempSync(join(tmpdir(), 'tapemeasure-pushgateway-'));
  const port = await freePort();
  const log = join(dir, 'pushgateway.log');
  const fd = openSync(log, 'a');
  const child = spawn(
    binary,
    [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file=', '--log.level=info'],
    { stdio: ['ignore', fd, fd], cwd: dir },
  );
  closeSync(fd);
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`pushgateway exited with ${child.exitCode}`);
        return (await fetch(`${url}/-/ready`)).ok;
      },
      { what: 'the Pushgateway to be ready', timeoutMs: 20_000, pollMs: 50, context: () => logTail(log) },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const groups = async (): Promise<GatewayGroup[]> => {
    const response = await fetch(`${url}/api/v1/metrics`);
    const body = (await response.json()) as { status: string; data: ApiGroup[] };
    if (body.status !== 'success') throw new Error(`GET /api/v1/metrics: ${JSON.stringify(body)}`);
    return body.data.map((g) => {
      const families: Record<string, GatewayFamily> = {};
      for (const [key, value] of Object.entries(g)) {
        if (key !== 'labels' && key !== 'last_push_successful') families[key] = value as GatewayFamily;
      }
      return { labels: g.labels, lastPushSuccessful: g.last_push_successful, families };
    });
  };
  const sameLabels = (a: Record<string, string>, b: Record<string, string>): boolean => {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
  };
  return {
    url,
    target: `127.0.0.1:${port}`,
    groups,
    async group(labels) {
      return (await groups()).find((g) => sameLabels(g.labels, labels));
    },
    async metricsText() {
      return (await fetch(`${url}/metrics`)).text();
    },
    logTail: () => logTail(log),
    stop,
  };
}

/**
 * Starts Prometheus scraping `target` (a Pushgateway) every second with `honor_labels: true`
 * (the pushed `job` and `instance` labels are kept, not renamed `exported_*`).
 */
export function startGatewayScraper(target: string): Promise<PrometheusServer> {
  return startPrometheus([{ name: 'pushgateway', target, honorLabels: true }]);
}
