// No segment name may drop, merge or shadow a metric in any output (issue 11 #3): names
// built from the words the outputs give meaning to (`type`, `count`, `series`, `tags`,
// `__proto__`, `constructor`, `total`, `sum`, ...) and random ones, in every type, with and
// without tags. Every series created must appear exactly once, with its value, in
// registry.snapshot(), the JSON tree of GET /metrics, the JSON stream and Prometheus text
// (where a name whose Prometheus names collide with an earlier one's is left out and
// reported: that is the one documented loss, and the test checks each report is a real
// collision).
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { EndpointError } from '../../src/exposition/endpoint-error.js';
import { renderMetrics } from '../../src/exposition/render.js';
import { prometheusName } from '../../src/formats/prometheus-names.js';
import { Registry } from '../../src/registry/registry.js';
import { JsonStreamReporter } from '../../src/reporters/json-stream-reporter.js';

const DANGEROUS = [
  'type', 'count', 'series', 'tags', 'value', 'sum', 'total', 'seconds', 'mean_rate', 'm1_rate', 'p99',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'length', '0', '_', '-',
];
const TYPES = ['counter', 'gauge', 'meter', 'histogram', 'timer'] as const;
type Kind = (typeof TYPES)[number];

const segment = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...DANGEROUS) }, fc.stringMatching(/^[a-z][a-z0-9_]{0,3}$/));
const name = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('.'));
const plan = fc.array(
  fc.record({
    name,
    type: fc.constantFrom(...TYPES),
    // Tag sets of this name: none (the untagged series), or one to three values of `k`.
    tagValues: fc.oneof(fc.constant([] as string[]), fc.uniqueArray(fc.constantFrom('a', 'b', 'type', '__proto__'), { minLength: 1, maxLength: 3 })),
    untaggedToo: fc.boolean(),
  }),
  { minLength: 1, maxLength: 12 },
);

type PlanEntry = { readonly name: string; readonly type: Kind; readonly tagValues: readonly string[]; readonly untaggedToo: boolean };
type Created = { readonly name: string; readonly type: Kind; readonly tags: Record<string, string>; readonly value: number };

/** Creates what it can of the plan (the registry refuses conflicting names, as it must); returns what exists. */
function create(registry: Registry, entries: readonly PlanEntry[]): Created[] {
  const created: Created[] = [];
  let next = 1;
  for (const entry of entries) {
    const tagSets: Record<string, string>[] = entry.tagValues.map((v) => ({ k: v }));
    if (entry.tagValues.length === 0 || entry.untaggedToo) tagSets.unshift({});
    for (const tags of tagSets) {
      const value = next++;
      try {
        const options = Object.keys(tags).length === 0 ? undefined : { tags };
        switch (entry.type) {
          case 'counter':
            registry.counter(entry.name, options).inc(value);
            break;
          case 'gauge':
            registry.gauge(entry.name, options).set(value);
            break;
          case 'meter':
            registry.meter(entry.name, options).mark(value);
            break;
          case 'histogram':
            registry.histogram(entry.name, options).record(value);
            break;
          case 'timer':
            registry.timer(entry.name, options).update(value);
            break;
        }
      } catch (error) {
        // Only the registry's own refusals: a type conflict, or a name that is both a leaf and a branch.
        expect(String((error as { code?: string }).code ?? error)).toMatch(/^ERR_TAPEMEASURE_(TYPE|TREE)_CONFLICT$/);
        continue;
      }
      if (!created.some((c) => c.name === entry.name && JSON.stringify(c.tags) === JSON.stringify(tags))) {
        created.push({ name: entry.name, type: entry.type, tags, value });
      } else {
        // The same series again: its value grew by this much.
        const i = created.findIndex((c) => c.name === entry.name && JSON.stringify(c.tags) === JSON.stringify(tags));
        const old = created[i]!;
        created[i] = { ...old, value: old.type === 'gauge' ? value : old.value + value };
      }
    }
  }
  return created;
}

/** The value a snapshot shows for the series' own number. */
function valueOf(snapshot: Record<string, unknown>): number {
  switch (snapshot.type) {
    case 'gauge':
      return snapshot.value as number;
    case 'histogram':
    case 'timer':
      return snapshot.sum as number;
    default:
      return snapshot.count as number;
  }
}

/** Every series a JSON tree holds, found by walking it (leaves have a string `type`). */
function seriesOfTree(tree: unknown): string[] {
  const out: string[] = [];
  const walk = (node: Record<string, unknown>, path: string[]): void => {
    for (const key of Object.keys(node)) {
      const child = node[key] as Record<string, unknown>;
      const at = [...path, key];
      if (typeof child.type !== 'string') {
        walk(child, at);
      } else if (Array.isArray(child.series)) {
        for (const s of child.series as Record<string, unknown>[]) {
          out.push(`${at.join('.')} ${JSON.stringify(s.tags)} ${s.type as string} ${valueOf(s)}`);
        }
      } else {
        out.push(`${at.join('.')} {} ${child.type} ${valueOf(child)}`);
      }
    }
  };
  walk(tree as Record<string, unknown>, []);
  return out.sort();
}

