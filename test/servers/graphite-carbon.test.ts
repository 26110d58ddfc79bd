/**
 * The Graphite reporter and client against the real carbon-cache (Debian graphite-carbon):
 * every series of every metric type, over plaintext TCP, UDP and pickle, read back from
 * the whisper files carbon writes; and the faults: carbon started late, killed and
 * restarted between reports, names that try to forge series.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { GraphiteClient } from '../../src/clients/graphite-client.js';
import { encodeSegment } from '../../src/names.js';
import { Registry } from '../../src/registry/registry.js';
import { GraphiteReporter } from '../../src/reporters/graphite-reporter.js';
import type { GraphiteProtocol } from '../../src/clients/graphite-options.js';
import type { ReporterError } from '../../src/reporters/scheduled-reporter.js';
import { waitUntil } from '../helpers/wait.js';
import {
  freeTcpPort,
  freeUdpPort,
  readSeries,
  removeCarbonDir,
  skipWithoutCarbon,
  startCarbon,
  waitForSeries,
  type CarbonServer,
  type WhisperPoint,
} from '../helpers/carbon-server.js';

const skip = skipWithoutCarbon();

/** Now, in whole seconds, a little in the past (inside the 1-hour retention). */
function recentSecond(): number {
  return Math.floor(Date.now() / 1000) - 30;
}

/** A registry holding every metric type, tagged and encoded names, with values that need full precision. */
function populate(clock: ManualClock): Registry {
  const registry = new Registry({ clock });
  registry.counter('jobs.done').inc(42);
  registry.counter('jobs.failed', { tags: { queue: 'emails' } }).inc(3);
  registry.gauge('temperature').set(-3.25);
  registry.gauge('ratio', () => 0.1 + 0.2);
  registry.gauge('broken', () => {
    throw new Error('sensor offline');
  });
  const meter = registry.meter('requests');
  meter.mark(7);
  const histogram = registry.histogram('payload.bytes');
  for (const v of [120, 512, 4096, 80, 99.5]) histogram.record(v);
  registry.histogram('idle.histogram'); // empty window: only its count is sent
  const timer = registry.timer('db.query');
  for (const ms of [1.5, 2.25, 10, 35.125, 3]) timer.update(ms);
  const route = registry.timer('http.latency', { tags: { route: '/users/:id', method: 'GET' } });
  for (const ms of [12, 15, 11]) route.update(ms);
  registry.counter(`http.routes.${encodeSegment('GET /api/v1/items/{id}')}.hits`).inc(9);
  clock.advance(5_000); // one EWMA tick, so the moving averages are not zero
  meter.mark(3);
  return registry;
}

const DISTRIBUTION = ['min', 'max', 'mean', 'stddev', 'p50', 'p75', 'p95', 'p98', 'p99', 'p999'] as const;
const RATES: Record<string, 'm1Rate' | 'm5Rate' | 'm15Rate' | 'meanRate'> = {
  m1_rate: 'm1Rate',
  m5_rate: 'm5Rate',
  m15_rate: 'm15Rate',
  mean_rate: 'meanRate',
};

/** What carbon must hold for this registry, built from the metrics' own snapshots (not from the reporter). */
function expectedSeries(registry: Registry, prefix: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const metric of registry.metrics()) {
    const tags = Object.entries(metric.tags)
      .map(([k, v]) => `;${k}=${v}`)
      .sort()
      .join('');
    const at = (suffix: string | null, value: number | null | undefined): void => {
      if (typeof value !== 'number') return;
      out.set(`${prefix}.${metric.name}${suffix === null ? '' : `.${suffix}`}${tags}`, value);
    };
    const snap = metric.snapshot();
    switch (snap.type) {
      case 'counter':
        at('count', snap.count);
        break;
      case 'gauge':
        at(null, snap.value);
        break;
      case 'meter':
        at('count', snap.count);
        for (const [suffix, key] of Object.entries(RATES)) at(suffix, snap[key]);
        break;
      case 'histogram':
        at('count', snap.count);
        for (const s of DISTRIBUTION) at(s, snap[s]);
        break;
      case 'timer':
        at('count', metric.type === 'timer' ? metric.count : null);
        for (const [suffix, key] of Object.entries(RATES)) at(suffix, snap[key]);
        for (const s of DISTRIBUTION) at(s, snap[s]);
        break;
    }
  }
  return out;
}

