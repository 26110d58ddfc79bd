/**
 * Prometheus exposition formats: text format 0.0.4 and OpenMetrics 1.0. Pure: series in,
 * text out; no I/O, no clock.
 *
 * Mapping (`docs/prometheus.md` has examples):
 * - names: dots and dashes become `_` (`http.requests` -> `http_requests`), after an
 *   optional `prefix`;
 * - counter: a `counter` family sampled as `<name>_total`;
 * - gauge: a `gauge` (a gauge that failed is left out of that scrape);
 * - meter: a counter `<name>_total` plus gauges `<name>_mean_rate`, `<name>_m1_rate`,
 *   `<name>_m5_rate`, `<name>_m15_rate` (events per second);
 * - histogram: a `summary` `<name>` with quantiles 0.5, 0.75, 0.95, 0.98, 0.99, 0.999 of
 *   the recent window (left out while the window is empty), and lifetime `_sum`, `_count`;
 * - timer: a `summary` `<name>_seconds` (durations in seconds, the Prometheus base unit);
 *   its rate is `rate(<name>_seconds_count[1m])`;
 * - tags: labels; a tag named `quantile`, `le` or starting with `__` becomes `tag_<key>`.
 *
 * @module
 */

import { InvalidOptionError, show } from '../errors.js';
import type { Tags } from '../names.js';
import type { MetricSnapshot } from '../metrics/snapshot.js';

/** What the exposition needs of one series. */
export type PrometheusSeries = {
  /** The dotted name. */
  readonly name: string;
  /** Its tags (`{}` for none). */
  readonly tags: Tags;
  /** Its snapshot, in the registry's units (ms, per second). */
  readonly snapshot: MetricSnapshot;
};

/** The two text formats. */
export type PrometheusFormat = 'prometheus' | 'openmetrics';

/** The `Content-Type` of Prometheus text format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
/** The `Content-Type` of OpenMetrics 1.0. */
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** Options of {@link formatPrometheus}. */
export type PrometheusFormatOptions = {
  /**
   * Prepended to every metric name with `_` (`'myapp'` -> `myapp_http_requests_total`).
   * Must match `[A-Za-z_:][A-Za-z0-9_:]*`.
   *
   * @defaultValue none
   */
  readonly prefix?: string;
  /**
   * Called with each metric name left out because its Prometheus names collide with
   * those of a metric written before it (`a.b_c` and `a_b.c` both map to `a_b_c`).
   */
  readonly onCollision?: (name: string, collidesWith: string) => void;
};

const QUANTILES = [
  ['0.5', 'p50'],
  ['0.75', 'p75'],
  ['0.95', 'p95'],
  ['0.98', 'p98'],
  ['0.99', 'p99'],
  ['0.999', 'p999'],
] as const;

const RATES = [
  ['mean_rate', 'meanRate', 'lifetime average'],
  ['m1_rate', 'm1Rate', '1-minute moving average'],
  ['m5_rate', 'm5Rate', '5-minute moving average'],
  ['m15_rate', 'm15Rate', '15-minute moving average'],
] as const;

const PREFIX = /^[A-Za-z_:][A-Za-z0-9_:]*$/;

/**
 * Checks a `prefix` option.
 *
 * @throws {@link InvalidOptionError} if it is not a valid Prometheus name.
 * @internal
 */
export function checkPrometheusPrefix(prefix: unknown, what: string): string {
  if (prefix === undefined || prefix === '') return '';
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw new InvalidOptionError(`${what}: prefix must match [A-Za-z_:][A-Za-z0-9_:]*, received ${show(prefix)}`);
  }
  return `${prefix}_`;
}

