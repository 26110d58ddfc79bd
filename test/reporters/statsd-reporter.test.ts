import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { ErrorCodes } from '../../src/errors.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import { Registry } from '../../src/registry/registry.js';
import type { ReporterError } from '../../src/reporters/scheduled-reporter.js';
import { StatsdReporter, type StatsdReporterOptions } from '../../src/reporters/statsd-reporter.js';
import { MemoryTransport } from '../../src/transports/memory.js';
import type { Transport, TransportStats } from '../../src/transports/transport.js';
import { freePort } from '../helpers/net.js';
import { waitUntil } from '../helpers/wait.js';

/** A transport of your own (any object with send, flush, close and stats) that refuses on demand. */
class Refusing implements Transport {
  readonly records: string[] = [];
  dropNext = 0;
  #dropped = 0;
  send(record: string | Uint8Array): boolean {
    if (this.dropNext > 0) {
      this.dropNext--;
      this.#dropped++;
      return false;
    }
    this.records.push(typeof record === 'string' ? record : Buffer.from(record).toString());
    return true;
  }
  flush(): void {}
  async close(): Promise<void> {}
  get stats(): TransportStats {
    return {
      sentLines: this.records.length,
      sentBytes: 0,
      sentPackets: 0,
      droppedLines: this.#dropped,
      droppedBytes: 0,
      errors: 0,
      queuedBytes: 0,
      reconnects: 0,
    };
  }
}

function setup(options: StatsdReporterOptions = {}) {
  const clock = new ManualClock({ nowMs: 1_700_000_000_000, monotonicMs: 10_000 });
  const registry = new Registry({ clock });
  const transport = new Refusing();
  const reporter = new StatsdReporter({ registry, transport, env: {}, ...options });
  reporter.start(3_600_000);
  return { clock, registry, transport, reporter };
}

describe('StatsdReporter wire mapping (golden)', () => {
  it('maps every metric type', async () => {
    const { clock, registry, transport, reporter } = setup({ prefix: 'app', globalTags: { host: 'h1' } });
    registry.counter('c').inc(5);
    registry.gauge('g').set(-2);
    const m = registry.meter('m');
    m.mark(10);
    const t = registry.timer('t', { tags: { route: '/x' } });
    t.update(3);
    t.update(5);
    clock.advance(5_000);
    await reporter.report();
    const r = m.snapshot();
    const ts = t.snapshot();
    // Every count first (a count lost is lost for ever), then gauges and statistics.
    expect(transport.records).toEqual([
      'app.c:5|c|#host:h1',
      'app.m.count:10|c|#host:h1',
      'app.t.count:2|c|#host:h1,route:_2Fx',
      'app.g:0|g|#host:h1\napp.g:-2|g|#host:h1',
      `app.m.mean_rate:${r.meanRate}|g|#host:h1`,
      `app.m.m1_rate:${r.m1Rate}|g|#host:h1`,
      `app.m.m5_rate:${r.m5Rate}|g|#host:h1`,
      `app.m.m15_rate:${r.m15Rate}|g|#host:h1`,
      'app.t.min:3|g|#host:h1,route:_2Fx',
      'app.t.max:5|g|#host:h1,route:_2Fx',
      'app.t.mean:4|g|#host:h1,route:_2Fx',
      'app.t.stddev:1|g|#host:h1,route:_2Fx',
      'app.t.p50:3|g|#host:h1,route:_2Fx',
      'app.t.p75:5|g|#host:h1,route:_2Fx',
      'app.t.p95:5|g|#host:h1,route:_2Fx',
      'app.t.p98:5|g|#host:h1,route:_2Fx',
      'app.t.p99:5|g|#host:h1,route:_2Fx',
      'app.t.p999:5|g|#host:h1,route:_2Fx',
      `app.t.mean_rate:${ts.meanRate}|g|#host:h1,route:_2Fx`,
      `app.t.m1_rate:${ts.m1Rate}|g|#host:h1,route:_2Fx`,
      `app.t.m5_rate:${ts.m5Rate}|g|#host:h1,route:_2Fx`,
      `app.t.m15_rate:${ts.m15Rate}|g|#host:h1,route:_2Fx`,
    ]);
    // Second report: deltas only, and an empty interval sends no statistics.
    transport.records.length = 0;
    registry.counter('c').inc(2);
    await reporter.report();
    expect(transport.records.filter((l) => !l.includes('_rate'))).toEqual([
      'app.c:2|c|#host:h1',
      'app.m.count:0|c|#host:h1',
      'app.t.count:0|c|#host:h1,route:_2Fx',
      'app.g:0|g|#host:h1\napp.g:-2|g|#host:h1',
    ]);
    await reporter.stop();
  });

  it('honours statistics, units, type prefixes and tag style', async () => {
    const { clock, registry, transport, reporter } = setup({
      statistics: ['count', 'p99', 'm1Rate'],
      rateUnit: 'min',
      durationUnit: 's',
      typePrefixes: true,
      tagStyle: 'telegraf',
    });
    const t = registry.timer('t', { tags: { k: 'v' } });
    t.update(1_500);
    clock.advance(5_000);
    await reporter.report();
    expect(transport.records).toEqual([
      'counters.t.count,k=v:1|c',
      'gauges.t.p99,k=v:1.5|g',
      `gauges.t.m1_rate,k=v:${t.m1Rate * 60}|g`,
    ]);
    await reporter.stop();
  });

  it('counts what the transport refused, and carries refused deltas into the next report', async () => {
    const { registry, transport, reporter } = setup();
    registry.counter('a').inc();
    registry.counter('b').inc();
    transport.dropNext = 1;
    await reporter.report();
    expect(reporter.stats.dropped).toBe(1);
    expect(transport.records).toEqual(['b:1|c']);
    registry.counter('a').inc(2);
    transport.dropNext = 1; // refused again: the carry grows
    await reporter.report();
    registry.counter('b').inc(5);
    await reporter.report();
    expect(transport.records).toEqual(['b:1|c', 'b:0|c', 'a:3|c', 'b:5|c']);
    expect(reporter.stats.dropped).toBe(2);
    await reporter.stop();
  });
});

