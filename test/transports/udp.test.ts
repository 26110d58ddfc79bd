import { createSocket, type Socket } from 'node:dgram';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { UdpTransport } from '../../src/transports/udp.js';
import { TransportErrorCodes, type TransportError } from '../../src/transports/transport.js';
import { startStatsd, type StatsdServer } from '../helpers/statsd-server.js';
import { waitUntil } from '../helpers/wait.js';

/** A plain loopback UDP receiver that keeps every datagram. */
async function receiver(): Promise<{ socket: Socket; port: number; datagrams: Buffer[] }> {
  const socket = createSocket('udp4');
  const datagrams: Buffer[] = [];
  socket.on('message', (msg) => datagrams.push(msg));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, port: socket.address().port, datagrams };
}

const until = (check: () => boolean, what = 'the datagrams'): Promise<unknown> => waitUntil(check, { what, timeoutMs: 5_000 });

describe('UdpTransport packing (loopback receiver)', () => {
  let rx: Awaited<ReturnType<typeof receiver>>;
  beforeAll(async () => {
    rx = await receiver();
  });
  afterAll(() => {
    rx.socket.close();
  });
  afterEach(() => {
    rx.datagrams.length = 0;
  });

  it('packs whole lines into datagrams never larger than maxDatagramBytes', async () => {
    const udp = new UdpTransport({ port: rx.port, maxDatagramBytes: 100 });
    const lines: string[] = [];
    for (let i = 0; i < 200; i++) lines.push(`metric.${i}:${'x'.repeat(i % 37)}|c`);
    for (const l of lines) expect(udp.send(l)).toBe(true);
    await udp.close();
    await until(() => rx.datagrams.reduce((n, d) => n + d.toString().split('\n').length - 1, 0) === 200);
    for (const d of rx.datagrams) {
      expect(d.length).toBeLessThanOrEqual(100);
      expect(d.at(-1)).toBe(0x0a); // every line ends in a newline: none is split
    }
    const received = rx.datagrams.flatMap((d) => d.toString().split('\n').slice(0, -1));
    expect(received).toEqual(lines);
    const stats = udp.stats;
    expect(stats.sentLines).toBe(200);
    expect(stats.sentPackets).toBe(rx.datagrams.length);
    expect(stats.sentBytes).toBe(rx.datagrams.reduce((n, d) => n + d.length, 0));
    expect(stats.droppedLines).toBe(0);
    expect(stats.queuedBytes).toBe(0);
  });

  it('drops and counts a line that cannot fit, never raising EMSGSIZE', async () => {
    const errors: TransportError[] = [];
    const udp = new UdpTransport({ port: rx.port, maxDatagramBytes: 64, onError: (e) => errors.push(e) });
    expect(udp.send('a'.repeat(64))).toBe(false); // 64 + newline > 64
    expect(udp.send('ok:1|c')).toBe(true);
    expect(udp.send(new TextEncoder().encode('bytes:2|c'))).toBe(true);
    await udp.close();
    await until(() => rx.datagrams.length === 1);
    expect(rx.datagrams[0]!.toString()).toBe('ok:1|c\nbytes:2|c\n');
    expect(udp.stats.droppedLines).toBe(1);
    expect(udp.stats.droppedBytes).toBe(65);
    expect(errors.map((e) => e.code)).toEqual([TransportErrorCodes.RECORD_TOO_LARGE]);
  });

  it('counts multi-byte characters as bytes', async () => {
    const udp = new UdpTransport({ port: rx.port, maxDatagramBytes: 10 });
    expect(udp.send('ééééé')).toBe(false); // 10 bytes + newline
    expect(udp.send('éééé')).toBe(true); // 8 + 1
    await udp.close();
    await until(() => rx.datagrams.length === 1);
    expect(rx.datagrams[0]!.toString()).toBe('éééé\n');
  });

  it('sends a partly filled datagram after flushIntervalMs without flush()', async () => {
    const udp = new UdpTransport({ port: rx.port, flushIntervalMs: 5 });
    udp.send('late:1|c');
    await until(() => rx.datagrams.length === 1);
    expect(rx.datagrams[0]!.toString()).toBe('late:1|c\n');
    await udp.close();
  });

  it('resolves a host name and sends to it', async () => {
    const udp = new UdpTransport({ host: 'localhost', port: rx.port });
    udp.send('named:1|c');
    await udp.close();
    // localhost may resolve to ::1, where nothing listens; either way nothing throws and
    // everything is accounted for.
    const s = udp.stats;
    expect(s.sentLines + s.droppedLines).toBe(1);
  });

  it('drops sends after close and bounds what waits for the OS', async () => {
    const udp = new UdpTransport({ port: rx.port });
    const errors: TransportError[] = [];
    const bounded = new UdpTransport({
      port: rx.port,
      maxDatagramBytes: 1432,
      maxQueueBytes: 1432 * 2,
      onError: (e) => errors.push(e),
    });
    for (let i = 0; i < 10_000; i++) bounded.send(`burst.${i}:1|c`); // synchronously, no chance to drain
    const s = bounded.stats;
    expect(s.queuedBytes).toBeLessThanOrEqual(1432 * 2);
    expect(s.droppedLines).toBeGreaterThan(0);
    expect(errors.filter((e) => e.code === TransportErrorCodes.QUEUE_FULL)).toHaveLength(1);
    await bounded.close();
    const after = bounded.stats;
    expect(after.sentLines + after.droppedLines).toBe(10_000);
    await udp.close();
    expect(udp.send('x:1|c')).toBe(false);
    expect(udp.stats.droppedLines).toBe(1);
  });

  it('sends over IPv6 to an IPv6 address', async () => {
    const socket = createSocket('udp6');
    const got: string[] = [];
    socket.on('message', (m) => got.push(m.toString()));
    const bound = await new Promise<boolean>((resolve) => {
      socket.once('error', () => resolve(false));
      socket.bind(0, '::1', () => resolve(true));
    });
    if (!bound) return; // no IPv6 loopback on this machine
    const udp = new UdpTransport({ host: '::1', port: socket.address().port });
    udp.send('six:1|c');
    await udp.close();
    await until(() => got.length === 1);
    expect(got).toEqual(['six:1|c\n']);
    socket.close();
  });

  it('with dropPolicy oldest, a full queue waiting for DNS keeps the newest records', async () => {
    const errors: TransportError[] = [];
    // A name that never resolves: everything waits in the queue, then is dropped at close.
    const udp = new UdpTransport({
      host: 'nothing.invalid',
      port: rx.port,
      maxDatagramBytes: 100,
      maxQueueBytes: 100,
      dropPolicy: 'oldest',
      onError: (e) => errors.push(e),
    });
    // 'line.0:1|c\n' is 11 bytes, 'line.10:1|c\n' 12: 230 bytes in all, and 100 fit.
    for (let i = 0; i < 20; i++) expect(udp.send(`line.${i}:1|c`)).toBe(true);
    const s = udp.stats;
    expect(s.queuedBytes).toBe(8 * 12); // the newest 8
    expect(s.droppedLines).toBe(12); // the oldest 12, dropped to make room
    expect(errors.filter((e) => e.code === TransportErrorCodes.QUEUE_FULL)).toHaveLength(1);
    await udp.close(50);
    expect(udp.stats.droppedLines).toBe(20);
    expect(udp.stats.queuedBytes).toBe(0);
  });

  it('closes on await using', async () => {
    let outside: UdpTransport | undefined;
    {
      await using udp = new UdpTransport({ port: rx.port });
      udp.send('disposed:1|c');
      outside = udp;
    }
    expect(outside.send('after:1|c')).toBe(false);
    await until(() => rx.datagrams.length === 1);
    expect(rx.datagrams[0]!.toString()).toBe('disposed:1|c\n');
  });
});