/**
 * Escapes a label value: backslash, double quote and line feed (the same in both formats).
 *
 * @internal
 */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`)) : value;
}

/**
 * Escapes HELP text: backslash and line feed in 0.0.4; also double quote in OpenMetrics.
 *
 * @internal
 */
export function escapeHelp(text: string, openMetrics: boolean): string {
  const re = openMetrics ? /[\\"\n]/g : /[\\\n]/g;
  return text.replace(re, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/**
 * A metric name as a Prometheus name: any character outside `[A-Za-z0-9_:]` becomes
 * `_`, and a leading digit gets a `_` in front.
 *
 * @internal
 */
export function prometheusName(name: string): string {
  const mapped = name.replace(/[^A-Za-z0-9_:]/g, '_');
  return /^[0-9]/.test(mapped) ? `_${mapped}` : mapped;
}

/**
 * A tag key as a label name: kept, unless Prometheus reserves it (`quantile` and `le`
 * have meanings in summaries and histograms, `__` prefixes are internal), then `tag_<key>`.
 *
 * @internal
 */
export function labelName(key: string): string {
  const safe = key.replace(/[^A-Za-z0-9_]/g, '_');
  return safe === 'quantile' || safe === 'le' || safe.startsWith('__') || /^[0-9]/.test(safe) ? `tag_${safe}` : safe;
}

/** Formats a number as both formats accept it (`NaN`, `+Inf`, `-Inf`, JS notation otherwise). */
function num(value: number): string {
  if (Number.isFinite(value)) return String(value);
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

/** The inside of a label set (`a="1",b="2"`), without braces; `''` for no tags. */
function labelPairs(tags: Tags): string {
  let out = '';
  for (const key in tags) {
    out += `${out === '' ? '' : ','}${labelName(key)}="${escapeLabelValue(tags[key]!)}"`;
  }
  return out;
}

function braces(pairs: string): string {
  return pairs === '' ? '' : `{${pairs}}`;
}

type Family = {
  readonly name: string;
  readonly type: MetricSnapshot['type'];
  readonly series: { readonly tags: Tags; readonly snapshot: MetricSnapshot }[];
};

function groupFamilies(series: Iterable<PrometheusSeries>): Map<string, Family> {
  const families = new Map<string, Family>();
  for (const s of series) {
    let family = families.get(s.name);
    if (family === undefined) {
      family = { name: s.name, type: s.snapshot.type, series: [] };
      families.set(s.name, family);
    }
    if (s.snapshot.type === family.type) family.series.push({ tags: s.tags, snapshot: s.snapshot });
  }
  return families;
}

/** The Prometheus names (families and samples) a metric family would use. */
function namesOf(base: string, type: MetricSnapshot['type']): string[] {
  switch (type) {
    case 'counter':
      return [base.endsWith('_total') ? base : `${base}_total`, base.endsWith('_total') ? base.slice(0, -6) : base];
    case 'gauge':
      return [base];
    case 'meter':
      return [`${base}_total`, base, ...RATES.map(([suffix]) => `${base}_${suffix}`)];
    case 'histogram':
      return [base, `${base}_sum`, `${base}_count`];
    case 'timer': {
      const s = `${base}_seconds`;
      return [s, `${s}_sum`, `${s}_count`];
    }
  }
}

/**
 * Writes the series in Prometheus text format 0.0.4 or OpenMetrics 1.0, one family at a
 * time: each chunk is one metric name's complete text. Lets a server yield to the event
 * loop between chunks of a large registry. The OpenMetrics `# EOF` line is the last chunk.
 *
 * @param series - the series to write, in order; series of one name are grouped.
 * @param format - `'prometheus'` (text 0.0.4) or `'openmetrics'` (1.0).
 * @param options - name prefix and collision callback.
 * @throws {@link InvalidOptionError} for a bad prefix.
 */
export function* prometheusChunks(
  series: Iterable<PrometheusSeries>,
  format: PrometheusFormat,
  options: PrometheusFormatOptions = {},
): Generator<string, void, undefined> {
  const prefix = checkPrometheusPrefix(options.prefix, 'prometheus format');
  const om = format === 'openmetrics';
  const taken = new Map<string, string>();
  for (const family of groupFamilies(series).values()) {
    const base = prefix + prometheusName(family.name);
    const names = namesOf(base, family.type);
    const clash = names.find((n) => taken.has(n));
    if (clash !== undefined) {
      options.onCollision?.(family.name, taken.get(clash)!);
      continue;
    }
    for (const n of names) taken.set(n, family.name);
    yield writeFamily(family, base, om);
  }
  if (om) yield '# EOF\n';
}

/**
 * Writes the series in Prometheus text format 0.0.4 or OpenMetrics 1.0 (see the module
 * documentation for the mapping).
 *
 * @param series - the series to write.
 * @param format - `'prometheus'` (text 0.0.4) or `'openmetrics'` (1.0).
 * @param options - name prefix and collision callback.
 * @returns the exposition text, ending with a newline (and `# EOF` for OpenMetrics).
 * @throws {@link InvalidOptionError} for a bad prefix.
 * @example
 * ```ts
 * const series = [...registry.metrics()].map((m) => ({ name: m.name, tags: m.tags, snapshot: m.snapshot() }));
 * const text = formatPrometheus(series, 'prometheus', { prefix: 'myapp' });
 * ```
 */
