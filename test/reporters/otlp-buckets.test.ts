import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { Registry } from '../../src/registry/registry.js';
import { OtlpReporter } from '../../src/reporters/otlp-reporter.js';
import type { OtlpReporterOptions } from '../../src/reporters/otlp-options.js';
import type { Transport, TransportStats } from '../../src/transports/transport.js';
import { decodeProtobuf, metricsByName, pointsOf } from '../helpers/otlp-proto.js';

class Capture implements Transport {
  readonly bodies: Uint8Array[] = [];
  send(record: string | Uint8Array): boolean {
    this.bodies.push(typeof record === 'string' ? Buffer.from(record) : record);
    return true;
  }
  flush(): void {}
  async close(): Promise<void> {}
  get stats(): TransportStats {
    return { sentLines: this.bodies.length, sentBytes: 0, sentPackets: 0, droppedLines: 0, droppedBytes: 0, errors: 0, queuedBytes: 0, reconnects: 0 };
  }
}

const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

function setup(options: OtlpReporterOptions) {
  const clock = new ManualClock({ nowMs: 1_700_000_000_000, monotonicMs: 10_000 });
  const registry = new Registry({ clock });
  const transport = new Capture();
  // Recorded before the reporter exists: not in its first point.
  registry.timer('db.query', { buckets: [10, 100] }).update(50);
  const reporter = new OtlpReporter({ registry, transport, env: {}, protocol: 'http/protobuf', ...options });
  stops.push(() => reporter.stop());
  const histogram = () => {
    const m = metricsByName(decodeProtobuf(transport.bodies.at(-1)!)).get('db.query')!;
    expect(m.data).toBe('histogram');
    return { temporality: m.histogram!.aggregationTemporality, point: pointsOf(m)[0] as unknown as Record<string, unknown> };
  };
  return { clock, registry, reporter, histogram };
}

describe('OTLP explicit-bucket Histogram for metrics with buckets', () => {
  it('cumulative: bounds in seconds, counts per bucket since the reporter first saw the series', async () => {
    const { clock, registry, reporter, histogram } = setup({ temporality: 'cumulative' });
    const t = registry.timer('db.query');
    for (const ms of [5, 20, 30, 500]) t.update(ms);
    clock.advance(10_000);
    await reporter.report();
    const { temporality, point } = histogram();
    expect(temporality).toBe(2);
    expect(point.explicitBounds).toEqual([0.01, 0.1]);
    expect((point.bucketCounts as unknown[]).map(Number)).toEqual([1, 2, 1]);
    expect(Number(point.count)).toBe(4);
    expect(point.sum).toBeCloseTo(0.555, 12);
    t.update(1);
    await reporter.report();
    expect((histogram().point.bucketCounts as unknown[]).map(Number)).toEqual([2, 2, 1]);
  });

  it('delta: the buckets of each interval', async () => {
    const { registry, reporter, histogram } = setup({ temporality: 'delta' });
    const t = registry.timer('db.query');
    t.update(5);
    await reporter.report();
    expect((histogram().point.bucketCounts as unknown[]).map(Number)).toEqual([1, 0, 0]);
    t.update(500);
    t.update(500);
    await reporter.report();
    const { temporality, point } = histogram();
    expect(temporality).toBe(1);
    expect((point.bucketCounts as unknown[]).map(Number)).toEqual([0, 0, 2]);
    expect(Number(point.count)).toBe(2);
  });
});