function valueAt(points: readonly WhisperPoint[] | undefined, ts: number): number | undefined {
  return points?.find((p) => p[0] === ts)?.[1];
}

/** Polls whisper until every expected series holds its value at `ts`; returns what differs. */
async function awaitValues(carbon: CarbonServer, expected: ReadonlyMap<string, number>, ts: number): Promise<string[]> {
  const paths = [...expected.keys()];
  const read = await waitForSeries(carbon.whisperDir, paths, (m) => paths.every((p) => valueAt(m.get(p), ts) === expected.get(p)));
  return paths
    .filter((p) => valueAt(read.get(p), ts) !== expected.get(p))
    .map((p) => `${p}: expected ${expected.get(p)} at ${ts}, whisper has ${JSON.stringify(read.get(p))}`);
}

/** Every series carbon stored under the whisper root, as relative file paths. */
function whisperFiles(carbon: CarbonServer): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else out.push(relative(carbon.whisperDir, join(dir, entry.name)));
    }
  };
  walk(carbon.whisperDir);
  return out;
}

function carbonComplaints(carbon: CarbonServer): string[] {
  return carbon.log().split('\n').filter((l) => /invalid line|invalid pickle|Error decoding|Error parsing|Traceback/i.test(l));
}

const until = (what: string, check: () => boolean): Promise<unknown> => waitUntil(check, { what, timeoutMs: 10_000, pollMs: 20 });

