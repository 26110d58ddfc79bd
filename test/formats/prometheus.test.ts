import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  escapeHelp,
  escapeLabelValue,
  formatPrometheus,
  labelName,
  prometheusChunks,
  prometheusName,
  type PrometheusSeries,
} from '../../src/formats/prometheus.js';
import type { DistributionFields } from '../../src/metrics/snapshot.js';

const golden = (name: string): string => fileURLToPath(new URL(`./golden/${name}`, import.meta.url));

function readGolden(name: string, actual: string): string {
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden(name), actual);
  return readFileSync(golden(name), 'utf8');
}

const distribution = (over: Partial<DistributionFields> = {}): DistributionFields => ({
  count: 5,
  sum: 269.25,
  windowCount: 5,
  min: 1.5,
  max: 250,
  mean: 53.85,
  stddev: 98.6,
  p50: 3,
  p75: 12.5,
  p95: 250,
  p98: 250,
  p99: 250,
  p999: 250,
  ...over,
});

const EMPTY = { windowCount: 0, min: null, max: null, mean: null, stddev: null, p50: null, p75: null, p95: null, p98: null, p99: null, p999: null };

const SERIES: PrometheusSeries[] = [
  { name: 'http.requests', tags: { method: 'GET', route: '/users/:id' }, snapshot: { type: 'counter', count: 41 } },
  { name: 'http.requests', tags: { method: 'POST', route: 'say "hi" \\ bye' }, snapshot: { type: 'counter', count: 2 } },
  { name: 'jobs.done_total', tags: {}, snapshot: { type: 'counter', count: 7 } },
  { name: 'queue.depth', tags: {}, snapshot: { type: 'gauge', value: -3.25 } },
  { name: 'broken', tags: {}, snapshot: { type: 'gauge', value: null, error: 'Error: nope' } },
  {
    name: 'events',
    tags: { kind: 'click' },
    snapshot: { type: 'meter', count: 15, meanRate: 1.5, m1Rate: 0.2, m5Rate: 0.05, m15Rate: 0.0166 },
  },
  { name: 'payload-size.bytes', tags: {}, snapshot: { type: 'histogram', ...distribution({ sum: 6000, p50: 300, p999: 5000 }) } },
  { name: 'idle.sizes', tags: {}, snapshot: { type: 'histogram', ...distribution({ count: 9, sum: 90 }), ...EMPTY } },
  {
    name: 'db.query',
    tags: { table: 'users', quantile: 'q', __meta: 'm' },
    snapshot: { type: 'timer', meanRate: 0.5, m1Rate: 0.4, m5Rate: 0.3, m15Rate: 0.2, ...distribution() },
  },
  { name: 'balance', tags: {}, snapshot: { type: 'counter', count: -2 } },
  { name: '2xx.count', tags: {}, snapshot: { type: 'counter', count: 1 } },
];

describe('formatPrometheus', () => {
  it('writes text format 0.0.4 (golden file)', () => {
    const text = formatPrometheus(SERIES, 'prometheus');
    expect(text).toBe(readGolden('prometheus-0.0.4.txt', text));
  });

  it('writes OpenMetrics 1.0 (golden file)', () => {
    const text = formatPrometheus(SERIES, 'openmetrics');
    expect(text).toBe(readGolden('openmetrics-1.0.txt', text));
    expect(text.endsWith('\n# EOF\n')).toBe(true);
  });

  it('prefixes names', () => {
    expect(formatPrometheus([SERIES[2]!], 'prometheus', { prefix: 'app' })).toContain('app_jobs_done_total 7\n');
    expect(() => formatPrometheus([], 'prometheus', { prefix: 'bad prefix' })).toThrow(/prefix/);
  });

  it('leaves out a metric whose names collide with an earlier one, and says so', () => {
    const collisions: string[] = [];
    const text = formatPrometheus(
      [
        { name: 'a.b_c', tags: {}, snapshot: { type: 'gauge', value: 1 } },
        { name: 'a_b.c', tags: {}, snapshot: { type: 'gauge', value: 2 } },
        { name: 'x', tags: {}, snapshot: { type: 'histogram', ...distribution() } },
        { name: 'x.count', tags: {}, snapshot: { type: 'gauge', value: 3 } },
      ],
      'prometheus',
      { onCollision: (name, other) => collisions.push(`${name}/${other}`) },
    );
    expect(text).toContain('a_b_c 1\n');
    expect(text).not.toContain('a_b_c 2');
    expect(text).not.toContain('x_count 3');
    expect(collisions).toEqual(['a_b.c/a.b_c', 'x.count/x']);
  });

  it('yields one chunk per metric name, and # EOF last in OpenMetrics', () => {
    const chunks = [...prometheusChunks(SERIES, 'openmetrics')];
    expect(chunks).toHaveLength(new Set(SERIES.map((s) => s.name)).size + 1);
    expect(chunks.at(-1)).toBe('# EOF\n');
    expect(chunks.join('')).toBe(formatPrometheus(SERIES, 'openmetrics'));
  });

  it('escapes label values and help text by the spec', () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    expect(escapeHelp('a"b\\c\nd', false)).toBe('a"b\\\\c\\nd');
    expect(escapeHelp('a"b\\c\nd', true)).toBe('a\\"b\\\\c\\nd');
    expect(prometheusName('http.get-users')).toBe('http_get_users');
    expect(prometheusName('5xx')).toBe('_5xx');
    expect(labelName('quantile')).toBe('tag_quantile');
    expect(labelName('le')).toBe('tag_le');
    expect(labelName('__name__')).toBe('tag___name__');
    expect(labelName('method')).toBe('method');
  });

  it('cannot be forged by any tag value: every line stays one well-formed sample', () => {
    const sample = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\["\\n])*",?)*\})? \S+$/;
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }), (value, name) => {
        const text = formatPrometheus(
          [{ name: `m.${name}`, tags: { t: value }, snapshot: { type: 'counter', count: 1 } }],
          'openmetrics',
        );
        const lines = text.split('\n');
        expect(lines.at(-1)).toBe('');
        expect(lines.at(-2)).toBe('# EOF');
        for (const line of lines.slice(0, -2)) {
          if (!line.startsWith('# ')) expect(line).toMatch(sample);
          else expect(line).toMatch(/^# (HELP|TYPE) /);
        }
        expect(lines.filter((l) => !l.startsWith('#') && l !== '')).toHaveLength(1);
      }),
      { numRuns: 300 },
    );
  });
});
