// Regression: stop() awaited every callback gauge for its own timeout, so a gauge whose
// timeout was longer than stopTimeoutMs held the final report past the stop budget; stop()
// then gave up and closed the transport, and the counters of the final report never
// arrived. Each gauge read is now bounded by what is left of the stop budget (less the
// close's share): the slow gauge alone is reported as timed out, the rest goes out.
import { describe, expect, it } from 'vitest';
import { Registry } from '../../src/registry/registry.js';
import type { ReporterError } from '../../src/reporters/report.js';
import { StatsdReporter } from '../../src/reporters/statsd-reporter.js';
import { MemoryTransport } from '../../src/transports/memory.js';

describe('stop() with a gauge slower than the stop budget', () => {
  it('sends the rest of the final report within stopTimeoutMs', async () => {
    const registry = new Registry();
    registry.counter('jobs.done').inc(3);
    registry.gauge('pool.size', () => new Promise<number>(() => {}), { timeoutMs: 10_000 });
    registry.gauge('queue.depth', async () => 4, { timeoutMs: 10_000 });
    const transport = new MemoryTransport();
    const errors: ReporterError[] = [];
    const reporter = new StatsdReporter({ registry, transport, env: {}, stopTimeoutMs: 500, onError: (e) => errors.push(e) });
    const started = performance.now();
    await reporter.stop();
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(transport.lines()).toEqual(['jobs.done:3|c', 'queue.depth:4|g']);
    expect(errors.map((e) => e.kind)).toEqual(['gauge']);
    expect(errors[0]!.message).toContain('pool.size');
  });
});
