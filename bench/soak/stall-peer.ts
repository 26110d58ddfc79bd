/**
 * A TCP peer that can stall: it accepts connections and, while stalled, never reads.
 * It is a small Python process so that its receive buffer can be made small
 * (SO_RCVBUF, which Node cannot set): with Linux's default loopback buffers a stalled
 * reader absorbs megabytes before the sender notices. When released it reads
 * everything, appending the bytes to one file per connection; `counters()` sums the
 * StatsD counter lines received, keyed as etsy StatsD keys them.
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYSTEM_PYTHON } from '../../test/helpers/carbon-server.js';
import { etsyParse } from './tap.js';

const SCRIPT = String.raw`
import os, socket, sys, threading
out = sys.argv[1]
reading = threading.Event()
reading.set()
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
srv.bind(('127.0.0.1', 0))
srv.listen(16)
print(srv.getsockname()[1], flush=True)
def serve(conn, n):
    with open(os.path.join(out, 'conn-%d.bin' % n), 'ab', buffering=0) as f:
        while True:
            reading.wait()
            data = conn.recv(65536)
            if not data:
                return
            f.write(data)
def accept():
    n = 0
    while True:
        conn, _ = srv.accept()
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        n += 1
        threading.Thread(target=serve, args=(conn, n), daemon=True).start()
threading.Thread(target=accept, daemon=True).start()
for line in sys.stdin:
    cmd = line.strip()
    if cmd == 'stall':
        reading.clear()
    elif cmd == 'release':
        reading.set()
    print('ok ' + cmd, flush=True)
`;

/** A stalling peer on 127.0.0.1. */
export type StallPeer = {
  readonly port: number;
  /** Stops reading from every connection (current and new). */
  stall(): Promise<void>;
  /** Reads again. */
  release(): Promise<void>;
  /** Counter totals received so far (complete lines), by etsy key. */
  counters(): Map<string, number>;
  close(): Promise<void>;
};

/** Starts a stall peer on a free port (it reads until `stall()`). */
export async function startStallPeer(): Promise<StallPeer> {
  const dir = mkdtempSync(join(tmpdir(), 'tapemeasure-stall-'));
  const child = spawn(SYSTEM_PYTHON, ['-u', '-c', SCRIPT, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdout.setEncoding('utf8');
  const waiting: ((line: string) => void)[] = [];
  let buffered = '';
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      waiting.shift()?.(line);
    }
  });
  const next = (): Promise<string> => new Promise((resolve) => waiting.push(resolve));
  const port = Number(await next());
  if (!Number.isInteger(port) || port <= 0) throw new Error('the stall peer did not start');
  const command = async (cmd: string): Promise<void> => {
    const ack = next();
    child.stdin.write(`${cmd}\n`);
    await ack;
  };
  return {
    port,
    stall: () => command('stall'),
    release: () => command('release'),
    counters() {
      const counters = new Map<string, number>();
      for (const file of readdirSync(dir)) {
        const text = readFileSync(join(dir, file), 'utf8');
        const lines = text.split('\n');
        lines.pop(); // an incomplete last line is not received yet
        for (const line of lines) {
          const p = etsyParse(line);
          if (p !== null && p.type === 'c') counters.set(p.key, (counters.get(p.key) ?? 0) + p.value / p.rate);
        }
      }
      return counters;
    },
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
