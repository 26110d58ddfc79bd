import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { TcpTransport } from '../../src/transports/tcp.js';
import { TransportErrorCodes, type TransportError } from '../../src/transports/transport.js';
import { freePort } from '../helpers/net.js';
import { waitUntil } from '../helpers/wait.js';

type Sink = { server: Server; port: number; data: () => Buffer; sockets: Socket[]; close: () => Promise<void> };

/** A loopback TCP server that keeps every byte it reads. */
async function sink(port = 0): Promise<Sink> {
  const chunks: Buffer[] = [];
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address !== null ? address.port : 0,
    data: () => Buffer.concat(chunks),
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const until = (check: () => boolean, what = 'the condition'): Promise<unknown> => waitUntil(check, { what, timeoutMs: 5_000 });

const open: (Sink | TcpTransport)[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await (o instanceof TcpTransport ? o.close(100) : o.close());
});

describe('TcpTransport', () => {
  it('writes newline-terminated lines over one connection, coalesced', async () => {
    const s = await sink();
    open.push(s);
    const tcp = new TcpTransport({ port: s.port });
    const lines = Array.from({ length: 1000 }, (_, i) => `tcp.${i}:1|c`);
    for (const l of lines) tcp.send(l);
    await tcp.close();
    expect(s.data().toString()).toBe(lines.map((l) => `${l}\n`).join(''));
    expect(s.sockets).toHaveLength(1);
    const st = tcp.stats;
    expect(st.sentLines).toBe(1000);
    expect(st.sentBytes).toBe(s.data().length);
    expect(st.sentPackets).toBeLessThan(20);
    expect(st.droppedLines).toBe(0);
  });

  it('writes raw frames as they are', async () => {
    const s = await sink();
    open.push(s);
    const tcp = new TcpTransport({ port: s.port, framing: 'raw' });
    tcp.send(Uint8Array.of(0, 0, 0, 2, 0x80, 0x02));
    tcp.send('ab');
    await tcp.close();
    expect([...s.data()]).toEqual([0, 0, 0, 2, 0x80, 0x02, 0x61, 0x62]);
  });

  it('queues while the server is down and delivers everything once it is up', async () => {
    const port = await freePort('tcp');
    const errors: TransportError[] = [];
    const tcp = new TcpTransport({ port, minBackoffMs: 10, maxBackoffMs: 50, onError: (e) => errors.push(e) });
    open.push(tcp);
    for (let i = 0; i < 100; i++) tcp.send(`early.${i}:1|c`);
    await until(() => errors.length >= 2); // it tried and failed, and retried
    expect(errors.every((e) => e.code === TransportErrorCodes.CONNECTION_FAILED)).toBe(true);
    const s = await sink(port);
    open.push(s);
    await until(() => tcp.stats.sentLines === 100);
    await until(() => s.data().toString().split('\n').length === 101);
    expect(s.data().toString().split('\n').slice(0, -1)).toEqual(Array.from({ length: 100 }, (_, i) => `early.${i}:1|c`));
    expect(tcp.stats.droppedLines).toBe(0);
  });

  it('retries with jittered exponential backoff, capped', async () => {
    const port = await freePort('tcp');
    const times: number[] = [];
    const tcp = new TcpTransport({
      port,
      minBackoffMs: 20,
      maxBackoffMs: 80,
      onError: () => times.push(performance.now()),
    });
    open.push(tcp);
    tcp.send('x:1|c');
    await until(() => times.length >= 7);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    gaps.forEach((gap, i) => {
      const ceiling = Math.min(80, 20 * 2 ** i);
      expect(gap).toBeGreaterThanOrEqual(ceiling / 2 - 2);
      expect(gap).toBeLessThanOrEqual(ceiling + 250); // timers can fire late on a busy machine, never early
    });
  });

  it('bounds the queue: drops beyond maxQueueBytes are counted and warned once', async () => {
    const port = await freePort('tcp');
    const errors: TransportError[] = [];
    const tcp = new TcpTransport({ port, maxQueueBytes: 1_000, minBackoffMs: 1_000, onError: (e) => errors.push(e) });
    for (let i = 0; i < 500; i++) tcp.send(`q.${i % 10}:1|c`); // 8 bytes each with the newline
    const st = tcp.stats;
    expect(st.queuedBytes).toBeLessThanOrEqual(1_000);
    expect(st.queuedBytes).toBe(125 * 8);
    expect(st.droppedLines).toBe(375);
    expect(st.droppedBytes).toBe(375 * 8);
    expect(errors.filter((e) => e.code === TransportErrorCodes.QUEUE_FULL)).toHaveLength(1);
    const started = Date.now();
    await tcp.close(200); // the server never comes: close gives up in time
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(tcp.stats.droppedLines).toBe(500);
    expect(tcp.stats.queuedBytes).toBe(0);
  });

  it('reconnects after the server drops the connection, resending whole lines only', async () => {
    const s = await sink();
    open.push(s);
    const tcp = new TcpTransport({ port: s.port, minBackoffMs: 10, maxBackoffMs: 20, onError: () => {} });
    open.push(tcp);
    for (let i = 0; i < 50; i++) tcp.send(`a.${i}:1|c`);
    tcp.flush();
    await until(() => s.data().toString().split('\n').length === 51);
    for (const socket of s.sockets) socket.destroy(); // the server goes away abruptly
    await until(() => !tcp.connected);
    for (let i = 0; i < 50; i++) tcp.send(`b.${i}:1|c`);
    await until(() => s.data().toString().split('\n').length === 101);
    const text = s.data().toString();
    expect(text.endsWith('\n')).toBe(true);
    const got = text.split('\n').slice(0, -1);
    for (const line of got) expect(line).toMatch(/^[ab]\.\d+:1\|c$/);
    expect(new Set(got).size).toBe(100);
    expect(s.sockets.length).toBe(2);
    expect(tcp.stats.reconnects).toBe(1);
  });

  it('close() flushes what is queued, then ends the connection', async () => {
    const s = await sink();
    open.push(s);
    const tcp = new TcpTransport({ port: s.port, flushIntervalMs: 60_000 });
    for (let i = 0; i < 10; i++) tcp.send(`c.${i}:1|c`);
    await tcp.close();
    expect(s.data().toString().split('\n')).toHaveLength(11);
    expect(tcp.send('after:1|c')).toBe(false);
    expect(tcp.stats.droppedLines).toBe(1);
  });

  it("with dropPolicy 'oldest', an outage keeps the newest records and delivers them once the server is up", async () => {
    const port = await freePort('tcp');
    const errors: TransportError[] = [];
    const tcp = new TcpTransport({
      port,
      maxQueueBytes: 1_000,
      dropPolicy: 'oldest',
      minBackoffMs: 10,
      maxBackoffMs: 20,
      onError: (e) => errors.push(e),
    });
    open.push(tcp);
    for (let i = 0; i < 500; i++) expect(tcp.send(`q.${i % 10}:${i}|c`)).toBe(true);
    const kept = Array.from({ length: 500 }, (_, i) => `q.${i % 10}:${i}|c`).filter((_, i, all) => {
      const bytes = all.slice(i).reduce((n, l) => n + l.length + 1, 0);
      return bytes <= 1_000;
    });
    expect(tcp.stats.queuedBytes).toBe(kept.reduce((n, l) => n + l.length + 1, 0));
    expect(tcp.stats.droppedLines).toBe(500 - kept.length);
    expect(errors.filter((e) => e.code === TransportErrorCodes.QUEUE_FULL)).toHaveLength(1);
    const s = await sink(port);
    open.push(s);
    // Nothing else is sent: reconnecting alone flushes what waited.
    await until(() => s.data().toString().split('\n').length === kept.length + 1, 'the kept records');
    expect(s.data().toString().split('\n').slice(0, -1)).toEqual(kept);
    expect(tcp.stats.sentLines).toBe(kept.length);
  });

  it('start() connects before the first record', async () => {
    const s = await sink();
    open.push(s);
    const tcp = new TcpTransport({ port: s.port });
    open.push(tcp);
    tcp.start();
    await until(() => tcp.connected, 'the connection');
    expect(s.sockets).toHaveLength(1);
  });
});

