import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { ErrorCodes } from '../../src/errors.js';
import { StatsdClient, type StatsdClientOptions } from '../../src/clients/statsd-client.js';
import { MemoryTransport } from '../../src/transports/memory.js';

function client(options: StatsdClientOptions = {}) {
  const transport = new MemoryTransport();
  return { transport, statsd: new StatsdClient({ transport, env: {}, ...options }) };
}

describe('StatsdClient lines (golden, through a MemoryTransport)', () => {
  it('writes every call as one StatsD record', async () => {
    let draws = 0;
    const { transport, statsd } = client({ prefix: 'web', globalTags: { env: 'prod' }, random: () => (draws++ % 2 === 0 ? 0.1 : 0.9) });
    statsd.incr('hits');
    statsd.incr('hits', 3, { tags: { route: '/a' } });
    statsd.decr('hits', 2);
    statsd.incr('sampled', 1, { sampleRate: 0.5 }); // kept (0.1 < 0.5)
    statsd.incr('sampled', 1, { sampleRate: 0.5 }); // sampled out
    statsd.gauge('level', -4);
    statsd.gauge('level', 2, { delta: true });
    statsd.timing('db', 12.5);
    statsd.set('users', 'alice@example.com');
    await statsd.stop();
    expect(transport.records()).toEqual([
      'web.hits:1|c|#env:prod',
      'web.hits:3|c|#env:prod,route:_2Fa',
      'web.hits:-2|c|#env:prod',
      'web.sampled:1|c|@0.5|#env:prod',
      'web.level:0|g|#env:prod\nweb.level:-4|g|#env:prod',
      'web.level:+2|g|#env:prod',
      'web.db:12.5|ms|#env:prod',
      'web.users:alice@example.com|s|#env:prod',
    ]);
    expect(statsd.stats.sampledOut).toBe(1);
  });

  it('times code with the injected monotonic clock', async () => {
    const clock = new ManualClock({ monotonicMs: 100 });
    const { transport, statsd } = client({ clock });
    const render = statsd.timer('render');
    expect(
      render.time(() => {
        clock.advance(7);
        return 'html';
      }),
    ).toBe('html');
    const sw = render.start();
    clock.advance(2.5);
    sw.stop();
    expect(() => render.time('not a function' as never)).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_ARGUMENT }));
    await statsd.stop();
    expect(transport.records()).toEqual(['render:7|ms', 'render:2.5|ms']);
  });
});

