/**
 * The soak run (`npm run soak -- --seconds N`; see docs/reliability.md). A measurement,
 * not a unit test: time passes for real here on purpose, and vitest is only the runner
 * (so the real-server helpers of test/helpers/ can be reused as they are).
 *
 * The service (bench/soak/service.js, the built package) runs in its own process under
 * autocannon load, reporting to the real StatsD (UDP and TCP), the real carbon-cache
 * (pickle) and a peer that stalls, scraped by the real Prometheus and by hostile
 * clients, while StatsD and carbon are killed and restarted and a gauge hangs. At the
 * end every counted event is accounted for on every channel, and the verdict fails on
 * uncounted loss, a heap trend, or a loop blocked over 50 ms by the process's own work.
 */

import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { readSeries, startCarbon, type CarbonServer } from '../../test/helpers/carbon-server.js';
import { startPrometheus, type PrometheusServer } from '../../test/helpers/prometheus-server.js';
import { startStatsd, type StatsdServer } from '../../test/helpers/statsd-server.js';
import { waitUntil } from '../../test/helpers/wait.js';
import {
  accountCounts,
  accountPoints,
  attributeBlocks,
  heapTrend,
  quantile,
  recordedIdentity,
  renderTable,
  type CountAccount,
  type CountLedger,
  type LoopBlock,
  type PointAccount,
  type PointLedger,
  type RiskWindow,
} from './accounting.js';
import { startStallPeer, type StallPeer } from './stall-peer.js';
import { trackStatsd } from './tap.js';

const SECONDS = Math.max(20, Number(process.env.SOAK_SECONDS ?? 180));
const RATE = Number(process.env.SOAK_RATE ?? 200); // requests per second, overall
const INTERVAL_MS = 1_000;
const SHARDS = Number(process.env.SOAK_SHARDS ?? 200);
const STATSD_FLUSH_MS = 500;
const OUT = process.env.SOAK_OUT;

type Result = {
  incs: number;
  eventsCount: number;
  invalidValues: number;
  recorded: { name: string; tags: Record<string, string>; count: number }[];
  channels: Record<
    string,
    {
      reporterErrors: Record<string, number>;
      transportErrors: Record<string, number>;
      connectionFailuresAtMs: number[];
      reporterStats: { reports: number; failures: number; skipped: number; dropped: number; bytes: number };
      stopMs: number;
      ledger: {
        counts?: CountLedger;
        points?: PointLedger;
        bucketMs?: number;
        refusedPoints?: number;
        decodeErrors?: number;
        refusedRecords: number;
        acceptedRecords: number;
        stats: { droppedLines: number; sentLines: number; sentBytes: number; errors: number; reconnects: number };
      };
    }
  >;
  startMs: number;
  endpointErrors: Record<string, number>;
  stopTotalMs: number;
  loop: { p50Ms: number; p99Ms: number; maxMs: number; blocks: LoopBlock[] };
  maxScrapesInFlight: number;
  heap: { samples: number[]; peak: number };
};

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (b: number): string => (b / 1024 / 1024).toFixed(1);
const ms = (v: number | null): string => (v === null ? '-' : v.toFixed(1));

/** The service process and its one result. */
async function startService(config: Record<string, unknown>): Promise<{ child: ChildProcess; port: number; result: () => Promise<Result> }> {
  const child = fork(fileURLToPath(new URL('./service.js', import.meta.url)), [], { execArgv: ['--expose-gc'], stdio: 'inherit' });
  cleanups.push(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const ready = await new Promise<{ port: number }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`service exited with ${code} before it was ready`)));
    child.on('message', (m: { type: string; port: number }) => {
      if (m.type === 'ready') resolve(m);
    });
    child.send(config);
  });
  const result = (): Promise<Result> =>
    new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`service exited with ${code} before its result`)));
      child.on('message', (m: Result & { type: string }) => {
        if (m.type === 'result') resolve(m);
      });
      child.send({ type: 'finish' });
    });
  return { child, port: ready.port, result };
}