describe.skipIf(skip)('GraphiteReporter against real carbon-cache', () => {
  let carbon: CarbonServer;
  beforeAll(async () => {
    carbon = await startCarbon();
  });
  afterAll(async () => {
    await carbon.stop();
    removeCarbonDir(carbon.dir);
  });

  const ports = (protocol: GraphiteProtocol): number =>
    protocol === 'pickle' ? carbon.picklePort : protocol === 'udp' ? carbon.udpPort : carbon.linePort;

  for (const protocol of ['tcp', 'udp', 'pickle'] as const) {
    it(`stores every series of every metric type with the registry's exact values (${protocol})`, async () => {
      const ts = recentSecond();
      const clock = new ManualClock({ nowMs: ts * 1000 - 5_000 });
      const registry = populate(clock);
      const errors: ReporterError[] = [];
      const reporter = new GraphiteReporter({
        registry,
        host: '127.0.0.1',
        port: ports(protocol),
        protocol,
        prefix: `tm.${protocol}`,
        onError: (e) => errors.push(e),
        env: {},
      });
      await reporter.report();
      await reporter.stop(); // the final report lands on the same second with the same values
      const expected = expectedSeries(registry, `tm.${protocol}`);
      expect(expected.size).toBe(52);
      expect(expected.has(`tm.${protocol}.idle.histogram.count`)).toBe(true);
      expect(expected.has(`tm.${protocol}.idle.histogram.p99`)).toBe(false);
      expect(await awaitValues(carbon, expected, ts)).toEqual([]);
      // The gauge that threw sent nothing, and said so; the rest of the report went out.
      expect(readSeries(carbon.whisperDir, `tm.${protocol}.broken`)).toEqual([]);
      expect(errors.map((e) => e.kind)).toContain('gauge');
      expect(errors.filter((e) => e.kind !== 'gauge')).toEqual([]);
      expect(reporter.stats.dropped).toBe(0);
      expect(carbonComplaints(carbon)).toEqual([]);
    });
  }

  it('sends nothing that forges a series: newlines, spaces and ";" in tags and client paths', async () => {
    const ts = recentSecond();
    const clock = new ManualClock({ nowMs: ts * 1000 });
    const registry = new Registry({ clock });
    // The registry already refuses control characters in tag values; spaces and ';' it accepts.
    registry.counter('forge.victim', { tags: { note: `x forged.tcp.series 666 ${ts} ` } }).inc(1);
    registry.counter('forge.victim2', { tags: { note: 'a b;evil=1' } }).inc(2);
    for (const protocol of ['tcp', 'udp', 'pickle'] as const) {
      const reporter = new GraphiteReporter({ registry, port: ports(protocol), protocol, prefix: `forge.${protocol}`, env: {} });
      await reporter.stop();
      const client = new GraphiteClient({ port: ports(protocol), protocol, clock, env: {} });
      client.send(`forge.${protocol}.client\nforged.client.series 1 ${ts}`, 5);
      client.send(`forge.${protocol}.spaced name`, 6, ts, { k: 'v w;x=y' });
      client.send(`forge.${protocol}.badkey`, 7, ts, { 'k;x': 'v w\r\n' }); // not a tag key: dropped, counted
      client.send(`forge.${protocol}.om`, 8, ts, { route: 'x{method="POST",zz="1"}' }); // issue 11 #2
      await client.stop();
      expect(client.stats.invalid).toBe(1);
      expect(client.stats.droppedLines).toBe(0);
    }
    const expected = new Map<string, number>();
    for (const protocol of ['tcp', 'udp', 'pickle']) {
      expected.set(`forge.${protocol}.forge.victim.count;note=x%20forged.tcp.series%20666%20${ts}%20`, 1);
      expected.set(`forge.${protocol}.forge.victim2.count;note=a%20b%3Bevil=1`, 2);
      expected.set(`forge.${protocol}.client%0Aforged.client.series%201%20${ts}`, 5);
      expected.set(`forge.${protocol}.spaced%20name;k=v%20w%3Bx=y`, 6);
      expected.set(`forge.${protocol}.om;route=x{method=%22POST%22,zz=%221%22}`, 8);
    }
    expect(await awaitValues(carbon, expected, ts)).toEqual([]);
    const files = whisperFiles(carbon);
    expect(files.filter((f) => f.startsWith('forged') || f.includes('evil') || f.includes('badkey'))).toEqual([]);
    expect(carbonComplaints(carbon)).toEqual([]);
  });

  it('GraphiteClient: send and sendMany (aiographite style) over each protocol', async () => {
    const ts = recentSecond();
    for (const protocol of ['tcp', 'udp', 'pickle'] as const) {
      const client = new GraphiteClient({ port: ports(protocol), protocol, prefix: `direct.${protocol}`, env: {} });
      expect(client.send('single', 1.25, ts)).toBe(true);
      expect(client.send('nan', Number.NaN, ts)).toBe(false);
      expect(client.sendMany({ 'many.a': 1e-9, 'many.b': 123_456_789.123 }, ts)).toBe(2);
      expect(client.sendMultiple([{ path: encodeSegment('caf\u00e9 /x'), value: -7, timestampS: ts, tags: { env: 'prod' } }])).toBe(1);
      await client.stop();
      expect(client.stats.invalid).toBe(1); // the NaN
      expect(client.stats.droppedLines).toBe(0);
    }
    const expected = new Map<string, number>();
    for (const protocol of ['tcp', 'udp', 'pickle']) {
      expected.set(`direct.${protocol}.single`, 1.25);
      expected.set(`direct.${protocol}.many.a`, 1e-9);
      expected.set(`direct.${protocol}.many.b`, 123_456_789.123);
      expected.set(`direct.${protocol}.${encodeSegment('caf\u00e9 /x')};env=prod`, -7);
    }
    expect(await awaitValues(carbon, expected, ts)).toEqual([]);
  });
});

