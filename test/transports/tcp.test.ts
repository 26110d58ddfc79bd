import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpTransport } from '../../src/transports/tcp.js';
import { TransportErrorCodes, type TransportError } from '../../src/transports/transport.js';
import { freePort } from '../helpers/statsd-server.js';

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

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

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

  it('rejects bad options with a coded error', () => {
    expect(() => new TcpTransport({ port: 70_000 })).toThrow(expect.objectContaining({ code: 'ERR_TAPEMEASURE_INVALID_OPTION' }));
    expect(() => new TcpTransport({ port: 1, framing: 'x' as 'raw' })).toThrow(/framing/);
    expect(() => new TcpTransport({ port: 1, minBackoffMs: 100, maxBackoffMs: 10 })).toThrow(/maxBackoffMs/);
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