export function formatPrometheus(
  series: Iterable<PrometheusSeries>,
  format: PrometheusFormat,
  options: PrometheusFormatOptions = {},
): string {
  let out = '';
  for (const chunk of prometheusChunks(series, format, options)) out += chunk;
  return out;
}

function header(name: string, type: string, help: string, om: boolean, unit?: string): string {
  // OpenMetrics calls "untyped" "unknown".
  const t = om && type === 'untyped' ? 'unknown' : type;
  let out = `# HELP ${name} ${escapeHelp(help, om)}\n# TYPE ${name} ${t}\n`;
  if (om && unit !== undefined) out += `# UNIT ${name} ${unit}\n`;
  return out;
}

function writeFamily(family: Family, base: string, om: boolean): string {
  const what = `tapemeasure ${family.type} ${family.name}`;
  switch (family.type) {
    case 'counter': {
      const sample = base.endsWith('_total') ? base : `${base}_total`;
      // A counter that went below zero is no Prometheus counter (OpenMetrics forbids
      // negative counters): expose it untyped under the same sample name.
      const negative = family.series.some((s) => s.snapshot.type === 'counter' && s.snapshot.count < 0);
      let out = negative
        ? header(sample, 'untyped', `${what} (went below zero)`, om)
        : header(om ? sample.slice(0, -6) : sample, 'counter', what, om);
      for (const s of family.series) {
        if (s.snapshot.type === 'counter') out += `${sample}${braces(labelPairs(s.tags))} ${num(s.snapshot.count)}\n`;
      }
      return out;
    }
    case 'gauge': {
      let out = header(base, 'gauge', what, om);
      for (const s of family.series) {
        if (s.snapshot.type === 'gauge' && s.snapshot.value !== null) {
          out += `${base}${braces(labelPairs(s.tags))} ${num(s.snapshot.value)}\n`;
        }
      }
      return out;
    }
    case 'meter': {
      let out = header(om ? base : `${base}_total`, 'counter', `${what}: events`, om);
      for (const s of family.series) {
        if (s.snapshot.type === 'meter') out += `${base}_total${braces(labelPairs(s.tags))} ${num(s.snapshot.count)}\n`;
      }
      return out + rates(family, base, what, om);
    }
    case 'histogram':
      return summary(family, base, what, om, 1, undefined);
    case 'timer':
      // No rate gauges for timers: `rate(<name>_seconds_count[1m])` is the Prometheus way,
      // and they would nearly double a large exposition.
      return summary(family, `${base}_seconds`, `${what}: durations in seconds`, om, 1000, 'seconds');
  }
}

function rates(family: Family, base: string, what: string, om: boolean): string {
  const labels = family.series.map((s) => braces(labelPairs(s.tags)));
  let out = '';
  for (const [suffix, field, description] of RATES) {
    const name = `${base}_${suffix}`;
    out += header(name, 'gauge', `${what}: ${description} rate, events per second`, om);
    for (let i = 0; i < family.series.length; i++) {
      const snap = family.series[i]!.snapshot;
      if (snap.type === 'meter') out += `${name}${labels[i]!} ${num(snap[field])}\n`;
    }
  }
  return out;
}

function summary(family: Family, name: string, help: string, om: boolean, divisor: number, unit: string | undefined): string {
  let out = header(name, 'summary', help, om, unit);
  for (const s of family.series) {
    const snap = s.snapshot;
    if (snap.type !== 'histogram' && snap.type !== 'timer') continue;
    const pairs = labelPairs(s.tags);
    const quantilePrefix = `${name}{${pairs}${pairs === '' ? '' : ','}quantile="`;
    for (const [q, field] of QUANTILES) {
      const v = snap[field];
      // An empty window has no quantiles: leave them out rather than invent 0 (or NaN).
      if (v !== null) out += `${quantilePrefix}${q}"} ${num(v / divisor)}\n`;
    }
    const labels = braces(pairs);
    out += `${name}_sum${labels} ${num(snap.sum / divisor)}\n`;
    out += `${name}_count${labels} ${num(snap.count)}\n`;
  }
  return out;
}