describe.skipIf(skip)('GraphiteReporter when carbon is away', () => {
  it('carbon started late: the report made before it was up arrives once it is (pickle)', async () => {
    const ports = { line: await freeTcpPort(), pickle: await freeTcpPort(), udp: await freeUdpPort() };
    const ts = recentSecond();
    const clock = new ManualClock({ nowMs: ts * 1000 });
    const registry = new Registry({ clock });
    registry.counter('late.count').inc(11);
    registry.gauge('late.gauge').set(2.5);
    const errors: ReporterError[] = [];
    const reporter = new GraphiteReporter({
      registry,
      port: ports.pickle,
      protocol: 'pickle',
      onError: (e) => errors.push(e),
      env: {},
    });
    await reporter.report();
    await until('a refused connection', () => errors.some((e) => e.kind === 'transport'));
    expect(reporter.transportStats.sentLines).toBe(0);
    expect(reporter.transportStats.queuedBytes).toBeGreaterThan(0); // held, not lost
    const carbon = await startCarbon({ ports });
    try {
      const expected = new Map([
        ['late.count.count', 11],
        ['late.gauge', 2.5],
      ]);
      expect(await awaitValues(carbon, expected, ts)).toEqual([]);
      expect(reporter.transportStats.sentLines).toBe(1); // one frame, sent on reconnect with nothing more to send
      await reporter.stop();
      expect(reporter.stats.dropped).toBe(0);
    } finally {
      await carbon.stop();
      removeCarbonDir(carbon.dir);
    }
  });

  for (const protocol of ['tcp', 'pickle'] as const) {
    it(`carbon killed and restarted between reports: the reports made while it was down arrive (${protocol})`, async () => {
      let carbon = await startCarbon();
      const ports = { line: carbon.linePort, pickle: carbon.picklePort, udp: carbon.udpPort };
      const port = protocol === 'pickle' ? carbon.picklePort : carbon.linePort;
      const ts0 = recentSecond() - 10;
      const clock = new ManualClock({ nowMs: ts0 * 1000 });
      const registry = new Registry({ clock });
      const jobs = registry.counter('restart.jobs');
      const errors: ReporterError[] = [];
      const reporter = new GraphiteReporter({ registry, port, protocol, onError: (e) => errors.push(e), env: {} });
      try {
        jobs.inc(1);
        await reporter.report(); // ts0: 1
        expect(await awaitValues(carbon, new Map([['restart.jobs.count', 1]]), ts0)).toEqual([]);
        await carbon.kill(); // no goodbye
        await until('the broken connection to be noticed', () => reporter.transportStats.errors > 0);
        for (let i = 1; i <= 3; i++) {
          clock.advance(1_000);
          jobs.inc(1);
          await reporter.report(); // ts0+i: 1+i, while carbon is down
        }
        carbon = await startCarbon({ ports, dir: carbon.dir });
        const got = await waitForSeries(carbon.whisperDir, ['restart.jobs.count'], (m) => (m.get('restart.jobs.count') ?? []).length >= 4);
        expect(got.get('restart.jobs.count')).toEqual([
          [ts0, 1],
          [ts0 + 1, 2],
          [ts0 + 2, 3],
          [ts0 + 3, 4],
        ]);
        expect(errors.some((e) => e.kind === 'transport')).toBe(true);
        await reporter.stop();
        expect(reporter.stats.dropped).toBe(0);
        expect(reporter.transportStats.reconnects).toBeGreaterThanOrEqual(1);
      } finally {
        await reporter.stop();
        await carbon.stop();
        removeCarbonDir(carbon.dir);
      }
    });
  }

  it('a long outage keeps the newest records within maxQueueBytes, drops the oldest first and counts them (tcp)', async () => {
    const ports = { line: await freeTcpPort(), pickle: await freeTcpPort(), udp: await freeUdpPort() };
    const ts0 = recentSecond() - 20;
    const clock = new ManualClock({ nowMs: ts0 * 1000 });
    const registry = new Registry({ clock });
    const series: string[] = [];
    for (let i = 0; i < 20; i++) {
      registry.gauge(`outage.g${i}`, () => clock.now() / 1000);
      series.push(`outage.g${i}`);
    }
    // One report is 20 lines of about 33 bytes: the bound holds about 2.5 of them.
    const reporter = new GraphiteReporter({ registry, port: ports.line, protocol: 'tcp', maxQueueBytes: 1_600, onError: () => {}, env: {} });
    for (let i = 0; i < 8; i++) {
      await reporter.report();
      clock.advance(1_000);
    }
    const dropped = reporter.transportStats.droppedLines;
    expect(reporter.stats.dropped).toBe(dropped);
    expect(reporter.transportStats.queuedBytes).toBeLessThanOrEqual(1_600);
    expect(dropped).toBeGreaterThan(100); // of 160 lines, about 48 fit
    // The oldest lines went first: line r * 20 + i (report r, gauge i) was kept iff it is
    // among the newest 160 - dropped.
    const keptTimes = (i: number): number[] =>
      Array.from({ length: 8 }, (_, r) => r).filter((r) => r * 20 + i >= dropped).map((r) => ts0 + r);
    const carbon = await startCarbon({ ports });
    try {
      const got = await waitForSeries(carbon.whisperDir, series, (m) =>
        series.every((s, i) => (m.get(s) ?? []).length >= keptTimes(i).length),
      );
      series.forEach((s, i) => {
        expect(got.get(s)!.map((p) => p[0])).toEqual(keptTimes(i));
        for (const [t, v] of got.get(s)!) expect(v).toBe(t);
      });
    } finally {
      await reporter.stop();
      await carbon.stop();
      removeCarbonDir(carbon.dir);
    }
  });
});
