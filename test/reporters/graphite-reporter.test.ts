import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock, type Clock } from '../../src/clock.js';
import { ErrorCodes } from '../../src/errors.js';
import { encodeGraphitePickle } from '../../src/formats/graphite-pickle.js';
import { GraphiteClient } from '../../src/clients/graphite-client.js';
import { Registry } from '../../src/registry/registry.js';
import { GraphiteReporter } from '../../src/reporters/graphite-reporter.js';

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

/** Waits for real I/O (never for time): polls a condition with a deadline. */
async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for data');
    await new Promise((r) => setImmediate(r));
  }
}

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
    const reporter = new GraphiteReporter({ registry, port: sink.port, protocol: 'tcp', prefix: 'app', durationUnit: 's' });
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
          (s) => `app.t.${s};method=GET;route=/a_b`,
        ),
      ].sort(),
    );
    expect(byPath.get('app.c.count')).toBe(`app.c.count 3 ${T0}`);
    expect(byPath.get('app.g')).toBe(`app.g -1.5 ${T0}`);
    expect(byPath.get('app.h.mean')).toBe(`app.h.mean 20 ${T0}`);
    // durationUnit 's': 1500 ms is 1.5
    expect(byPath.get('app.t.max;method=GET;route=/a_b')).toBe(`app.t.max;method=GET;route=/a_b 1.5 ${T0}`);
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
    });
    await reporter.stop();
    expect(sink.text()).toBe(`x.count;env=dev;host=web_1 1 ${T0}\n`);
  });
});

describe('GraphiteReporter: one persistent connection', () => {
  it('reuses one TCP connection for every report', async () => {
    const sink = await tcpSink();
    cleanup.push(sink.close);
    const clock = new ManualClock({ nowMs: T0 * 1000 });
    const registry = new Registry({ clock });
    const c = registry.counter('n');
    const reporter = new GraphiteReporter({ registry, port: sink.port });
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
    const reporter = new GraphiteReporter({ registry, port: sink.port, protocol: 'pickle' });
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
    const reporter = new GraphiteReporter({ registry, port: sink.port, protocol: 'pickle', maxFrameBytes: 1_000 });
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
    const reporter = new GraphiteReporter({ registry, port: sink.port, protocol: 'udp', maxDatagramBytes: 512 });
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
    const reporter = new GraphiteReporter({ registry, port: sink.port, clock }).start(10_000);
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

describe('GraphiteReporter and GraphiteClient options', () => {
  it('rejects bad options with ERR_TAPEMEASURE_INVALID_OPTION', () => {
    const registry = new Registry();
    const invalid: unknown = expect.objectContaining({ code: ErrorCodes.INVALID_OPTION });
    expect(() => new GraphiteReporter({ registry, protocol: 'http' as never })).toThrow(invalid);
    expect(() => new GraphiteReporter({ registry, port: 70_000 })).toThrow(invalid);
    expect(() => new GraphiteReporter({ registry, host: 'a b' })).toThrow(invalid);
    expect(() => new GraphiteReporter({ registry, maxFrameBytes: 10 })).toThrow(invalid);
    expect(() => new GraphiteReporter({ registry, prefix: 5 as never })).toThrow(invalid);
    expect(() => new GraphiteReporter({ registry, closeTimeoutMs: -1 })).toThrow(invalid);
    expect(() => new GraphiteClient({ maxQueueBytes: 0 })).toThrow(invalid);
  });

  it('reads GRAPHITE_HOST, GRAPHITE_PORT and GRAPHITE_PROTOCOL when not given', () => {
    vi.stubEnv('GRAPHITE_HOST', '10.0.0.7');
    vi.stubEnv('GRAPHITE_PORT', '2114');
    vi.stubEnv('GRAPHITE_PROTOCOL', 'pickle');
    try {
      const client = new GraphiteClient();
      expect([client.host, client.port, client.protocol]).toEqual(['10.0.0.7', 2114, 'pickle']);
      vi.stubEnv('GRAPHITE_PORT', '');
      expect(new GraphiteClient().port).toBe(2004);
      vi.stubEnv('GRAPHITE_PROTOCOL', 'udp');
      expect(new GraphiteClient().port).toBe(2003);
      vi.stubEnv('GRAPHITE_PORT', 'abc');
      expect(() => new GraphiteClient()).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('counts the points still unsent when close() gives up, frames included', async () => {
    const sink = await tcpSink();
    const deadPort = sink.port;
    await sink.close(); // nothing listens there now
    for (const protocol of ['tcp', 'pickle'] as const) {
      const client = new GraphiteClient({ port: deadPort, protocol, onError: () => {} });
      client.sendMany({ a: 1, b: 2, c: 3 }, T0);
      client.sendMany({ d: 4, e: 5 }, T0 + 1);
      await client.close(50);
      expect([protocol, client.stats.droppedPoints]).toEqual([protocol, 5]);
      expect(client.stats.queuedPoints).toBe(0);
    }
  });

  it('a client never throws on bad input: it drops and counts', async () => {
    const client = new GraphiteClient({ port: 9 });
    expect(client.send('', 1)).toBe(false);
    expect(client.send('x', Number.POSITIVE_INFINITY)).toBe(false);
    expect(client.send(undefined as never, 1)).toBe(false);
    expect(client.send('x', 1, Number.NaN)).toBe(false);
    expect(client.send('x', 1, 1_700_000_000_000)).toBe(false); // milliseconds by mistake
    expect(client.sendMany([null as never, { path: 'ok', value: Number.NaN }])).toBe(0);
    expect(client.stats.droppedPoints).toBe(7);
    await client.close(0);
    expect(client.send('x', 1)).toBe(false);
  });
});
