// Regression: with a report larger than the transport's queue (`maxQueueBytes`), the
// StatsdReporter sent its lines in registry order, so the metrics early in that order
// filled the queue every report and the count lines of the later ones were refused every
// time; their carried deltas were then dropped at stop(). Now every count goes first, each
// pass starts where the previous report was first refused, every refused delta is carried
// until it is sent, and the final report waits for the queue to drain to send them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from '../../src/registry/registry.js';
import { StatsdReporter } from '../../src/reporters/statsd-reporter.js';
import { MemoryTransport } from '../../src/transports/memory.js';
import type { Transport, TransportStats } from '../../src/transports/transport.js';
import { startStatsd, type StatsdServer } from '../helpers/statsd-server.js';

/** Sums `name:delta|c` lines per name. */
function countTotals(lines: readonly string[], into = new Map<string, number>()): Map<string, number> {
  for (const line of lines) {
    const m = /^([^:]+):(-?[\d.e+-]+)\|c$/.exec(line);
    if (m !== null) into.set(m[1]!, (into.get(m[1]!) ?? 0) + Number(m[2]));
  }
  return into;
}

/**
 * A bounded queue that refuses when full and that `flush()` empties at once, as a
 * datagram transport hands its queue to the socket: by the time the final report retries
 * a refused count, the queue is empty again.
 */
class FlushedQueue implements Transport {
  readonly wire: string[] = [];
  #queue: string[] = [];
  #bytes = 0;
  #dropped = 0;
  constructor(readonly maxBytes: number) {}
  send(record: string | Uint8Array): boolean {
    const text = typeof record === 'string' ? record : Buffer.from(record).toString();
    if (this.#bytes + text.length + 1 > this.maxBytes) {
      this.#dropped++;
      return false;
    }
    this.#queue.push(text);
    this.#bytes += text.length + 1;
    return true;
  }
  flush(): void {
    this.wire.push(...this.#queue);
    this.#queue = [];
    this.#bytes = 0;
  }
  async close(): Promise<void> {
    this.flush();
  }
  get stats(): TransportStats {
    return { sentLines: this.wire.length, sentBytes: 0, sentPackets: 0, droppedLines: this.#dropped, droppedBytes: 0, errors: 0, queuedBytes: this.#bytes, reconnects: 0 };
  }
}

describe('counts never starve behind a small queue (MemoryTransport)', () => {
  it('the final report sends refused counts when the queue emptied before the retry (it gave up on a queue already empty)', async () => {
    const registry = new Registry();
    const counters = Array.from({ length: 40 }, (_, i) => registry.counter(`c${String(i).padStart(2, '0')}`));
    const transport = new FlushedQueue(120);
    const reporter = new StatsdReporter({ registry, transport, env: {}, onError: () => {} });
    for (const [i, c] of counters.entries()) c.inc(i + 1);
    await reporter.stop();
    await transport.close(); // the application's own transport: it writes out what is queued
    expect(countTotals(transport.wire)).toEqual(new Map(counters.map((c) => [c.name, c.count])));
  });

  it('every counter, late in registry order, arrives in full, the final report included', async () => {
    const registry = new Registry();
    // Early in registry order: timers whose statistics alone overflow the queue.
    const timers = Array.from({ length: 3 }, (_, i) => registry.timer(`early.t${i}`));
    const counters = Array.from({ length: 20 }, (_, i) => registry.counter(`late.c${String(i).padStart(2, '0')}`));
    const transport = new MemoryTransport({ maxBytes: 600, onError: () => {} });
    const reporter = new StatsdReporter({ registry, transport, env: {}, onError: () => {} });
    const received = new Map<string, number>();
    for (let round = 0; round < 6; round++) {
      for (const [i, c] of counters.entries()) c.inc(i + round);
      for (const t of timers) t.update(round + 1);
      await reporter.report();
      countTotals(transport.lines(), received);
      transport.clear(); // the queue drained to the wire
    }
    for (const c of counters) c.inc(1000);
    await reporter.stop();
    countTotals(transport.lines(), received);
    for (const c of counters) expect(received.get(c.name), c.name).toBe(c.count);
    for (const t of timers) expect(received.get(`${t.name}.count`), t.name).toBe(t.count);
  });

  it('when the counts alone overflow the queue, each report starts where the last was refused', async () => {
    const registry = new Registry();
    const counters = Array.from({ length: 40 }, (_, i) => registry.counter(`c${String(i).padStart(2, '0')}`));
    // Room for about 10 of the 40 count lines per report.
    const transport = new MemoryTransport({ maxBytes: 100, onError: () => {} });
    const reporter = new StatsdReporter({ registry, transport, env: {}, onError: () => {} });
    const received = new Map<string, number>();
    for (const [i, c] of counters.entries()) c.inc(i + 1);
    for (let round = 0; round < 5; round++) {
      await reporter.report();
      countTotals(transport.lines(), received);
      transport.clear();
    }
    for (const c of counters) expect(received.get(c.name), c.name).toBe(c.count);
    await reporter.stop();
  });

  it('gauges and statistics take turns across reports too', async () => {
    const registry = new Registry();
    const gauges = Array.from({ length: 30 }, (_, i) => registry.gauge(`g${String(i).padStart(2, '0')}`));
    for (const [i, g] of gauges.entries()) g.set(i + 1);
    const transport = new MemoryTransport({ maxBytes: 100, onError: () => {} });
    const reporter = new StatsdReporter({ registry, transport, env: {}, onError: () => {} });
    const seen = new Set<string>();
    for (let round = 0; round < 5; round++) {
      await reporter.report();
      for (const line of transport.lines()) seen.add(line);
      transport.clear();
    }
    for (const [i, g] of gauges.entries()) expect(seen.has(`${g.name}:${i + 1}|g`), g.name).toBe(true);
    await reporter.stop();
  });
});

describe.each(['udp', 'tcp'] as const)('counts never starve behind a small queue (the real StatsD over %s)', (protocol) => {
  let statsd: StatsdServer;
  beforeAll(async () => {
    statsd = await startStatsd();
  });
  afterAll(async () => {
    await statsd.dispose();
  });

  it("every counter's total at StatsD equals its true total", async () => {
    const registry = new Registry();
    const timers = Array.from({ length: 10 }, (_, i) => registry.timer(`early.timer${i}`));
    const counters = Array.from({ length: 150 }, (_, i) => registry.counter(`late.counter-number-${String(i).padStart(3, '0')}`));
    const reporter = new StatsdReporter({
      registry,
      host: '127.0.0.1',
      port: protocol === 'udp' ? statsd.udpPort : statsd.tcpPort,
      protocol,
      prefix: `starve.${protocol}`,
      maxQueueBytes: 2_000,
      onError: () => {},
      env: {},
    });
    for (let round = 0; round < 8; round++) {
      for (const [i, c] of counters.entries()) c.inc((i % 7) + round);
      for (const t of timers) t.update(round + 1);
      await reporter.report();
    }
    await reporter.stop();
    const p = `starve.${protocol}`;
    const totals = await statsd.waitFor(
      (t) => counters.every((c) => t.counters.get(`${p}.${c.name}`) === c.count),
      5_000,
    );
    for (const c of counters) expect(totals.counters.get(`${p}.${c.name}`), c.name).toBe(c.count);
    expect(totals.badLines).toBe(0);
  });
});
