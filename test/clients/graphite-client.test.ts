import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { ErrorCodes } from '../../src/errors.js';
import { GraphiteClient, type GraphiteClientOptions } from '../../src/clients/graphite-client.js';
import { encodeGraphitePickle } from '../../src/formats/graphite-pickle.js';
import { MemoryTransport } from '../../src/transports/memory.js';
import { TransportErrorCodes, type TransportError } from '../../src/transports/transport.js';
import { freePort } from '../helpers/net.js';
import { waitUntil } from '../helpers/wait.js';

const T0 = 1_700_000_000;

function client(options: GraphiteClientOptions = {}) {
  const transport = new MemoryTransport({ framing: options.protocol === 'pickle' ? 'raw' : 'lines' });
  const clock = new ManualClock({ nowMs: T0 * 1000 + 500 });
  return { transport, graphite: new GraphiteClient({ transport, clock, env: {}, ...options }) };
}

describe('GraphiteClient', () => {
  it('sends plaintext lines with the prefix, tags and a whole-second timestamp (golden)', async () => {
    const { transport, graphite } = client({ prefix: 'web1', tags: { dc: 'eu' } });
    expect(graphite.send('deploys', 1)).toBe(true);
    expect(graphite.send('build.seconds', 93.25, T0 - 7.9, { branch: 'main', dc: 'us' })).toBe(true);
    expect(graphite.sendMany({ 'queue.depth': 12, 'queue.lag': 0.1 + 0.2 }, T0)).toBe(2);
    expect(graphite.sendMultiple([{ path: 'a b', value: -1 }, { path: 'c', value: 2, timestampS: T0 + 1 }])).toBe(2);
    await graphite.stop();
    expect(transport.lines()).toEqual([
      `web1.deploys;dc=eu 1 ${T0}`,
      `web1.build.seconds;branch=main;dc=us 93.25 ${T0 - 8}`,
      `web1.queue.depth;dc=eu 12 ${T0}`,
      `web1.queue.lag;dc=eu 0.30000000000000004 ${T0}`,
      `web1.a%20b;dc=eu -1 ${T0}`,
      `web1.c;dc=eu 2 ${T0 + 1}`,
    ]);
  });

  it('sends pickle: one frame per send(), one per batch of sendMany()', async () => {
    const { transport, graphite } = client({ protocol: 'pickle' });
    graphite.send('a', 1, T0);
    graphite.sendMany({ b: 2, c: 3 }, T0);
    await graphite.stop();
    const expected = Buffer.concat([
      encodeGraphitePickle([{ path: 'a', value: 1, timestampS: T0 }]).frames[0]!,
      encodeGraphitePickle([
        { path: 'b', value: 2, timestampS: T0 },
        { path: 'c', value: 3, timestampS: T0 },
      ]).frames[0]!,
    ]);
    expect(transport.bytes().equals(expected)).toBe(true);
    expect(graphite.stats.sentLines).toBe(2); // records: two frames
  });

  it('never throws on bad input: it drops and counts', async () => {
    const { transport, graphite } = client();
    expect(graphite.send('', 1)).toBe(false);
    expect(graphite.send('x', Number.POSITIVE_INFINITY)).toBe(false);
    expect(graphite.send(undefined as never, 1)).toBe(false);
    expect(graphite.send('x', 1, Number.NaN)).toBe(false);
    expect(graphite.send('x', 1, 1_700_000_000_000)).toBe(false); // milliseconds by mistake
    expect(graphite.send('x', 1, 'now' as never)).toBe(false);
    expect(graphite.sendMany([null as never, { path: 'ok', value: Number.NaN }])).toBe(0);
    expect(graphite.sendMany(null as never)).toBe(0);
    expect(graphite.stats.invalid).toBe(8);
    expect(graphite.send('t', 1, T0, { k: 'v' })).toBe(true);
    await graphite.stop();
    expect(graphite.send('x', 1)).toBe(false);
    expect(graphite.stats.invalid).toBe(9);
    expect(transport.lines()).toEqual([`t;k=v 1 ${T0}`]);
  });

  // issue 11 #8: per-call tags `{ k: {} }` were sent as `k=[object Object]`, a getter that
  // throws threw out of send(); issue 11 #11: JSON's `{"__proto__": "x"}` was dropped silently.
  it('regression: drops and counts hostile tags, names and arguments, never throws', async () => {
    const { transport, graphite } = client();
    const throwing = { get path(): string { throw new Error('getter'); }, value: 1 };
    const hostile: (() => unknown)[] = [
      () => graphite.send('t', 1, T0, { k: {} } as never),
      () => graphite.send('t', 1, T0, { k: 5 } as never),
      () => graphite.send('t', 1, T0, { k: '' }),
      () => graphite.send('t', 1, T0, { 'a b': 'v' }),
      () => graphite.send('t', 1, T0, JSON.parse('{"__proto__":"x"}') as never),
      () => graphite.send('t', 1, T0, { k: '\ud800' }),
      () => graphite.send('t', 1, T0, [] as never),
      () => graphite.send('t', 1, T0, 'k=v' as never),
      () => graphite.send(Symbol('s') as never, 1, T0),
      () => graphite.send({ toString: () => 'x' } as never, 1, T0),
      () => graphite.send('t', 1, T0, { k: { toString(): string { throw new Error('toString'); } } } as never),
      () => graphite.send('t', 1, T0, new Proxy({}, { ownKeys: () => { throw new Error('proxy'); } })),
      () => graphite.sendMany([throwing]),
      () => graphite.sendMany({ [Symbol.iterator]: () => { throw new Error('iterator'); } } as never),
      () => graphite.send('a..b', 1, T0), // carbon stores it as a/b.wsp, as a.b
      () => graphite.send(`a.${'x'.repeat(252)}`, 1, T0), // a file name over 255 bytes
      () => graphite.send(`a.${'\u00e9'.repeat(126)}`, 1, T0), // 252 bytes once encoded
    ];
    for (const call of hostile) expect(call).not.toThrow();
    expect(graphite.stats.invalid).toBe(hostile.length);
    expect(graphite.send('t', 1, T0, { k: 'v', name: 'n' })).toBe(true);
    await graphite.stop();
    expect(transport.lines()).toEqual([`t;%6Eame=n;k=v 1 ${T0}`]);
  });

  // A pickle frame of a whole report (up to 1 MiB) larger than maxQueueBytes was refused
  // whole (RECORD_TOO_LARGE): every point in it lost, counted as one dropped record.
  it('regression: pickle frames fit in the queue, and a full queue reaches onError once until it drains', async () => {
    const stalled = createServer((socket) => socket.pause()); // accepts, never reads
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const { port } = stalled.address() as { port: number };
    const errors: TransportError[] = [];
    const graphite = new GraphiteClient({ port, protocol: 'pickle', maxQueueBytes: 10_000, onError: (e) => errors.push(e), env: {} });
    const points = Array.from({ length: 3000 }, (_, i) => ({ path: `queue.n${i}`, value: i, timestampS: T0 }));
    expect(graphite.sendMany(points)).toBeGreaterThan(100);
    expect(graphite.sendMany(points)).toBeGreaterThan(0);
    expect(errors.map((e) => e.code)).not.toContain(TransportErrorCodes.RECORD_TOO_LARGE);
    expect(errors.filter((e) => e.code === TransportErrorCodes.QUEUE_FULL)).toHaveLength(1);
    await graphite.stop();
    stalled.close();
  });

  it('regression: rejects at construction tags and prefixes it could not send', () => {
    const invalid: unknown = expect.objectContaining({ code: ErrorCodes.INVALID_OPTION });
    expect(() => new GraphiteClient({ tags: { k: 5 } as never, transport: new MemoryTransport(), env: {} })).toThrow(invalid);
    expect(() => new GraphiteClient({ tags: JSON.parse('{"__proto__":"x"}') as never, transport: new MemoryTransport(), env: {} })).toThrow(invalid);
    expect(() => new GraphiteClient({ prefix: 'a..b', transport: new MemoryTransport(), env: {} })).toThrow(invalid);
    expect(() => new GraphiteClient({ prefix: 'x'.repeat(256), transport: new MemoryTransport(), env: {} })).toThrow(invalid);
    expect(() => new GraphiteClient({ transport: new MemoryTransport(), env: { GRAPHITE_PREFIX: '.a' } })).toThrow(invalid);
    expect(new GraphiteClient({ prefix: 'a.b.', transport: new MemoryTransport(), env: {} })).toBeInstanceOf(GraphiteClient);
  });

  it('stops on await using, leaving a transport passed in open', async () => {
    const transport = new MemoryTransport();
    {
      await using graphite = new GraphiteClient({ transport, env: {} });
      graphite.send('x', 1, T0);
    }
    expect(transport.lines()).toEqual([`x 1 ${T0}`]);
    expect(transport.closed).toBe(false);
  });

  it('reads GRAPHITE_HOST, GRAPHITE_PORT, GRAPHITE_PROTOCOL and GRAPHITE_PREFIX from env only', async () => {
    const env = { GRAPHITE_HOST: '10.0.0.7', GRAPHITE_PORT: '2114', GRAPHITE_PROTOCOL: 'pickle' };
    const a = new GraphiteClient({ env });
    expect([a.host, a.port, a.protocol]).toEqual(['10.0.0.7', 2114, 'pickle']);
    const b = new GraphiteClient({ env: { ...env, GRAPHITE_PORT: '' } });
    expect(b.port).toBe(2004);
    const c = new GraphiteClient({ env: { GRAPHITE_PROTOCOL: 'udp' } });
    expect(c.port).toBe(2003);
    expect(() => new GraphiteClient({ env: { GRAPHITE_PORT: 'abc' } })).toThrow(
      expect.objectContaining({ code: ErrorCodes.INVALID_OPTION, option: 'environment variable GRAPHITE_PORT' }),
    );
    await Promise.all([a.stop(), b.stop(), c.stop()]);
    const transport = new MemoryTransport();
    const prefixed = new GraphiteClient({ transport, env: { GRAPHITE_PREFIX: 'svc' } });
    prefixed.send('x', 1, T0);
    await prefixed.stop();
    expect(transport.lines()).toEqual([`svc.x 1 ${T0}`]);
  });
});

