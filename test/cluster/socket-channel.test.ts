import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameReader } from '../../src/cluster/framing.js';
import { SocketChannel } from '../../src/cluster/socket-channel.js';
import { waitUntil } from '../helpers/wait.js';
import { tempDir } from './cluster-harness.js';

const tmp = tempDir();

describe('SocketChannel', () => {
  it('bounds its backlog while the aggregator is away: the oldest frames go, counted, and a resync is asked for', async () => {
    const errors: Error[] = [];
    const channel = new SocketChannel({ path: join(tmp.dir, 'nobody.sock') }, 4_096, (e) => errors.push(e));
    expect(channel.takeResync()).toBe(false);
    for (let seq = 1; seq <= 10; seq++) expect(channel.send(Buffer.from('x'.repeat(1_000)), seq)).toBe(true);
    expect(channel.pendingBytes).toBeLessThanOrEqual(4_096);
    expect(channel.lostFrames).toBe(6);
    expect(channel.takeResync()).toBe(true);
    expect(channel.send(Buffer.from('x'.repeat(5_000)), 11)).toBe(false); // larger than the whole backlog
    await channel.close(10);
  });

  it('delivers the backlog on connect and lets go of what the aggregator acknowledged', async () => {
    const path = join(tmp.dir, 'agg.sock');
    const got: string[] = [];
    const server = createServer((socket) => {
      const reader = new FrameReader(1 << 20, (text) => {
        got.push(text.toString('utf8'));
        socket.write(encodeFrame(JSON.stringify({ tapemeasure: 2, type: 'ack', seq: got.length })));
      }, () => undefined);
      socket.on('data', (c: Buffer) => reader.push(c));
    });
    const channel = new SocketChannel({ path }, 1 << 20, () => undefined);
    channel.send(Buffer.from('one'), 1);
    channel.send(Buffer.from('two'), 2);
    await new Promise<void>((resolve) => server.listen(path, resolve));
    await waitUntil(() => got.length === 2, { what: 'the backlog delivered after connecting', timeoutMs: 10_000 });
    expect(got).toEqual(['one', 'two']);
    await waitUntil(() => channel.pendingBytes === 0, { what: 'acknowledged frames released' });
    expect(channel.takeResync()).toBe(true); // a connect: the next push carries every total
    channel.send(Buffer.from('three'), 3);
    await waitUntil(() => got.length === 3, { what: 'a frame sent while connected' });
    await channel.close(1_000);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    tmp.remove();
  });
});