type LoadResult = { requests: { total: number }; '2xx': number; non2xx: number; errors: number };

/** autocannon in its own process (its CLI, `--json`), so the load takes no CPU from this one. */
function runLoad(url: string): Promise<LoadResult> {
  const cli = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
  const child = spawn(process.execPath, [cli, '--json', '-c', '4', '-R', String(RATE), '-d', String(SECONDS), url], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  cleanups.push(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (out += chunk));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      try {
        resolve(JSON.parse(out) as LoadResult);
      } catch {
        reject(new Error(`autocannon exited with ${code} and no JSON result`));
      }
    });
  });
}

/** Scrapes that measure latency (a one-metric scrape, as a health check would). */
function probeScrapes(port: number, signal: AbortSignal): { latencies: number[]; failures: () => number; done: Promise<void> } {
  const latencies: number[] = [];
  let failures = 0;
  const done = (async () => {
    while (!signal.aborted) {
      const t0 = performance.now();
      try {
        const r = await fetch(`http://127.0.0.1:${port}/metrics?filter=soak.events`, { signal: AbortSignal.timeout(10_000) });
        await r.arrayBuffer();
        if (r.status === 200) latencies.push(performance.now() - t0);
        else failures++;
      } catch {
        failures++;
      }
      await sleep(250);
    }
  })();
  return { latencies, failures: () => failures, done };
}

/** Hostile clients: many concurrent full scrapes, many and huge filters. */
async function hostileScrapes(port: number, untilMs: number): Promise<{ requests: number; statuses: Map<string, number>; latencies: number[] }> {
  const statuses = new Map<string, number>();
  const latencies: number[] = [];
  let requests = 0;
  const backtracking = '*a*a*a*a*a*a*a*a*a*a*a*a*b';
  const manyFilters = Array.from({ length: 120 }, (_, i) => `filter=${encodeURIComponent(`${backtracking}${i}`)}`).join('&');
  const hugeFilter = `filter=${encodeURIComponent('*a'.repeat(3_000) + '*b')}`;
  const one = async (path: string, accept: string): Promise<void> => {
    requests++;
    const t0 = performance.now();
    let status: string;
    try {
      const r = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { accept }, signal: AbortSignal.timeout(15_000) });
      await r.arrayBuffer();
      status = String(r.status);
    } catch (error) {
      status = error instanceof Error ? error.name : 'error';
    }
    latencies.push(performance.now() - t0);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
  };
  while (Date.now() < untilMs) {
    await Promise.all([
      ...Array.from({ length: 20 }, () => one('/metrics', 'text/plain')),
      ...Array.from({ length: 10 }, () => one('/metrics', 'application/json')),
      ...Array.from({ length: 5 }, () => one('/metrics', 'application/openmetrics-text')),
      ...Array.from({ length: 5 }, () => one(`/metrics?${manyFilters}`, 'text/plain')),
      ...Array.from({ length: 2 }, () => one(`/metrics?${hugeFilter}`, 'application/json')),
    ]);
    await sleep(200);
  }
  return { requests, statuses, latencies };
}