describe('GraphiteClient over TCP when carbon is away', () => {
  it('drops the oldest records beyond maxQueueBytes, reports QUEUE_FULL, and sends the rest once carbon is up', async () => {
    const port = await freePort('tcp');
    const errors: TransportError[] = [];
    const graphite = new GraphiteClient({ port, maxQueueBytes: 100, onError: (e) => errors.push(e), env: {} });
    for (let i = 0; i < 20; i++) graphite.send(`s${String(i).padStart(2, '0')}`, i, T0); // 'sNN N 1700000000\n': 17-18 bytes
    expect(graphite.stats.queuedBytes).toBeLessThanOrEqual(100);
    expect(graphite.stats.droppedLines).toBeGreaterThan(0);
    expect(errors.some((e) => e.code === TransportErrorCodes.QUEUE_FULL)).toBe(true);
    const received: Buffer[] = [];
    const server = createServer((socket) => {
      socket.on('data', (d) => received.push(d));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      const kept = 20 - graphite.stats.droppedLines;
      await waitUntil(() => Buffer.concat(received).toString().split('\n').length === kept + 1, { what: 'the newest points' });
      const lines = Buffer.concat(received).toString().split('\n').slice(0, -1);
      expect(lines.map((l) => l.split(' ')[0])).toEqual(Array.from({ length: kept }, (_, i) => `s${String(20 - kept + i).padStart(2, '0')}`));
    } finally {
      await graphite.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('counts the records still unsent when stop() gives up, frames included', async () => {
    const port = await freePort('tcp');
    for (const protocol of ['tcp', 'pickle'] as const) {
      const graphite = new GraphiteClient({ port, protocol, stopTimeoutMs: 50, onError: () => {}, env: {} });
      graphite.sendMany({ a: 1, b: 2, c: 3 }, T0);
      graphite.sendMany({ d: 4, e: 5 }, T0 + 1);
      await graphite.stop();
      // plaintext: 5 lines; pickle: one frame per sendMany()
      expect([protocol, graphite.stats.droppedLines]).toEqual([protocol, protocol === 'tcp' ? 5 : 2]);
      expect(graphite.stats.queuedBytes).toBe(0);
    }
  });
});

describe('GraphiteClient options', () => {
  const invalid: unknown = expect.objectContaining({ code: ErrorCodes.INVALID_OPTION });
  it.each([
    ['host', ''],
    ['port', -1],
    ['protocol', 'http'],
    ['prefix', {}],
    ['tags', { k: 1 }],
    ['maxQueueBytes', 0],
    ['maxDatagramBytes', 1],
    ['maxDatagramBytes', 8193], // carbon reads at most 8192 bytes of a datagram and loses the rest of it
    ['maxFrameBytes', 63],
    ['dropPolicy', 'newer'],
    ['flushIntervalMs', -1],
    ['transport', 42],
    ['env', 'x'],
    ['clock', { now: 1 }],
    ['onError', 'x'],
    ['stopTimeoutMs', 1.5],
  ])('rejects %s = %j', (key, value) => {
    expect(() => new GraphiteClient({ env: {}, [key]: value })).toThrow(invalid);
  });

  it.each([
    ['protocl', 'protocol'],
    ['hots', 'host'],
    ['maxQueueByte', 'maxQueueBytes'],
  ])('rejects the unknown key %s, suggesting %s', (key, suggestion) => {
    expect(() => new GraphiteClient({ env: {}, [key]: 'pickle' })).toThrow(
      expect.objectContaining({ code: ErrorCodes.UNKNOWN_OPTION, option: key, suggestion }),
    );
  });
});
