/**
 * Export rows of the push reporters, on the path they really take: `report()` of a real
 * `StatsdReporter` (its default `distribution: 'interval'`: the statistics of what each
 * timer recorded since the previous report, so the 100 values are recorded again before
 * each timed report) and of a real `GraphiteReporter` (plaintext and pickle), each over
 * a `MemoryTransport` that keeps the bytes instead of sending them.
 */

import { HUNDRED_MS } from '../lib/values.js';
import { fromDist } from '../lib/dist.js';

const MAX_BYTES = 2 ** 31 - 1;

/** Records the 100 values again in every timer (outside the timed part). */
function refill(registry) {
  for (const m of registry.metrics()) if (m.type === 'timer') for (const v of HUNDRED_MS) m.update(v);
}

/** Export rows of the StatsD and Graphite reporters over `registry`. */
export async function reporterExports(registry) {
  const { GraphiteReporter, MemoryTransport, StatsdReporter } = await fromDist('index.js');
  const row = (make, prepare) => {
    const transport = new MemoryTransport({ maxBytes: MAX_BYTES, onError: () => {} });
    const reporter = make(transport);
    return {
      prepare: () => {
        transport.clear();
        prepare?.();
      },
      run: async () => {
        await reporter.report();
        return transport.keptBytes;
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