describe('StatsdClient hot paths never throw', () => {
  it('drops and counts bad names, values and sample rates', async () => {
    const { transport, statsd } = client();
    statsd.incr('x', Number.NaN);
    statsd.incr('x', 'five' as never);
    statsd.incr(undefined as never);
    statsd.incr(Symbol('s') as never);
    statsd.incr('x', 1, { sampleRate: 7 });
    statsd.incr('x', 1, { sampleRate: 'half' as never });
    statsd.decr('x', null as never);
    statsd.gauge('x', Number.POSITIVE_INFINITY);
    statsd.gauge(42 as never, 1);
    statsd.timing('x', -1);
    statsd.timing('x', Number.NaN);
    statsd.set('x', Number.NaN);
    statsd.set('x', {} as never);
    expect(statsd.stats.invalid).toBe(13);
    statsd.incr('ok', 1, { tags: { k: '3' } });
    await statsd.stop();
    expect(transport.records()).toEqual(['ok:1|c|#k:3']);
  });

  // issue 11 #8: `{ k: {} }` was sent as `k:_object_Object_`, a getter or a toString that
  // throws threw out of the call; issue 11 #11: JSON's `{"__proto__": "x"}` tags were dropped
  // silently (the line went out untagged).
  it('regression: drops and counts hostile tags, names, options and arguments on every call, never throws', async () => {
    const { transport, statsd } = client();
    const bomb = { toString(): string { throw new Error('toString'); } };
    const getter = { get tags(): never { throw new Error('getter'); } };
    const proxy = new Proxy({}, { ownKeys: () => { throw new Error('proxy'); } });
    const calls: (() => unknown)[] = [];
    const bad: unknown[] = [
      { tags: { k: {} } },
      { tags: { k: 5 } },
      { tags: { k: Symbol('v') } },
      { tags: { k: '' } },
      { tags: { k: 'a\nb' } },
      { tags: { k: '\udc00' } },
      { tags: { 'k:1': 'v' } },
      { tags: JSON.parse('{"__proto__":"x"}') as unknown },
      { tags: { k: bomb } },
      { tags: proxy },
      { tags: 5 },
      { tags: null },
      getter,
      0.5,
      null,
    ];
    for (const options of bad) {
      calls.push(
        () => statsd.incr('n', 1, options as never),
        () => statsd.decr('n', 1, options as never),
        () => statsd.gauge('n', 1, options as never),
        () => statsd.timing('n', 1, options as never),
        () => statsd.set('n', 'm', options as never),
        () => statsd.timer('n', options as never).update(1),
      );
    }
    for (const name of [Symbol('s'), bomb, {}, '', 7]) {
      calls.push(() => statsd.incr(name as never), () => statsd.gauge(name as never, 1), () => statsd.set(name as never, 'm'));
      calls.push(() => statsd.timer(name as never).time(() => 1));
    }
    calls.push(() => statsd.set('n', bomb as never), () => statsd.set('n', Symbol('m') as never));
    for (const call of calls) expect(call).not.toThrow();
    expect(statsd.stats.invalid).toBe(calls.length);
    await statsd.stop();
    expect(transport.records()).toEqual([]);
  });

  it('after stop(), calls are dropped and counted, even over a transport it does not own', async () => {
    const { transport, statsd } = client();
    await statsd.stop();
    await statsd.stop(); // twice is fine
    statsd.incr('late');
    expect(statsd.stats.droppedLines).toBe(1);
    expect(transport.records()).toEqual([]);
    expect(transport.closed).toBe(false);
  });

  it('stops on await using', async () => {
    const transport = new MemoryTransport();
    {
      await using statsd = new StatsdClient({ transport, env: {} });
      statsd.incr('in');
    }
    expect(transport.records()).toEqual(['in:1|c']);
  });

  it('closes a transport it created, within stopTimeoutMs', async () => {
    const statsd = new StatsdClient({ protocol: 'tcp', port: 9, stopTimeoutMs: 50, onError: () => {}, env: {} }).start();
    statsd.incr('x');
    const started = Date.now();
    await statsd.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(statsd.stats.droppedLines).toBe(1);
  });
});

describe('StatsdClient options', () => {
  const invalid: unknown = expect.objectContaining({ code: ErrorCodes.INVALID_OPTION });
  it.each([
    ['sampleRate', 0],
    ['sampleRate', 1.5],
    ['sampleRate', '1'],
    ['random', 0.5],
    ['clock', Date],
    ['onError', 'warn'],
    ['stopTimeoutMs', -1],
    ['host', ' '],
    ['port', 1e6],
    ['protocol', 'quic'],
    ['prefix', ['a']],
    ['tagStyle', 'datadog'],
    ['typePrefixes', 'true'],
    ['globalTags', { env: null }],
    ['maxDatagramBytes', 0],
    ['maxQueueBytes', 'big'],
    ['dropPolicy', 'fifo'],
    ['flushIntervalMs', Number.NaN],
    ['transport', 'udp'],
    ['env', null],
  ])('rejects %s = %j', (key, value) => {
    expect(() => new StatsdClient({ env: {}, [key]: value })).toThrow(invalid);
  });

  it.each([
    ['prefx', 'prefix'],
    ['protocl', 'protocol'],
    ['sampleRte', 'sampleRate'],
    ['stopTimeout', 'stopTimeoutMs'],
  ])('rejects the unknown key %s, suggesting %s', (key, suggestion) => {
    expect(() => new StatsdClient({ env: {}, [key]: 1 })).toThrow(
      expect.objectContaining({ code: ErrorCodes.UNKNOWN_OPTION, option: key, suggestion }),
    );
  });

  it('reads STATSD_* from env, naming a bad variable', async () => {
    expect(() => new StatsdClient({ env: { STATSD_PORT: '70000' } })).toThrow(
      expect.objectContaining({ code: ErrorCodes.INVALID_OPTION, option: 'environment variable STATSD_PORT' }),
    );
    const transport = new MemoryTransport();
    const statsd = new StatsdClient({ transport, env: { STATSD_PREFIX: 'svc' } });
    statsd.incr('a');
    await statsd.stop();
    expect(transport.records()).toEqual(['svc.a:1|c']);
  });
});