it(`soak: ${SECONDS} s under load and faults, nothing lost uncounted, flat heap, loop never blocked`, async () => {
  const D = SECONDS * 1000;
  const timeline: string[] = [];
  const t0 = Date.now();
  const note = (what: string): void => {
    timeline.push(`${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${what}`);
  };

  let statsd: StatsdServer = await startStatsd({ flushIntervalMs: STATSD_FLUSH_MS });
  const statsdDir = statsd.dir;
  cleanups.push(async () => statsd.dispose());
  let carbon: CarbonServer = await startCarbon();
  const carbonPorts = { line: carbon.linePort, pickle: carbon.picklePort, udp: carbon.udpPort };
  cleanups.push(async () => carbon.kill());
  const stall: StallPeer = await startStallPeer();
  cleanups.push(async () => stall.close());

  const service = await startService({
    seconds: SECONDS,
    intervalMs: INTERVAL_MS,
    stallIntervalMs: 100,
    shards: SHARDS,
    statsdUdpPort: statsd.udpPort,
    statsdTcpPort: statsd.tcpPort,
    carbonPicklePort: carbon.picklePort,
    stallPort: stall.port,
    stallQueueBytes: 64 * 1024,
  });
  const prometheus: PrometheusServer = await startPrometheus([{ name: 'soak', target: `127.0.0.1:${service.port}` }]);
  cleanups.push(async () => prometheus.stop());
  note(`service on port ${service.port}, StatsD, carbon, stall peer and Prometheus up`);

  const loadStart = Date.now();
  const load = runLoad(`http://127.0.0.1:${service.port}/work`);
  const probeAbort = new AbortController();
  const probe = probeScrapes(service.port, probeAbort.signal);
  const at = (fraction: number): Promise<void> => sleep(Math.max(0, loadStart + fraction * D - Date.now()));

  const statsdWindows: { udp: RiskWindow[]; tcpFrom: number[]; killedAt: number[] } = { udp: [], tcpFrom: [], killedAt: [] };
  const killStatsd = async (): Promise<void> => {
    // StatsD runs its flush timer before it reads its sockets in a turn of its loop, so
    // data that reached it shortly before its last flush may not be counted in it: the
    // window starts at the flush before (everything that arrived before that one was
    // read before the last one).
    const flushes = statsd.flushes();
    const lastFlushWall = flushes.at(-1)?.wallMs ?? loadStart;
    const fromWall = flushes.at(-2)?.wallMs ?? loadStart;
    await statsd.kill();
    const killedAt = Date.now();
    note(`StatsD killed (SIGKILL); its last flush was ${killedAt - lastFlushWall} ms before`);
    await sleep(2_000);
    statsd = await startStatsd({ flushIntervalMs: STATSD_FLUSH_MS, udpPort: statsd.udpPort, tcpPort: statsd.tcpPort, dir: statsdDir });
    const readyAt = Date.now();
    note(`StatsD restarted on the same ports (${readyAt - killedAt} ms down)`);
    statsdWindows.udp.push({ fromMs: fromWall, toMs: readyAt, why: 'UDP to a StatsD killed (since the flush before its last) or down' });
    statsdWindows.tcpFrom.push(fromWall);
    statsdWindows.killedAt.push(killedAt);
  };

  /** Per tracked path: the newest stored second before the kill, and when the kill was. */
  const carbonKills: { storedTs: Map<string, number>; killedAt: number }[] = [];
  const trackedPaths = (): string[] => {
    const paths = ['g.soak.events.count', 'g.soak.items.count', 'g.soak.work.count', 'g.soak.size.count'];
    for (let i = 0; i < SHARDS; i++) paths.push(`g.soak.fanout.count;shard=${i}`);
    return paths;
  };
  const killCarbon = async (): Promise<void> => {
    const storedTs = new Map<string, number>();
    for (const p of trackedPaths()) storedTs.set(p, readSeries(carbon.whisperDir, p).at(-1)?.[0] ?? 0);
    await carbon.kill();
    const killedAt = Date.now();
    carbonKills.push({ storedTs, killedAt });
    note('carbon-cache killed (SIGKILL): its cache of unwritten points is gone');
    carbon = await startCarbon({ ports: carbonPorts, dir: carbon.dir });
    note(`carbon-cache restarted on the same ports (${Date.now() - killedAt} ms down)`);
  };

  const schedule = (async () => {
    await at(0.1);
    await stall.stall();
    note('stall peer stops reading');
    await at(0.25);
    await killStatsd();
    await at(0.4);
    await killCarbon();
    await at(0.5);
    const hangMs = Math.min(8_000, 0.1 * D);
    service.child.send({ type: 'hang', ms: hangMs });
    note(`gauge soak.slow hangs for ${hangMs / 1000} s (timeout 250 ms)`);
    await at(0.55);
    note('hostile scrapes start');
    const hostileDone = hostileScrapes(service.port, loadStart + 0.75 * D).then((h) => {
      note(`hostile scrapes end: ${h.requests} requests, statuses ${JSON.stringify(Object.fromEntries(h.statuses))}`);
      return h;
    });
    await at(0.7);
    await stall.release();
    note('stall peer reads again');
    await at(0.8);
    await killStatsd();
    return hostileDone;
  })();
  const hostile = await schedule;
  await stall.release();
  const loadResult = await load;
  note(`load done: ${loadResult.requests.total} requests, ${loadResult['2xx']} 2xx, ${loadResult.non2xx} non-2xx, ${loadResult.errors} errors`);
  probeAbort.abort();
  await probe.done;

  const resultAt = Date.now();
  const result = await service.result();
  note(`reporters stopped (final reports) in ${result.stopTotalMs} ms`);

  // Read back what each server stored, once it has had time to store the final reports.
  await waitUntil(() => statsd.flushes().some((f) => f.wallMs > Date.now() - 10_000 && f.wallMs > resultAt + 2 * STATSD_FLUSH_MS + result.stopTotalMs), {
    what: 'two StatsD flushes after the final reports',
    timeoutMs: 20_000,
    pollMs: 250,
  });
  const statsdTotals = statsd.totals();
  const statsdTotalsFlushes = statsd.flushes();
  const recorded = new Map<string, number>();
  for (const r of result.recorded) recorded.set(recordedIdentity(r.name, r.tags), (recorded.get(recordedIdentity(r.name, r.tags)) ?? 0) + r.count);

  const channel = (name: string): Result['channels'][string] => result.channels[name]!;
  const countAccount = (name: string, prefix: string, delivered: ReadonlyMap<string, number>, windows: RiskWindow[], ignoreTag?: string): CountAccount =>
    accountCounts(recorded, channel(name).ledger.counts!, delivered, prefix, windows, channel(name).ledger.bucketMs!, trackStatsd, ignoreTag);
  const tcpWindows: RiskWindow[] = statsdWindows.tcpFrom.map((fromMs, i) => {
    const killedAt = statsdWindows.killedAt[i]!;
    // Until the transport learned the connection was gone (its first connection failure after the kill).
    const learned = channel('statsd-tcp').connectionFailuresAtMs.find((t) => t >= killedAt - 1_000) ?? killedAt;
    return { fromMs, toMs: Math.max(learned, killedAt), why: 'TCP bytes the kernel took before StatsD died' };
  });
  const udp = countAccount('statsd-udp', 'u', statsdTotals.counters, statsdWindows.udp);
  const tcp = countAccount('statsd-tcp', 't', statsdTotals.counters, tcpWindows);
  const stallEvents = Object.entries(channel('stalled-peer').ledger.counts!).find(([k]) => k.startsWith('s.soak.events;'));
  await waitUntil(() => stallEvents !== undefined && stall.counters().get(stallEvents[0]) === stallEvents[1].accepted, {
    what: 'the stall peer to read everything accepted',
    timeoutMs: 15_000,
    pollMs: 100,
  }).catch(() => undefined);
  const stalled = countAccount('stalled-peer', 's', stall.counters(), [], 'pad');

  // carbon: wait for the final count to be written, then read every counted series.
  const points = channel('carbon-pickle').ledger.points!;
  const finalSent = (path: string): number | undefined => points[path]?.at(-1)?.[1];
  await waitUntil(() => Object.keys(points).every((p) => readSeries(carbon.whisperDir, p).some(([, v]) => v === finalSent(p))), {
    what: 'carbon to write the final counts',
    timeoutMs: 20_000,
    pollMs: 250,
  }).catch(() => undefined);
  const stored = new Map(Object.keys(points).map((p) => [p, readSeries(carbon.whisperDir, p)]));
  const learnedCarbon = (killedAt: number): number =>
    channel('carbon-pickle').connectionFailuresAtMs.find((t) => t >= killedAt - 1_000) ?? killedAt;
  const carbonWindows: RiskWindow[] = carbonKills.map((k) => ({
    fromMs: Math.min(...[...k.storedTs.keys()].map((p) => points[p]?.find(([ts]) => ts === k.storedTs.get(p))?.[2] ?? k.killedAt)),
    toMs: Math.max(learnedCarbon(k.killedAt), k.killedAt),
    why: 'points in carbon-cache memory (not yet in whisper) when it was killed',
  }));
  const carbonAccount: PointAccount = accountPoints(points, stored, channel('carbon-pickle').ledger.refusedPoints ?? 0, carbonWindows);
  const graphiteRecorded = [...recorded.entries()].filter(([id]) => id.startsWith('soak.')).reduce((a, [, v]) => a + v, 0);

  // Prometheus: a scrape after the end holds the final totals.
  const promExpr = 'sum(soak_events_total) + sum(soak_fanout_total)';
  const promRecorded = (recorded.get('soak.events') ?? 0) + [...recorded.entries()].filter(([id]) => id.startsWith('soak.fanout;')).reduce((a, [, v]) => a + v, 0);
  let promValue = NaN;
  await waitUntil(
    async () => {
      const r = await prometheus.query(`timestamp(soak_events_total) > ${(resultAt + result.stopTotalMs) / 1000}`);
      if (r.length === 0) return false;
      promValue = Number((await prometheus.query(promExpr))[0]?.value[1]);
      return true;
    },
    { what: 'a Prometheus scrape after the end', timeoutMs: 15_000, pollMs: 250 },
  ).catch(() => undefined);
  const span = `${Math.ceil((Date.now() - loadStart) / 1000) + 5}s`;
  const scalar = async (expr: string): Promise<number> => Number((await prometheus.query(expr))[0]?.value[1] ?? NaN);
  const scrapes = await scalar(`count_over_time(up{job="soak"}[${span}])`);
  const scrapesUp = await scalar(`sum_over_time(up{job="soak"}[${span}])`);
  const promScrapeP99 = (await scalar(`quantile_over_time(0.99, scrape_duration_seconds{job="soak"}[${span}])`)) * 1000;
  const promScrapeMax = (await scalar(`max_over_time(scrape_duration_seconds{job="soak"}[${span}])`)) * 1000;

  service.child.send({ type: 'exit' });

  // Resources.
  const warmupMs = Math.max(10_000, 0.15 * D);
  const heap = heapTrend(result.heap.samples, warmupMs + (loadStart - result.startMs)); // samples are timed from the service's start
  // Blocks before the load starts (module loading, JIT warm-up, first reports) are shown apart.
  const loadAtServiceMs = loadStart - result.startMs;
  const startupBlocks = attributeBlocks(result.loop.blocks.filter((b) => b.atMs < loadAtServiceMs)).onCpu;
  const { onCpu, offCpu } = attributeBlocks(result.loop.blocks.filter((b) => b.atMs >= loadAtServiceMs));
  const probeP99 = quantile(probe.latencies, 0.99);
  const hostileP99 = quantile(hostile.latencies, 0.99);

  const c = (a: CountAccount): string[] => [
    String(a.recorded),
    String(a.accepted),
    String(a.delivered),
    String(a.droppedCounted),
    String(a.lostUnknowable),
    String(a.lostUncounted + a.lostBeforeWire),
    String(a.forged),
  ];
  const t = (name: string): string => {
    const ch = channel(name);
    return `${ch.reporterStats.reports} / ${ch.reporterStats.skipped} / ${ch.reporterStats.failures} / ${ch.ledger.stats.droppedLines}`;
  };
  const rows: string[][] = [
    ['', 'StatsD UDP', 'StatsD TCP', 'carbon pickle', 'stalled peer (TCP)', 'Prometheus'],
    ['events recorded (counted series)', ...c(udp).slice(0, 1), ...c(tcp).slice(0, 1), String(graphiteRecorded), ...c(stalled).slice(0, 1), String(promRecorded)],
    ['accepted by the transport', c(udp)[1]!, c(tcp)[1]!, `${carbonAccount.accepted} points`, c(stalled)[1]!, '-'],
    ['delivered (read back from the server)', c(udp)[2]!, c(tcp)[2]!, `${carbonAccount.stored} points; count ${carbonAccount.finalCount}`, c(stalled)[2]!, String(promValue)],
    ['dropped and counted', c(udp)[3]!, c(tcp)[3]!, `${carbonAccount.droppedCounted} points`, c(stalled)[3]!, `${scrapes - scrapesUp} failed scrapes (up=0)`],
    ['lost, unknowable (risk windows)', c(udp)[4]!, c(tcp)[4]!, `${carbonAccount.lostUnknowable} points`, c(stalled)[4]!, '-'],
    ['lost, not counted (must be 0)', c(udp)[5]!, c(tcp)[5]!, `${carbonAccount.lostUncounted} points`, c(stalled)[5]!, String(promRecorded - promValue)],
    ['forged (must be 0)', c(udp)[6]!, c(tcp)[6]!, `${carbonAccount.forged} points`, c(stalled)[6]!, '-'],
    ['reports / skipped / failed / lines dropped', t('statsd-udp'), t('statsd-tcp'), t('carbon-pickle'), t('stalled-peer'), `${scrapes} scrapes`],
    ['heap MB after GC: start / after warm-up / end (peak)', `${mb(heap.startBytes)} / ${mb(heap.afterWarmupBytes)} / ${mb(heap.endBytes)} (${mb(result.heap.peak)})`, `trend ${mb(heap.fittedGrowthBytes)} MB (bound ${mb(heap.boundBytes)})`, heap.trend ? 'TREND' : 'flat', '', ''],
    ['event-loop delay p99 / max ms', `${ms(result.loop.p99Ms)} / ${ms(result.loop.maxMs)}`, `${onCpu.length} blocks > 50 ms on CPU`, `${offCpu.length} off CPU (host)`, '', ''],
    ['scrape latency p99 ms: probe / hostile / Prometheus (max)', ms(probeP99), ms(hostileP99), `${ms(promScrapeP99)} (${ms(promScrapeMax)})`, '', ''],
  ];
  const table = renderTable(rows);
  const details = [
    `Soak: ${SECONDS} s, ${RATE} req/s over 4 connections, reports every ${INTERVAL_MS} ms, ${SHARDS} shards; node ${process.version}`,
    `requests: ${loadResult.requests.total} (${loadResult['2xx']} 2xx); counter soak.events ${result.eventsCount}, increments made ${result.incs}; invalid values ${result.invalidValues}`,
    `hostile scrapes: ${hostile.requests}, statuses ${JSON.stringify(Object.fromEntries(hostile.statuses))}; probe failures ${probe.failures()}; endpoint errors ${JSON.stringify(result.endpointErrors)}; max scrapes in flight ${result.maxScrapesInFlight}`,
    ...Object.entries(result.channels).map(
      ([name, ch]) =>
        `${name}: reporter errors ${JSON.stringify(ch.reporterErrors)}, transport errors ${JSON.stringify(ch.transportErrors)}, ` +
        `${mb(ch.ledger.stats.sentBytes)} MB sent, ${ch.ledger.stats.droppedLines} records dropped, stop ${ch.stopMs} ms, reconnects ${ch.ledger.stats.reconnects}`,
    ),
    `heap after GC, MB, every ~${Math.round(SECONDS / 10)} s: ${result.heap.samples
      .filter((_, i) => i % 2 === 1)
      .filter((_, i, all) => i % Math.max(1, Math.round(all.length / 10)) === 0 || i === all.length - 1)
      .map((b) => mb(b))
      .join(' ')}`,
    ...statsdWindows.killedAt.map((k) => {
      const near = (t: number): boolean => t >= k - 3_000 && t <= k + 6_000;
      const rel = (t: number): string => `${t - k >= 0 ? '+' : ''}${t - k}`;
      const sent = channel('statsd-tcp').ledger.counts!['t.soak.events']?.acceptedAt.filter(([t]) => near(t)) ?? [];
      const got = statsdTotalsFlushes.filter((f) => near(f.wallMs)).map((f) => [f.wallMs, f.counters['t.soak.events'] ?? 0] as const);
      return `StatsD kill at ${((k - t0) / 1000).toFixed(1)} s: t.soak.events accepted (ms from kill: value) ${sent.map(([t, v]) => `${rel(t)}:${v}`).join(' ')}; flushed ${got.map(([t, v]) => `${rel(t)}:${v}`).join(' ')}`;
    }),
    `risk windows: ${[...statsdWindows.udp, ...tcpWindows, ...carbonWindows].map((w) => `${w.why} ${w.toMs - w.fromMs} ms`).join('; ')}`,
    `on-CPU blocks (gap ms/CPU ms@timeline s(scrapes in flight)): ${onCpu.slice(0, 10).map((b) => `${b.gapMs}/${b.cpuMs}@${((b.atMs + result.startMs - t0) / 1000).toFixed(1)}s(${b.scrapesInFlight})`).join(' ') || 'none'}`,
    `on-CPU blocks before the load started (not judged): ${startupBlocks.map((b) => `${b.gapMs}/${b.cpuMs}@${((b.atMs + result.startMs - t0) / 1000).toFixed(1)}s`).join(' ') || 'none'}`,
    `off-CPU gaps: ${offCpu.length} (longest ${Math.max(0, ...offCpu.map((b) => b.gapMs))} ms; most CPU in one ${Math.max(0, ...offCpu.map((b) => b.cpuMs))} ms)`,
    ...[udp, tcp, stalled].flatMap((a, i) => a.problems.slice(0, 8).map((p) => `${['statsd-udp', 'statsd-tcp', 'stalled-peer'][i]!} problem: ${p}`)),
    ...carbonAccount.problems.slice(0, 8).map((p) => `carbon problem: ${p}`),
    '',
    'timeline:',
    ...timeline,
  ].join('\n');
  const report = `${table}\n\n${details}\n`;
  if (OUT !== undefined) writeFileSync(OUT, report);
  else console.log(report);

  // The verdict.
  expect.soft(result.incs, 'every increment counted by the counter').toBe(result.eventsCount);
  for (const [name, a] of [['statsd-udp', udp], ['statsd-tcp', tcp], ['stalled-peer', stalled]] as const) {
    expect.soft(a.lostUncounted, `${name}: lost and not counted`).toBe(0);
    expect.soft(a.lostBeforeWire, `${name}: lost inside tapemeasure`).toBe(0);
    expect.soft(a.forged, `${name}: forged`).toBe(0);
  }
  expect.soft(carbonAccount.lostUncounted, 'carbon: points lost and not counted').toBe(0);
  expect.soft(carbonAccount.forged, 'carbon: forged points').toBe(0);
  expect.soft(carbonAccount.finalCount, 'carbon: final counts').toBe(graphiteRecorded);
  expect.soft(promValue, 'Prometheus: final totals').toBe(promRecorded);
  expect.soft(heap.trend, 'heap trend').toBe(false);
  expect.soft(onCpu.length, 'loop blocks over 50 ms on CPU').toBe(0);
}, (SECONDS + 240) * 1000);
