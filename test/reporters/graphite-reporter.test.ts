import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock, type Clock } from '../../src/clock.js';
import { ErrorCodes } from '../../src/errors.js';
import { encodeGraphitePickle } from '../../src/formats/graphite-pickle.js';
import { Registry } from '../../src/registry/registry.js';
import { GraphiteReporter } from '../../src/reporters/graphite-reporter.js';
import type { ReporterError } from '../../src/reporters/scheduled-reporter.js';
import { MemoryTransport } from '../../src/transports/memory.js';
import { waitUntil } from '../helpers/wait.js';

/** A loopback TCP server on port 0 that keeps every byte and counts connections. */
type Sink = { port: number; bytes: () => Buffer; text: () => string; connections: () => number; close: () => Promise<void> };

async function tcpSink(): Promise<Sink> {
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    bytes: () => Buffer.concat(chunks),
    text: () => Buffer.concat(chunks).toString('utf8'),
    connections: () => connections,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function udpSink(): Promise<{ port: number; datagrams: Buffer[]; close: () => Promise<void> }> {
  const socket: UdpSocket = createSocket('udp4');
  const datagrams: Buffer[] = [];
  socket.on('message', (m) => datagrams.push(m));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, datagrams, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}

/** Waits for real I/O (never for time). */
const until = (check: () => boolean): Promise<unknown> => waitUntil(check, { what: 'the data', pollMs: 1 });

const T0 = 1_700_000_000; // seconds

function registryWithEverything(clock: ManualClock): Registry {
  const registry = new Registry({ clock });
  registry.counter('c').inc(3);
  registry.gauge('g').set(-1.5);
  registry.meter('m').mark(2);
  const h = registry.histogram('h');
  h.record(10);
  h.record(30);
  registry.histogram('empty');
  registry.timer('t', { tags: { route: '/a b', method: 'GET' } }).update(1500);
  return registry;
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

describe('GraphiteReporter: the datapoints of a report', () => {
  it("uses Dropwizard's suffixes, the bare name for gauges, Graphite 1.1 tags, and nothing for an empty window", async () => {
    const sink = await tcpSink();
    cleanup.push(sink.close);
    const clock = new ManualClock({ nowMs: T0 * 1000 + 999 });
    const registry = registryWithEverything(clock);
    const reporter = new GraphiteReporter({ registry, port: sink.port, protocol: 'tcp', prefix: 'app', durationUnit: 's', env: {} });
    await reporter.report();
    await reporter.stop();
    const lines = sink.text().split('\n').filter(Boolean);
    const byPath = new Map(lines.map((l) => [l.split(' ')[0]!, l]));
    // Two reports (report() and the final one) with the same second and values.
    expect(lines.length).toBe(2 * byPath.size);
    for (const l of lines) expect(l.split(' ')[2]).toBe(String(T0));
    expect([...byPath.keys()].sort()).toEqual(
      [
        'app.c.count',
        'app.g',
        ...['count', 'm1_rate', 'm5_rate', 'm15_rate', 'mean_rate'].map((s) => `app.m.${s}`),
        ...['count', 'min', 'max', 'mean', 'stddev', 'p50', 'p75', 'p95', 'p98', 'p99', 'p999'].map((s) => `app.h.${s}`),
        'app.empty.count',
        ...['count', 'm1_rate', 'm5_rate', 'm15_rate', 'mean_rate', 'min', 'max', 'mean', 'stddev', 'p50', 'p75', 'p95', 'p98', 'p99', 'p999'].map(
          (s) => `app.t.${s};method=GET;route=/a%20b`,
        ),
      ].sort(),
    );
    expect(byPath.get('app.c.count')).toBe(`app.c.count 3 ${T0}`);
    expect(byPath.get('app.g')).toBe(`app.g -1.5 ${T0}`);
    expect(byPath.get('app.h.mean')).toBe(`app.h.mean 20 ${T0}`);
    // durationUnit 's': 1500 ms is 1.5
    expect(byPath.get('app.t.max;method=GET;route=/a%20b')).toBe(`app.t.max;method=GET;route=/a%20b 1.5 ${T0}`);
    expect(sink.connections()).toBe(1);
  });

  it('merges global tags under the metric’s own, and sends a NaN-free report', async () => {
    const sink = await tcpSink();
    cleanup.push(sink.close);
    const clock = new ManualClock({ nowMs: T0 * 1000 });
    const registry = new Registry({ clock });
    registry.counter('x', { tags: { env: 'dev' } }).inc();
    registry.gauge('bad', () => Number.NaN);
    const reporter = new GraphiteReporter({
      registry,
      port: sink.port,
      tags: { env: 'prod', host: 'web 1' },
      onError: () => {},
      env: {},
    });
    await reporter.stop();
    expect(sink.text()).toBe(`x.count;env=dev;host=web%201 1 ${T0}\n`);
  });
});

describe('GraphiteReporter: one persistent connection', () => {
  it('reuses one TCP connection for every report', async () => {
    const sink = await tcpSink();
    cleanup.push(sink.close);
    const clock = new ManualClock({ nowMs: T0 * 1000 });
    const registry = new Registry({ clock });
    const c = registry.counter('n');
    const reporter = new GraphiteReporter({ registry, port: sink.port, env: {} });
    for (let i = 1; i <= 5; i++) {
      c.inc();
      clock.advance(1_000);
      await reporter.report();
    }
    await until(() => sink.text().split('\n').length > 5);
    await reporter.stop();
    expect(sink.connections()).toBe(1);
    expect(sink.text().split('\n').filter(Boolean).slice(0, 5)).toEqual(
      [1, 2, 3, 4, 5].map((i) => `n.count ${i} ${T0 + i}`),
    );
  });

  it('pickle: writes length-prefixed frames equal to the encoder’s', async () => {
    const sink = await tcpSink();
    cleanup.push(sink.close);
    const clock = new ManualClock({ nowMs: T0 * 1000 });
    const registry = new Registry({ clock });
    registry.counter('a').inc(2);
    registry.gauge('b').set(0.1 + 0.2);
    const reporter = new GraphiteReporter({ registry, port: sink.port, protocol: 'pickle', env: {} });
    await reporter.stop();
    const expected = encodeGraphitePickle([
      { path: 'a.count', value: 2, timestampS: T0 },
      { path: 'b', value: 0.1 + 0.2, timestampS: T0 },
    ]).frames[0]!;
    await until(() => sink.bytes().length >= expected.length);
    expect(sink.bytes().equals(expected)).toBe(true);
  });

  it('pickle: a report larger than maxFrameBytes goes out in several frames, none larger', async () => {
    const sink = await tcpSink();
    cleanup.push(sink.close);
    const clock = new ManualClock({ nowMs: T0 * 1000 });
    const registry = new Registry({ clock });
    for (let i = 0; i < 300; i++) registry.gauge(`series.number${i}`).set(i);
    const reporter = new GraphiteReporter({ registry, port: sink.port, protocol: 'pickle', maxFrameBytes: 1_000, env: {} });
    await reporter.stop();
    const data = sink.bytes();
    let frames = 0;
    for (let at = 0; at < data.length; ) {
      const len = data.readUInt32BE(at);
      expect(len).toBeLessThanOrEqual(1_000);
      at += 4 + len;
      frames++;
    }
    expect(frames).toBeGreaterThan(5);
    expect(reporter.stats.dropped).toBe(0);
  });
});

describe('GraphiteReporter over UDP', () => {
  it('packs whole lines into datagrams no larger than maxDatagramBytes', async () => {
    const sink = await udpSink();
    cleanup.push(sink.close);
    const clock = new ManualClock({ nowMs: T0 * 1000 });
    const registry = new Registry({ clock });
    for (let i = 0; i < 100; i++) registry.gauge(`udp.gauge${i}`).set(i * 1.25);
    const reporter = new GraphiteReporter({ registry, port: sink.port, protocol: 'udp', maxDatagramBytes: 512, env: {} });
    await reporter.stop();
    await until(() => sink.datagrams.reduce((n, d) => n + d.toString().split('\n').filter(Boolean).length, 0) >= 100);
    const lines: string[] = [];
    for (const d of sink.datagrams) {
      expect(d.length).toBeLessThanOrEqual(512);
      for (const l of d.toString().split('\n').filter(Boolean)) lines.push(l);
    }
    expect(sink.datagrams.length).toBeGreaterThan(5);
    expect(lines.sort()).toEqual(Array.from({ length: 100 }, (_, i) => `udp.gauge${i} ${i * 1.25} ${T0}`).sort());
  });
});

describe('GraphiteReporter: scheduled timestamps', () => {
  it('stamps scheduled reports with whole seconds aligned to the interval', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(T0 * 1000 + 3_456);
    const clock: Clock = { now: () => Date.now(), monotonicMs: () => Date.now() };
    const sink = await tcpSink();
    cleanup.push(sink.close);
    const registry = new Registry({ clock });
    registry.gauge('aligned').set(1);
    const reporter = new GraphiteReporter({ registry, port: sink.port, clock, env: {} }).start(10_000);
    await vi.advanceTimersByTimeAsync(10_000); // fires at T0+10 s
    await vi.advanceTimersByTimeAsync(10_000); // fires at T0+20 s
    await until(() => sink.text().split('\n').filter(Boolean).length >= 2);
    await reporter.stop();
    const stamps = sink
      .text()
      .split('\n')
      .filter(Boolean)
      .map((l) => Number(l.split(' ')[2]));
    expect(stamps.slice(0, 2)).toEqual([T0 + 10, T0 + 20]);
  });
});

describe('GraphiteReporter over a transport you pass', () => {
  it('sends plaintext lines to a MemoryTransport, and leaves it open', async () => {
    const clock = new ManualClock({ nowMs: T0 * 1000 });
    const registry = new Registry({ clock });
    registry.counter('jobs').inc(2);
    registry.gauge('temp').set(-1.5);
    const transport = new MemoryTransport();
    const reporter = new GraphiteReporter({ registry, transport, prefix: 'web1', env: {} });
    await reporter.report();
    expect(transport.lines()).toEqual([`web1.jobs.count 2 ${T0}`, `web1.temp -1.5 ${T0}`]);
    await reporter.stop();
    expect(transport.closed).toBe(false);
    expect(reporter.stats.bytes).toBe(transport.stats.sentBytes);
  });

  it("with protocol 'pickle', sends frames equal to the encoder's", async () => {
    const clock = new ManualClock({ nowMs: T0 * 1000 });
    const registry = new Registry({ clock });
    registry.counter('a').inc(1);
    const transport = new MemoryTransport({ framing: 'raw' });
    const reporter = new GraphiteReporter({ registry, transport, protocol: 'pickle', env: {} });
    await reporter.report();
    expect(transport.bytes().equals(encodeGraphitePickle([{ path: 'a.count', value: 1, timestampS: T0 }]).frames[0]!)).toBe(true);
    await reporter.stop();
  });

  it('counts what the transport refused as dropped', async () => {
    const registry = new Registry();
    for (let i = 0; i < 10; i++) registry.gauge(`g${i}`).set(i);
    const transport = new MemoryTransport({ maxBytes: 60, onError: () => {} });
    const reporter = new GraphiteReporter({ registry, transport, env: {} });
    await reporter.report();
    expect(reporter.stats.dropped).toBe(transport.stats.droppedLines);
    expect(reporter.stats.dropped).toBeGreaterThan(0);
    expect(transport.stats.sentLines + transport.stats.droppedLines).toBe(10);
    await reporter.stop();
  });

  it('reads GRAPHITE_PREFIX, GRAPHITE_PROTOCOL and the target from env', async () => {
    const clock = new ManualClock({ nowMs: T0 * 1000 });
    const registry = new Registry({ clock });
    registry.gauge('x').set(1);
    const transport = new MemoryTransport({ framing: 'raw' });
    const env = { GRAPHITE_PREFIX: 'from.env', GRAPHITE_PROTOCOL: 'PICKLE' };
    await new GraphiteReporter({ registry, transport, env }).stop();
    expect(transport.bytes().equals(encodeGraphitePickle([{ path: 'from.env.x', value: 1, timestampS: T0 }]).frames[0]!)).toBe(true);
  });
});

describe('GraphiteReporter while carbon is away', () => {
  it("drops the oldest records beyond maxQueueBytes and tells onError (QUEUE_FULL, kind 'transport')", async () => {
    const sink = await tcpSink();
    const port = sink.port;
    await sink.close(); // nothing listens there now
    const registry = new Registry();
    for (let i = 0; i < 50; i++) registry.gauge(`g${i}`).set(i);
    const errors: ReporterError[] = [];
    const reporter = new GraphiteReporter({ registry, port, maxQueueBytes: 1_024, closeTimeoutMs: 50, onError: (e) => errors.push(e), env: {} });
    await reporter.report();
    await reporter.report();
    const queueFull = errors.filter((e) => (e.cause as { code?: string } | undefined)?.code === ErrorCodes.QUEUE_FULL);
    expect(queueFull).toHaveLength(1);
    expect(queueFull[0]!.kind).toBe('transport');
    expect(reporter.transportStats.queuedBytes).toBeLessThanOrEqual(1_024);
    expect(reporter.stats.dropped).toBe(reporter.transportStats.droppedLines);
    await reporter.stop();
    const t = reporter.transportStats;
    expect(t.sentLines).toBe(0);
    expect(t.droppedLines).toBe(150); // three reports of 50 lines: every one accounted for
    expect(reporter.stats.dropped).toBe(150);
  });
});

describe('GraphiteReporter options', () => {
  const invalid: unknown = expect.objectContaining({ code: ErrorCodes.INVALID_OPTION });
  it.each([
    ['host', 'a b'],
    ['port', 70_000],
    ['protocol', 'http'],
    ['prefix', 5],
    ['tags', { 'a b': 'v' }],
    ['tags', { k: '' }],
    ['tags', 'env=prod'],
    ['maxQueueBytes', 0],
    ['maxDatagramBytes', 70_000],
    ['maxFrameBytes', 10],
    ['dropPolicy', 'none'],
    ['flushIntervalMs', 1e9],
    ['transport', { send: () => true }],
    ['env', [1]],
    ['closeTimeoutMs', -1],
    ['statistics', ['p42']],
  ])('rejects %s = %j', (key, value) => {
    expect(() => new GraphiteReporter({ env: {}, [key]: value })).toThrow(invalid);
  });

  it.each([
    ['protocl', 'protocol'],
    ['prefx', 'prefix'],
    ['maxFrameByte', 'maxFrameBytes'],
    ['tag', 'tags'],
    ['fliter', 'filter'],
  ])('rejects the unknown key %s, suggesting %s', (key, suggestion) => {
    expect(() => new GraphiteReporter({ env: {}, [key]: 'pickle' })).toThrow(
      expect.objectContaining({ code: ErrorCodes.UNKNOWN_OPTION, option: key, suggestion }),
    );
  });

  it('rejects bad environment variables, naming them', () => {
    for (const env of [{ GRAPHITE_PORT: 'abc' }, { GRAPHITE_PROTOCOL: 'http' }, { GRAPHITE_HOST: 'a\tb' }]) {
      expect(() => new GraphiteReporter({ env })).toThrow(
        expect.objectContaining({ code: ErrorCodes.INVALID_OPTION, option: `environment variable ${Object.keys(env)[0]!}` }),
      );
    }
  });

  it('rejects options that would configure a transport beside the one given', () => {
    expect(() => new GraphiteReporter({ env: {}, transport: new MemoryTransport(), port: 2003 })).toThrow(invalid);
  });
});

describe('GraphiteReporter paths carbon cannot store', () => {
  it('checks a path once, when built: points() leaves them out as the send does, and the send counts them', async () => {
    const registry = new Registry();
    registry.counter('ok.a').inc(2);
    // 70 tags of 250 characters: a path longer than the line carbon reads.
    const tags = Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`k${i}`, 'v'.repeat(250)]));
    registry.counter('bad.a', { tags }).inc(3);
    const transport = new MemoryTransport();
    const reporter = new GraphiteReporter({ registry, transport, selfMetrics: false, onError: () => {}, env: {} });
    const series = [...registry.metrics()].map((metric) => ({
      metric, name: metric.name, tags: metric.tags, type: metric.type, snapshot: metric.snapshot(),
      count: 1, countDelta: 1, value: null, error: null, fields: [{ statistic: 'count' as const, suffix: 'count', value: 1 }],
    }));
    // What points() says will be sent is what is sent: the unstorable path is not among them.
    expect(reporter.points({ timestampMs: 1_700_000_000_000, final: false, series }).map((p) => p.path)).toEqual(['ok.a.count']);
    await reporter.report();
    expect(transport.lines().map((line) => line.split(' ')[0])).toEqual(['ok.a.count']);
    expect(reporter.stats.dropped).toBe(1);
    await reporter.report();
    expect(reporter.stats.dropped).toBe(2);
    await reporter.stop();
  });
});