describe('UdpTransport options', () => {
  const invalid: unknown = expect.objectContaining({ code: ErrorCodes.INVALID_OPTION });
  it.each([
    ['host', ''],
    ['host', 'a b'],
    ['host', 5],
    ['port', 0],
    ['port', 70_000],
    ['port', '8125'],
    ['maxDatagramBytes', 1],
    ['maxDatagramBytes', 70_000],
    ['flushIntervalMs', -1],
    ['flushIntervalMs', 1.5],
    ['maxQueueBytes', 0],
    ['maxQueueBytes', 1_000], // below the 1432-byte datagram
    ['dropPolicy', 'random'],
    ['dnsTtlMs', -1],
    ['onError', 'log'],
  ])('rejects %s = %j', (key, value) => {
    expect(() => new UdpTransport({ port: 8125, [key]: value })).toThrow(invalid);
  });

  it('needs a port, and options as an object', () => {
    expect(() => new UdpTransport({} as never)).toThrow(invalid);
    expect(() => new UdpTransport(8125 as never)).toThrow(invalid);
  });

  it('rejects an unknown key with a suggestion', () => {
    expect(() => new UdpTransport({ port: 8125, maxDatagramByte: 512 } as never)).toThrow(
      expect.objectContaining({ code: ErrorCodes.UNKNOWN_OPTION, suggestion: 'maxDatagramBytes' }),
    );
  });
});

describe('UdpTransport to the real StatsD', () => {
  let statsd: StatsdServer;
  beforeAll(async () => {
    statsd = await startStatsd();
  });
  afterAll(async () => {
    await statsd.dispose();
  });

  it('delivers every line of many datagrams, with no bad lines', async () => {
    const udp = new UdpTransport({ port: statsd.udpPort });
    for (let i = 0; i < 2_000; i++) udp.send(`udp.t.c${i % 50}:1|c`);
    await udp.close();
    const totals = await statsd.waitFor((t) => [...t.counters.values()].reduce((a, b) => a + b, 0) >= 2_000);
    for (let i = 0; i < 50; i++) expect(totals.counters.get(`udp.t.c${i}`)).toBe(40);
    expect(totals.badLines).toBe(0);
    // Packed greedily into 1432-byte datagrams: no more than one line's worth of slack each.
    const bytes = udp.stats.sentBytes;
    expect(udp.stats.sentPackets).toBeGreaterThanOrEqual(Math.ceil(bytes / 1432));
    expect(udp.stats.sentPackets).toBeLessThanOrEqual(Math.ceil(bytes / (1432 - 15)));
  });
});