describe('StatsdReporter construction', () => {
  it('reports the default registry when given only options', async () => {
    const transport = new MemoryTransport();
    const reporter = new StatsdReporter({ transport, env: {}, filter: 'statsd_reporter_default_test' });
    expect(reporter.registry).toBe(defaultRegistry);
    defaultRegistry.counter('statsd_reporter_default_test').inc(4);
    await reporter.stop();
    expect(transport.records()).toEqual(['statsd_reporter_default_test:4|c']);
    expect(transport.closed).toBe(false); // a transport passed in stays yours
    expect(reporter.stats.bytes).toBe(transport.stats.sentBytes);
  });

  it('reads STATSD_PREFIX (and the target) from env, never from process.env on its own', async () => {
    const registry = new Registry();
    registry.counter('c').inc();
    const transport = new MemoryTransport();
    const reporter = new StatsdReporter({ registry, transport, env: { STATSD_PREFIX: 'from.env' } });
    await reporter.stop();
    expect(transport.lines()).toEqual(['from.env.c:1|c']);
    const own = new MemoryTransport();
    await new StatsdReporter({ registry, transport: own, prefix: 'opt', env: { STATSD_PREFIX: 'from.env' } }).stop();
    expect(own.lines()).toEqual(['opt.c:1|c']);
  });

  it('passes transport failures to onError as kind "transport", never throwing', async () => {
    const port = await freePort('tcp');
    const errors: ReporterError[] = [];
    const registry = new Registry();
    registry.counter('x').inc();
    const reporter = new StatsdReporter({
      registry,
      port,
      protocol: 'tcp',
      onError: (e) => errors.push(e),
      closeTimeoutMs: 100,
      env: {},
    });
    await reporter.report();
    await waitUntil(() => errors.length > 0, { what: 'the connection failure' });
    expect(errors[0]?.kind).toBe('transport');
    expect(errors[0]?.cause).toMatchObject({ code: 'ERR_TAPEMEASURE_CONNECTION_FAILED' });
    await reporter.stop();
    // the report's line and the final report's line were still queued at close: dropped, counted
    expect(reporter.transportStats.droppedLines).toBe(2);
    expect(reporter.stats.dropped).toBe(2);
  });

});

describe('StatsdReporter options', () => {
  const invalid: unknown = expect.objectContaining({ code: ErrorCodes.INVALID_OPTION });
  it.each([
    ['host', ''],
    ['host', 'a b'],
    ['port', 0],
    ['port', '8125'],
    ['protocol', 'http'],
    ['prefix', 3],
    ['tagStyle', 'influx'],
    ['typePrefixes', 1],
    ['globalTags', { 'bad key': 'v' }],
    ['globalTags', { env: 1 }],
    ['maxDatagramBytes', 1],
    ['maxDatagramBytes', 65_508],
    ['maxQueueBytes', 0],
    ['maxQueueBytes', 1_000], // below the 1432-byte datagram
    ['dropPolicy', 'random'],
    ['flushIntervalMs', -5],
    ['transport', {}],
    ['transport', { send() {}, flush() {} }],
    ['env', { STATSD_PORT: 8125 }],
    ['env', 'production'],
    ['closeTimeoutMs', -1],
    ['closeTimeoutMs', 1.5],
    // the reporter's own (REPORTER_OPTIONS) still checked
    ['stopTimeoutMs', 0],
    ['registry', {}],
  ])('rejects %s = %j', (key, value) => {
    expect(() => new StatsdReporter({ env: {}, [key]: value })).toThrow(invalid);
  });

  it.each([
    ['prefx', 'prefix'],
    ['protocl', 'protocol'],
    ['globalTag', 'globalTags'],
    ['closeTimeout', 'closeTimeoutMs'],
    ['intervl', undefined],
    ['registy', 'registry'],
  ])('rejects the unknown key %s, suggesting %s', (key, suggestion) => {
    expect(() => new StatsdReporter({ env: {}, [key]: 1 })).toThrow(
      expect.objectContaining({ code: ErrorCodes.UNKNOWN_OPTION, option: key, ...(suggestion === undefined ? {} : { suggestion }) }),
    );
  });

  it('rejects bad environment variables, naming them', () => {
    for (const env of [{ STATSD_PORT: 'abc' }, { STATSD_PORT: '70000' }, { STATSD_PROTOCOL: 'http' }, { STATSD_HOST: 'a b' }]) {
      expect(() => new StatsdReporter({ env })).toThrow(
        expect.objectContaining({ code: ErrorCodes.INVALID_OPTION, option: `environment variable ${Object.keys(env)[0]!}` }),
      );
    }
  });

  it('rejects options that would configure a transport beside the one given', () => {
    const transport = new MemoryTransport();
    for (const key of ['host', 'port', 'maxQueueBytes', 'dropPolicy', 'flushIntervalMs', 'maxDatagramBytes']) {
      const value = key === 'host' ? 'h' : key === 'dropPolicy' ? 'oldest' : 2000;
      expect(() => new StatsdReporter({ env: {}, transport, [key]: value })).toThrow(invalid);
    }
  });

  it('rejects a transport that is not one', () => {
    expect(() => new StatsdReporter({ registry: new Registry(), transport: {} as Transport })).toThrow(
      expect.objectContaining({ code: 'ERR_TAPEMEASURE_INVALID_OPTION' }),
    );
  });
});
