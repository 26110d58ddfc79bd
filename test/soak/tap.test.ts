/**
 * The soak's tap (bench/soak/tap.js) reads what tapemeasure hands the wire: its pickle
 * decoder must read tapemeasure's own encoder exactly, and its StatsD parser must key
 * lines as etsy StatsD does (checked against the real daemon).
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeGraphitePickle } from '../../src/formats/graphite-pickle.js';
import { MemoryTransport } from '../../src/transports/memory.js';
import { UdpTransport } from '../../src/transports/udp.js';
import { startStatsd, type StatsdServer } from '../helpers/statsd-server.js';
import { decodePickleFrame as decode, etsyParse as parse, TappedTransport, type StatsdLedger } from '../../bench/soak/tap.js';

describe('decodePickleFrame', () => {
  it('reads back every point tapemeasure encodes (paths, timestamps of every width, values)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            path: fc.string({ minLength: 1, maxLength: 40 }),
            timestampS: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 2 ** 31, max: 2 ** 40 })),
            value: fc.double({ noNaN: true, noDefaultInfinity: true }),
          }),
          { minLength: 1, maxLength: 1_200 },
        ),
        (points) => {
          const { frames } = encodeGraphitePickle(points);
          const read = frames.flatMap((f) => decode(f));
          expect(read).toEqual(points.map((p) => ({ path: p.path, ts: p.timestampS, value: p.value })));
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('TappedTransport', () => {
  it('writes down accepted and refused count lines, and the carried delta', async () => {
    const inner = new MemoryTransport({ maxBytes: 60 });
    const tap = new TappedTransport({ inner, kind: 'statsd', startMs: Date.now(), seconds: 10, track: () => true });
    expect(tap.send('u.soak.events:5|c\nu.soak.size.p99:3|g')).toBe(true);
    expect(tap.send('u.soak.events:2|c')).toBe(true);
    expect(tap.send('u.soak.events:4|c')).toBe(false); // full: the reporter carries 4
    const ledger = tap.ledger() as StatsdLedger;
    expect(ledger.counts['u.soak.events']).toMatchObject({ accepted: 7, outstanding: 4 });
    expect(ledger.counts['u.soak.size.p99']).toBeUndefined();
    await tap.close(0);
  });
});

describe('etsyParse keys lines as the real StatsD stores them', () => {
  let statsd: StatsdServer | undefined;
  afterAll(async () => statsd?.dispose());

  it('tagged and untagged counters', async () => {
    statsd = await startStatsd();
    const lines = ['a.b:3|c', 'a.c.count:2|c|#method:GET,route:/users/:id,status:2xx', 'a.d:1|c|@0.5'];
    const udp = new UdpTransport({ port: statsd.udpPort });
    for (const l of lines) udp.send(l);
    udp.flush();
    const expected = new Map(lines.map((l) => { const p = parse(l)!; return [p.key, p.value / p.rate] as const; }));
    const totals = await statsd.waitFor((t) => [...expected].every(([k, v]) => t.counters.get(k) === v));
    for (const [k, v] of expected) expect(totals.counters.get(k), k).toBe(v);
    await udp.close(1_000);
  });
});