const expectedSeries = (created: readonly Created[]): string[] =>
  created.map((c) => `${c.name} ${JSON.stringify(c.tags)} ${c.type} ${c.value}`).sort();

/** The one Prometheus sample that carries a series' own number, and that number. */
function sampleOf(c: Created): [string, number] {
  const base = prometheusName(c.name);
  const labels = Object.keys(c.tags).length === 0 ? '' : `{k="${c.tags.k!}"}`;
  switch (c.type) {
    case 'counter':
      return [`${base.endsWith('_total') ? base : `${base}_total`}${labels}`, c.value];
    case 'gauge':
      return [`${base}${labels}`, c.value];
    case 'meter':
      return [`${base}_total${labels}`, c.value];
    case 'histogram':
      return [`${base}_sum${labels}`, c.value];
    case 'timer':
      return [`${base}_seconds_sum${labels}`, c.value / 1000];
  }
}

/** Every Prometheus family and sample name a metric takes (an oracle of the mapping in docs/prometheus.md). */
function prometheusNamesOf(c: Created): string[] {
  const b = prometheusName(c.name);
  switch (c.type) {
    case 'counter':
      return b.endsWith('_total') ? [b, b.slice(0, -6)] : [`${b}_total`, b];
    case 'gauge':
      return [b];
    case 'meter':
      return [`${b}_total`, b, `${b}_mean_rate`, `${b}_m1_rate`, `${b}_m5_rate`, `${b}_m15_rate`];
    case 'histogram':
      return [b, `${b}_sum`, `${b}_count`];
    case 'timer':
      return [`${b}_seconds`, `${b}_seconds_sum`, `${b}_seconds_count`];
  }
}

async function jsonStreamTree(registry: Registry): Promise<unknown> {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  const reporter = new JsonStreamReporter({ registry, stream });
  await reporter.report();
  await reporter.stop();
  return (JSON.parse(text.split('\n')[0]!) as { metrics: unknown }).metrics;
}

describe('no segment name drops, merges or shadows a metric in any output', () => {
  it('keeps every series exactly once, with its value, in every output', async () => {
    await fc.assert(
      fc.asyncProperty(plan, async (entries) => {
        const registry = new Registry({ clock: new ManualClock() });
        const created = create(registry, entries);
        const want = expectedSeries(created);

        expect(seriesOfTree(registry.snapshot())).toEqual(want);
        expect(seriesOfTree(await registry.collect())).toEqual(want);
        expect(seriesOfTree(JSON.parse(await renderMetrics({ registry, format: 'json' })))).toEqual(want);
        expect(seriesOfTree(JSON.parse(await renderMetrics({ registry, format: 'json', pretty: true })))).toEqual(want);
        expect(seriesOfTree(await jsonStreamTree(registry))).toEqual(want);

        for (const format of ['prometheus', 'openmetrics'] as const) {
          const errors: EndpointError[] = [];
          const text = await renderMetrics({ registry, format, onError: (e) => errors.push(e) });
          const collided = new Set(errors.filter((e) => e.kind === 'collision').map((e) => /metrics endpoint: (\S+) is left out/.exec(e.message)![1]));
          expect(errors.filter((e) => e.kind !== 'collision')).toEqual([]);
          const samples = new Map<string, number[]>();
          for (const line of text.split('\n')) {
            if (line === '' || line.startsWith('#')) continue;
            const space = line.lastIndexOf(' ');
            const key = line.slice(0, space);
            samples.set(key, [...(samples.get(key) ?? []), Number(line.slice(space + 1))]);
          }
          // No sample is written twice: nothing merged.
          for (const [key, values] of samples) expect(values, key).toHaveLength(1);
          for (const c of created) {
            const [key, value] = sampleOf(c);
            if (collided.has(c.name)) {
              // Left out and reported: only when another metric's Prometheus names overlap its own.
              const mine = new Set(prometheusNamesOf(c));
              expect(created.some((o) => o.name !== c.name && prometheusNamesOf(o).some((n) => mine.has(n))), c.name).toBe(true);
            } else {
              expect(samples.get(key), `${format} ${c.name} ${JSON.stringify(c.tags)}`).toEqual([expect.closeTo(value, 9)]);
            }
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('keeps metrics under a branch with a child named type, count, series or __proto__ (examples)', async () => {
    const registry = new Registry({ clock: new ManualClock() });
    registry.counter('jobs.type.email').inc(1);
    registry.counter('jobs.count').inc(2);
    registry.counter('jobs.series.x').inc(3);
    registry.counter('jobs.__proto__.y').inc(4);
    registry.counter('jobs.constructor').inc(5);
    const want = ['jobs.__proto__.y {} counter 4', 'jobs.constructor {} counter 5', 'jobs.count {} counter 2', 'jobs.series.x {} counter 3', 'jobs.type.email {} counter 1'];
    expect(seriesOfTree(registry.snapshot())).toEqual(want);
    expect(seriesOfTree(JSON.parse(await renderMetrics({ registry })))).toEqual(want);
    expect(seriesOfTree(await jsonStreamTree(registry))).toEqual(want);
  });
});
