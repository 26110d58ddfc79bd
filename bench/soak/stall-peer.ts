/**
 * A TCP peer that can stall: it accepts connections and, while stalled, never reads
 * (the kernel's buffers fill, then the sender's writes stop completing). When released
 * it reads everything and sums StatsD counter lines per key, as etsy StatsD would.
 */

import { createServer, type Server, type Socket } from 'node:net';
import { etsyParse } from './tap.js';

/** A stalling peer on 127.0.0.1. */
export type StallPeer = {
  readonly port: number;
  /** Stops reading from every connection (current and new). */
  stall(): void;
  /** Reads again. */
  release(): void;
  /** Counter totals received, by etsy key. */
  readonly counters: Map<string, number>;
  /** Connections accepted so far. */
  readonly connections: () => number;
  close(): Promise<void>;
};

/** Starts a stall peer on a free port. */
export async function startStallPeer(): Promise<StallPeer> {
  const sockets = new Set<Socket>();
  const counters = new Map<string, number>();
  let stalled = false;
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    if (stalled) socket.pause();
    let rest = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        const p = etsyParse(line);
        if (p !== null && p.type === 'c') counters.set(p.key, (counters.get(p.key) ?? 0) + p.value / p.rate);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    stall() {
      stalled = true;
      for (const s of sockets) s.pause();
    },
    release() {
      stalled = false;
      for (const s of sockets) s.resume();
    },
    counters,
    connections: () => accepted,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