describe('TcpTransport options', () => {
  const invalid: unknown = expect.objectContaining({ code: ErrorCodes.INVALID_OPTION });
  it.each([
    ['host', ''],
    ['host', 'a\tb'],
    ['port', 0],
    ['port', 70_000],
    ['framing', 'json'],
    ['maxQueueBytes', 0],
    ['maxQueueBytes', 2 ** 32],
    ['dropPolicy', 'all'],
    ['maxWriteBytes', 0],
    ['flushIntervalMs', 60_001],
    ['connectTimeoutMs', 0],
    ['minBackoffMs', 0],
    ['maxBackoffMs', 10], // below minBackoffMs' default of 100
    ['maxBackoffMs', 4_000_000],
    ['onError', {}],
  ])('rejects %s = %j', (key, value) => {
    expect(() => new TcpTransport({ port: 2003, [key]: value })).toThrow(invalid);
  });

  it('needs a port, and options as an object', () => {
    expect(() => new TcpTransport({} as never)).toThrow(invalid);
    expect(() => new TcpTransport(null as never)).toThrow(invalid);
  });

  it('rejects an unknown key with a suggestion', () => {
    expect(() => new TcpTransport({ port: 2003, minBackofMs: 10 } as never)).toThrow(
      expect.objectContaining({ code: ErrorCodes.UNKNOWN_OPTION, suggestion: 'minBackoffMs' }),
    );
  });
});

describe('TcpTransport name resolution', () => {
  it('resolves a host name on connect (and again on every reconnect)', async () => {
    const s = await sink();
    open.push(s);
    const tcp = new TcpTransport({ host: 'localhost', port: s.port, minBackoffMs: 10, maxBackoffMs: 20, onError: () => {} });
    tcp.send('named:1|c');
    await tcp.close(3_000);
    // localhost may resolve to ::1 first; Node tries every address it gets back.
    expect(s.data().toString()).toBe('named:1|c\n');
  });
});
