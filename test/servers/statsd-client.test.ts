/**
 * The direct StatsdClient against the real StatsD daemon, over UDP and TCP: counts,
 * timings, gauges and sets must arrive exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { StatsdClient } from '../../src/clients/statsd-client.js';
import { startStatsd, type StatsdServer } from '../helpers/statsd-server.js';

let statsd: StatsdServer;
beforeAll(async () => {
  statsd = await startStatsd();
});
afterAll(async () => {
  await statsd.dispose();
});

describe.each(['udp', 'tcp'] as const)('StatsdClient over %s with the real StatsD', (protocol) => {
  const client = (prefix: string, extra: Partial<ConstructorParameters<typeof StatsdClient>[0]> = {}) =>
    new StatsdClient({
      port: protocol === 'udp' ? statsd.udpPort : statsd.tcpPort,
      protocol,
      prefix,
      env: {},
      ...extra,
    }).start();

  it('counts exactly, with per-call sample rates scaled back by StatsD', async () => {
    const p = `${protocol}.cli.count`;
    let draws = 0;
    // Deterministic sampling: every other call at rate 0.5 is kept.
    const c = client(p, { random: () => (draws++ % 2 === 0 ? 0.1 : 0.9) });
    for (let i = 0; i < 500; i++) c.incr('hits');
    c.incr('hits', 5);
    c.decr('hits', 2);
    for (let i = 0; i < 100; i++) c.incr('sampled', 1, { sampleRate: 0.5 });
    c.incr('tagged', 3, { tags: { route: '/a/:b', code: '200' } });
    await c.stop();
    const totals = await statsd.waitFor(
      (t) => t.counters.get(`${p}.hits`) === 503 && t.counters.get(`${p}.sampled`) === 100 && t.counters.has(`${p}.tagged;code=200;route=_2Fa_2F_3Ab`),
    );
    expect(totals.counters.get(`${p}.hits`)).toBe(503);
    expect(totals.counters.get(`${p}.sampled`)).toBe(100); // 50 sent at @0.5
    expect(totals.counters.get(`${p}.tagged;code=200;route=_2Fa_2F_3Ab`)).toBe(3);
    expect(c.stats.sampledOut).toBe(50);
    expect(c.stats.sentLines).toBe(503 - 1 + 50 + 1 - 1 + 1); // 500 + incr(5) + decr + 50 + tagged
    expect(totals.badLines).toBe(0);
  });

  it('sends timings, timers and their durations exactly', async () => {
    const p = `${protocol}.cli.time`;
    const clock = new ManualClock({ monotonicMs: 500 });
    const c = client(p, { clock });
    const sent = [0, 1.5, 12, 250.125, 1e-3];
    for (const d of sent) c.timing('db', d);
    c.timing('db', -1); // invalid: dropped and counted, never a bad line
    c.timing('db', Number.NaN);
    const render = c.timer('render');
    const out = render.time(() => {
      clock.advance(42);
      return 'html';
    });
    expect(out).toBe('html');
    const sw = render.start();
    clock.advance(7.25);
    expect(sw.stop()).toBe(7.25);
    expect(sw.stop()).toBe(7.25); // once only
    await render.time(async () => {
      clock.advance(3);
    });
    expect(() =>
      render.time(() => {
        clock.advance(1);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    await c.stop();
    const totals = await statsd.waitFor((t) => (t.timers.get(`${p}.render`) ?? []).length === 4 && (t.timers.get(`${p}.db`) ?? []).length === 5);
    expect(totals.timers.get(`${p}.db`)).toEqual([...sent].sort((a, b) => a - b)); // StatsD sorts them
    expect([...totals.timers.get(`${p}.render`)!].sort((a, b) => a - b)).toEqual([1, 3, 7.25, 42]);
    expect(c.stats.invalid).toBe(2);
    expect(totals.badLines).toBe(0);
  });

  it('sets, deltas and negative values of gauges', async () => {
    const p = `${protocol}.cli.gauge`;
    const c = client(p);
    c.gauge('level', 10);
    c.gauge('level', 5, { delta: true });
    c.gauge('level', -3, { delta: true });
    c.gauge('neg', 4);
    c.gauge('neg', -8); // set, not decrement
    await c.stop();
    const totals = await statsd.waitFor((t) => t.gauges.has(`${p}.level`) && t.gauges.has(`${p}.neg`));
    expect(totals.gauges.get(`${p}.level`)).toBe(12);
    expect(totals.gauges.get(`${p}.neg`)).toBe(-8);
  });

  it('counts distinct set members', async () => {
    const p = `${protocol}.cli.set`;
    const c = client(p);
    for (const m of ['alice', 'bob', 'alice', 'carol@example.com', 42, 'bob']) c.set('users', m);
    await c.stop();
    const totals = await statsd.waitFor((t) => t.sets.has(`${p}.users`));
    expect([...totals.sets.get(`${p}.users`)!].sort()).toEqual(['42', 'alice', 'bob', 'carol@example.com']);
  });

  it('adds global tags and type prefixes', async () => {
    const p = `${protocol}.cli.sprockets`;
    const c = client(p, { typePrefixes: true, globalTags: { env: 'test' } });
    c.incr('a');
    c.timing('b', 5);
    c.gauge('g', 1, { tags: { env: 'override' } });
    await c.stop();
    const totals = await statsd.waitFor((t) => t.gauges.has(`${p}.gauges.g;env=override`) && t.counters.has(`${p}.counters.a;env=test`));
    expect(totals.counters.get(`${p}.counters.a;env=test`)).toBe(1);
    expect(totals.timers.get(`${p}.timers.b;env=test`)).toEqual([5]);
    expect(totals.gauges.get(`${p}.gauges.g;env=override`)).toBe(1);
  });

  it('drops calls after stop(), counted', async () => {
    const c = client(`${protocol}.cli.after`);
    await c.stop();
    await c.stop(); // twice is fine
    c.incr('late');
    expect(c.stats.droppedLines).toBe(1);
  });
});

describe('StatsdClient options', () => {
  it('rejects bad options with coded errors', () => {
    const code = { code: 'ERR_TAPEMEASURE_INVALID_OPTION' };
    expect(() => new StatsdClient({ sampleRate: 0, env: {} })).toThrow(expect.objectContaining(code));
    expect(() => new StatsdClient({ sampleRate: 2, env: {} })).toThrow(expect.objectContaining(code));
    expect(() => new StatsdClient({ env: { STATSD_PORT: '70000' } })).toThrow(/STATSD_PORT/);
    expect(() => new StatsdClient({ transport: {} as never, env: {} })).toThrow(expect.objectContaining(code));
  });

  it('never throws on bad input at call time', async () => {
    const c = new StatsdClient({ port: statsd.udpPort, env: {} });
    c.incr('x', Number.NaN);
    c.incr('x', 1, { sampleRate: 7 });
    c.gauge('x', Number.POSITIVE_INFINITY);
    c.set('x', Number.NaN);
    c.set('x', {} as unknown as string);
    expect(c.stats.invalid).toBe(5);
    await c.stop();
  });
});
