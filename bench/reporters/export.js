/**
 * Export rows of the push reporters, on the path they really take: `report()` of a real
 * `StatsdReporter` (its default `distribution: 'interval'`: the statistics of what each
 * timer recorded since the previous report, so the 100 values are recorded again before
 * each timed report) and of a real `GraphiteReporter` (plaintext and pickle), each over
 * a transport that counts the bytes of each record (encoding it to UTF-8, as a socket's
 * transport does) and lets it go, as a socket does once it is sent: the time is the
 * reporter's, not the network's. (A `MemoryTransport` would keep every line, 1.6 million
 * strings at 100,000 timers, and the garbage collector would copy them all.)
 */

import { Buffer } from 'node:buffer';

import { HUNDRED_MS } from '../lib/values.js';
import { fromDist } from '../lib/dist.js';

/** A {@link Transport} (tapemeasure's interface) that counts records and their UTF-8 bytes, and drops them. */
class CountingTransport {
  sentLines = 0;
  sentBytes = 0;
  send(record) {
    this.sentLines++;
    this.sentBytes += typeof record === 'string' ? Buffer.byteLength(record, 'utf8') : record.byteLength;
    return true;
  }
  flush() {}
  async close() {}
  get stats() {
    const { sentLines, sentBytes } = this;
    return { sentLines, sentBytes, sentPackets: sentLines, droppedLines: 0, droppedBytes: 0, errors: 0, queuedBytes: 0, reconnects: 0 };
  }
  clear() {
    this.sentLines = 0;
    this.sentBytes = 0;
  }
}

/** Records the 100 values again in every timer (outside the timed part). */
function refill(registry) {
  for (const m of registry.metrics()) if (m.type === 'timer') for (const v of HUNDRED_MS) m.update(v);
}

/** Export rows of the StatsD and Graphite reporters over `registry`. */
export async function reporterExports(registry) {
  const { GraphiteReporter, StatsdReporter } = await fromDist('index.js');
  const row = (make, prepare) => {
    const transport = new CountingTransport();
    const reporter = make(transport);
    return {
      prepare: () => {
        transport.clear();
        prepare?.();
      },
      run: async () => {
        await reporter.report();
        return transport.sentBytes;
      },
      close: () => reporter.stop(),
    };
  };
  const quiet = { onError: () => {}, selfMetrics: false };
  return {
    'export.statsd': row(
      (transport) => new StatsdReporter({ registry, transport, ...quiet }),
      () => refill(registry),
    ),
    'export.graphite-plaintext': row(
      (transport) => new GraphiteReporter({ registry, transport, protocol: 'tcp', ...quiet }),
    ),
    'export.graphite-pickle': row(
      (transport) => new GraphiteReporter({ registry, transport, protocol: 'pickle', ...quiet }),
    ),
  };
}
