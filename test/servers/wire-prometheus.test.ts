/**
 * Issue 11 #2 for Prometheus, proven against the real parsers: registry tags with
 * arbitrary keys (every key tags allow, the reserved ones included) and arbitrary values
 * (full unicode, `"`, `\`, `{}`, `=`, `,`, `#`, line and paragraph separators, BOMs) on
 * many series, served by metricsHandler. `promtool check metrics` must accept the text
 * output, and the real Prometheus, scraping it in OpenMetrics and in text 0.0.4, must
 * store exactly the series we meant with exactly their values.
 */
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { metricsHandler } from '../../src/exposition/handler.js';
import { isTagKey } from '../../src/names.js';
import { Registry } from '../../src/registry/registry.js';
import { ensurePrometheus, startPrometheus, type PrometheusServer } from '../helpers/prometheus-server.js';
import { waitUntil } from '../helpers/wait.js';
import { hostileTagKey, identity, registryTagValue, unique } from './wire-strings.js';

const CASES = 1500;

/**
 * The label a tag key must become, from the documented rule (not from our encoder):
 * reserved keys and keys starting with `tag_` get a `tag_` prefix. `job` and `instance`
 * are left out of the keys: Prometheus renames them to `exported_...` itself.
 */
const label = (key: string): string =>
  key === 'quantile' || key === 'le' || key.startsWith('__') || key.startsWith('tag_') ? `tag_${key}` : key;

const tagKey = hostileTagKey.filter((k) => isTagKey(k) && k !== 'job' && k !== 'instance' && !k.startsWith('exported_'));

describe('the Prometheus wire against promtool and the real Prometheus (property)', () => {
  const clock = new ManualClock({ nowMs: Date.now(), monotonicMs: 1_000_000 });
  const registry = new Registry({ clock });
  /** `name{sorted labels}` -> value, as Prometheus must store it. */
  const expected = new Map<string, number>();
  let server: Server;
  let prometheus: PrometheusServer;
  let target: string;

  const key = (name: string, labels: Readonly<Record<string, string>>): string =>
    `${name}{${Object.keys(labels)
      .filter((k) => k !== '__name__' && k !== 'job' && k !== 'instance')
      .sort()
      .map((k) => `${k}=${JSON.stringify(labels[k])}`)
      .join(',')}}`;

  beforeAll(async () => {
    const cases = unique(
      fc.sample(fc.record({ n: fc.integer({ min: 0, max: 29 }), tags: fc.dictionary(tagKey, registryTagValue, { minKeys: 1, maxKeys: 3 }) }), {
        numRuns: CASES,
        seed: 301,
      }),
      (c) => identity(`${c.n}`, c.tags),
    );
    cases.forEach((c, i) => {
      registry.counter(`wire.n${c.n}`, { tags: c.tags }).inc(i + 1);
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(c.tags)) labels[label(k)] = v;
      expected.set(key(`wire_n${c.n}_total`, labels), i + 1);
    });
    const handler = metricsHandler({ registry, onError: () => {} });
    server = createServer((req, res) => {
      void handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    prometheus = await startPrometheus([
      { name: 'wire_openmetrics', target },
      { name: 'wire_text', target, params: { format: ['prometheus'] } },
    ]);
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    await new Promise<void>((resolve) => server?.close(() => { resolve(); }));
  });

  it('promtool check metrics accepts the text output, and every series is there once', async () => {
    expect(expected.size).toBeGreaterThan(1000);
    const { promtool } = ensurePrometheus();
    const response = await fetch(`http://${target}/metrics`, { headers: { accept: 'text/plain;version=0.0.4' } });
    const text = await response.text();
    const result = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 20_000 });
    // Tag keys are the user's: a camelCase key is a style lint (promtool exits 3 for lints),
    // never a parse error, which is what this test is about.
    const problems = `${result.stdout}${result.stderr}`
      .split('\n')
      .filter((l) => l !== '' && !/label names should be written in 'snake_case' not 'camelCase'$/.test(l));
    expect(problems).toEqual([]);
    expect(result.status === 0 || result.status === 3).toBe(true);
    // A parse error would be reported and stop the lint: check that promtool read it all
    // by making it fail on a forged line at the very end.
    const tail = spawnSync(promtool, ['check', 'metrics'], { input: `${text}wire_forged{a="1" 1\n`, encoding: 'utf8', timeout: 20_000 });
    expect(tail.stdout + tail.stderr).toMatch(/error while linting/);
    // One sample line per series: nothing split a line, nothing merged two series.
    expect(text.split('\n').filter((l) => l.startsWith('wire_n')).length).toBe(expected.size);
  }, 60_000);

  it('the real Prometheus stores exactly the series we meant, in OpenMetrics and in text 0.0.4', async () => {
    await waitUntil(
      async () => {
        const targets = await prometheus.targets();
        const bad = targets.filter((t) => t.health !== 'up');
        if (bad.some((t) => t.lastError !== '')) throw new Error(JSON.stringify(bad));
        return targets.length === 2 && bad.length === 0;
      },
      { what: 'both targets up', timeoutMs: 30_000, pollMs: 200 },
    );
    for (const job of ['wire_openmetrics', 'wire_text']) {
      const samples = await prometheus.query(`{job="${job}",__name__=~"wire_n.*"}`);
      const got = new Map(samples.map((s) => [key(s.metric.__name__!, s.metric), Number(s.value[1])]));
      expect(got.size, job).toBe(samples.length);
      expect([...got].sort(), job).toEqual([...expected].sort());
    }
  }, 90_000);
});
