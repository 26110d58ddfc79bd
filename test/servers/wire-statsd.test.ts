/**
 * Issue 11 #2 for StatsD, proven against the real daemon (etsy statsd): arbitrary strings
 * (full unicode, unpaired surrogates, control characters, `:|#,;=`, `/`, `_XX` look-alikes,
 * newlines) as names, tag keys and tag values, sent by the StatsdClient (each tag style)
 * and the StatsdReporter. StatsD must see no bad line, and flush exactly the keys we
 * meant: every key it flushed decodes (by an independent decoder of the `_XX` escape) to
 * exactly one name and tag set we sent, with exactly the count we sent for it.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatsdClient } from '../../src/clients/statsd-client.js';
import type { StatsdTagStyle } from '../../src/formats/statsd.js';
import { isTagKey, isTagValue } from '../../src/names.js';
import { Registry } from '../../src/registry/registry.js';
import { StatsdReporter } from '../../src/reporters/statsd-reporter.js';
import { startStatsd, type StatsdServer, type StatsdTotals } from '../helpers/statsd-server.js';
import { decodeUnderscore, hostileString, hostileTags, identity, registryTagValue, unique } from './wire-strings.js';

/** Cases per run (four runs). */
const CASES = 700;

let statsd: StatsdServer;
beforeAll(async () => {
  statsd = await startStatsd({ flushIntervalMs: 250 });
}, 60_000);
afterAll(async () => {
  await statsd.dispose();
});

type Case = { readonly name: string; readonly tags: Record<string, string> | undefined };

/** Reads an etsy StatsD key `name;k=v;k2=v2` back into the name and tags we sent. */
function decodeKey(key: string, prefix: string): string {
  const [name, ...pairs] = key.split(';');
  expect(name!.startsWith(`${prefix}.`)).toBe(true);
  const tags: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    expect(eq).toBeGreaterThan(0);
    tags[decodeUnderscore(pair.slice(0, eq))] = decodeUnderscore(pair.slice(eq + 1));
  }
  return identity(decodeUnderscore(name!.slice(prefix.length + 1)), pairs.length === 0 ? undefined : tags);
}

const ours = (totals: StatsdTotals, prefix: string): [string, number][] =>
  [...totals.counters].filter(([k]) => k.startsWith(`${prefix}.`));

describe('the StatsD wire against the real StatsD (property)', () => {
  const runs: [StatsdTagStyle, 'udp' | 'tcp', number][] = [
    ['dogstatsd', 'tcp', 201],
    ['dogstatsd', 'udp', 202],
    ['none', 'tcp', 203],
    ['telegraf', 'udp', 204],
  ];
  for (const [tagStyle, protocol, seed] of runs) {
    it(`client, ${tagStyle} tags over ${protocol}: no bad line, and exactly the keys we meant`, async () => {
      const prefix = `w${seed}`;
      const arbitrary = fc.record({
        name: hostileString(14),
        tags: tagStyle === 'none' ? fc.constant(undefined) : fc.option(hostileTags, { nil: undefined, freq: 2 }),
      });
      const cases: Case[] = unique(fc.sample(arbitrary, { numRuns: CASES, seed }), (c) => identity(c.name, c.tags));
      const client = new StatsdClient({ port: protocol === 'udp' ? statsd.udpPort : statsd.tcpPort, protocol, prefix, tagStyle, onError: () => {}, env: {} });
      const before = statsd.totals();
      const expected = new Map<string, number>();
      let refused = 0;
      cases.forEach((c, i) => {
        client.incr(c.name, i + 1, c.tags === undefined ? undefined : { tags: c.tags });
        const valid = c.name !== '' && Object.entries(c.tags ?? {}).every(([k, v]) => isTagKey(k) && isTagValue(v));
        if (!valid) refused++;
        else expected.set(identity(c.name, c.tags === undefined || Object.keys(c.tags).length === 0 ? undefined : c.tags), i + 1);
      });
      await client.stop();
      expect(client.stats.invalid).toBe(refused);
      expect(client.stats.droppedLines).toBe(0);
      expect(expected.size).toBeGreaterThan(tagStyle === 'none' ? 550 : 300);
      const sum = [...expected.values()].reduce((a, b) => a + b, 0);
      const totals = await statsd.waitFor((t) => ours(t, prefix).reduce((a, [, v]) => a + v, 0) >= sum, 20_000);
      expect(totals.badLines - before.badLines).toBe(0);
      const flushed = ours(totals, prefix);
      expect(flushed.reduce((a, [, v]) => a + v, 0)).toBe(sum);
      if (tagStyle === 'telegraf') {
        // etsy StatsD does not read Telegraf tags: it keeps `name,k=v` as one key and deletes
        // the `,`. Every line still parses, no line or field is forged, and every key is ours.
        expect(flushed.length).toBeLessThanOrEqual(expected.size);
        for (const [key] of flushed) expect(key).toMatch(/^[A-Za-z0-9_.=-]+$/);
        return;
      }
      // Exactly our series: one key per series, decoding to it, with its own count.
      const back = new Map(flushed.map(([k, v]) => [decodeKey(k, prefix), v]));
      expect(back.size).toBe(flushed.length);
      expect([...back].sort()).toEqual([...expected].sort());
    }, 60_000);
  }

  it('reporter: registry tag values of any kind become exactly their own StatsD keys (dogstatsd, tcp)', async () => {
    const registry = new Registry();
    const values = unique(fc.sample(registryTagValue, { numRuns: 600, seed: 205 }), (v) => v);
    const expected = new Map<string, number>();
    values.forEach((v, i) => {
      registry.counter('hits', { tags: { route: v, name: v } }).inc(i + 1);
      expected.set(identity('hits', { name: v, route: v }), i + 1);
    });
    const before = statsd.totals();
    const reporter = new StatsdReporter({ registry, port: statsd.tcpPort, protocol: 'tcp', prefix: 'wrep', onError: () => {}, env: {} });
    await reporter.stop();
    const sum = [...expected.values()].reduce((a, b) => a + b, 0);
    const totals = await statsd.waitFor((t) => ours(t, 'wrep').reduce((a, [, v]) => a + v, 0) >= sum, 20_000);
    expect(totals.badLines - before.badLines).toBe(0);
    const back = new Map(ours(totals, 'wrep').map(([k, v]) => [decodeKey(k, 'wrep'), v]));
    expect([...back].sort()).toEqual([...expected].sort());
  }, 60_000);
});
