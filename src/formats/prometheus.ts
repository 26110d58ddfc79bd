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
 *   with `buckets` (or `nativeHistogram`), a `histogram` `<name>`: cumulative lifetime
 *   `_bucket{le}` per bound and `+Inf`, `_sum`, `_count` (plus the summary as
 *   `<name>_window` with `summary: true`);
 * - timer: the same as `<name>_seconds` (durations and bounds in seconds, the Prometheus
 *   base unit); its rate is `rate(<name>_seconds_count[1m])`;
 * - tags: labels; a tag named `quantile`, `le` or starting with `__` becomes `tag_<key>`.
 *
 * @module
 */

import { checkValue, func, oneOf, readOptions, type Check } from '../internal/options.js';
import { braces, escapeHelp, labelPairs, num, prometheusPrefixCheck } from './prometheus-names.js';
import type { Tags } from '../names.js';
import type { LifetimeBucketsRead } from '../metrics/lifetime-buckets.js';
import type { MetricSnapshot } from '../metrics/snapshot.js';
import { PROMETHEUS_DURATION_UNIT, QUANTILE_STATISTICS } from './statistics.js';
import { distributionName, identity, prometheusFamilies, RATES, toSeconds, type Family } from './prometheus-families.js';

/** What the exposition needs of one series. */
export type PrometheusSeries = {
  /** The dotted name. */
  readonly name: string;
  /** Its tags (`{}` for none). */
  readonly tags: Tags;
  /** Its snapshot, in the registry's units (ms, per second). */
  readonly snapshot: MetricSnapshot;
  /**
   * A histogram's or timer's lifetime buckets (`histogram.lifetimeBuckets()`), when it has
   * `buckets` or `nativeHistogram`: it is then written as a Prometheus histogram.
   */
  readonly buckets?: LifetimeBucketsRead | null;
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

/** The check of a {@link PrometheusFormat}. @internal */
export const prometheusFormatCheck: Check<PrometheusFormat> = oneOf('prometheus', 'openmetrics');

/** The schema of {@link PrometheusFormatOptions}. @internal */
export const PROMETHEUS_FORMAT_OPTIONS = Object.freeze({ prefix: prometheusPrefixCheck, onCollision: func });

/**
 * Writes the series in Prometheus text format 0.0.4 or OpenMetrics 1.0, one family at a
 * time: each chunk is one metric name's complete text (a name of more than 256 series
 * comes in chunks of 256 series, so that no chunk is long to write). Lets a server yield to the event
 * loop between chunks of a large registry; while it groups the series by name (before
 * the first family), it yields an empty chunk every 1,024 series for the same purpose.
 * The OpenMetrics `# EOF` line is the last chunk.
 *
 * @param series - the series to write, in order; series of one name are grouped.
 * @param format - `'prometheus'` (text 0.0.4) or `'openmetrics'` (1.0).
 * @param options - name prefix and collision callback.
 * @throws {@link InvalidOptionError} for a bad format or prefix, {@link UnknownOptionError}
 *   for an unknown option.
 */
export function prometheusChunks(
  series: Iterable<PrometheusSeries>,
  format: PrometheusFormat,
  options: PrometheusFormatOptions = {},
): Generator<string, void, undefined> {
  return chunksOf(series, format, options, false);
}

function chunksOf(
  series: Iterable<PrometheusSeries>,
  format: PrometheusFormat,
  options: PrometheusFormatOptions,
  adjacent: boolean,
): Generator<string, void, undefined> {
  // Checked here, not at the first next(): a bad option throws at the call.
  const read = readOptions('prometheusChunks', options, PROMETHEUS_FORMAT_OPTIONS);
  const om = checkValue('prometheusChunks', 'format', format, prometheusFormatCheck) === 'openmetrics';
  const prefix = read.prefix === undefined || read.prefix === '' ? '' : `${read.prefix}_`;
  return families(series, om, prefix, read.onCollision as PrometheusFormatOptions['onCollision'], adjacent);
}

/**
 * {@link prometheusChunks} of series whose names come one after another (as a registry
 * lists them): each family is written as soon as its last series is read, so that the
 * series can be read lazily and only one family's are held at a time.
 *
 * @internal
 */
export function prometheusAdjacentChunks(
  series: Iterable<PrometheusSeries>,
  format: PrometheusFormat,
  options: PrometheusFormatOptions = {},
): Generator<string, void, undefined> {
  return chunksOf(series, format, options, true);
}

function* families(
  series: Iterable<PrometheusSeries>,
  om: boolean,
  prefix: string,
  onCollision: PrometheusFormatOptions['onCollision'],
  adjacent: boolean,
): Generator<string, void, undefined> {
  for (const f of prometheusFamilies(series, prefix, onCollision, adjacent)) {
    if (f === null) yield '';
    else if (f.family.series.length <= SERIES_PER_CHUNK) {
      let text = '';
      for (const chunk of writeFamily(f.family, f.base, om)) text += chunk;
      yield text;
    } else for (const chunk of writeFamily(f.family, f.base, om)) if (chunk !== '') yield chunk;
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
 * @throws {@link InvalidOptionError} for a bad format or prefix, {@link UnknownOptionError}
 *   for an unknown option.
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

/**
 * Series written between two chunks of one family: a name of 100,000 tagged series is
 * written in pieces that a caller can pause between, never in one call.
 */
const SERIES_PER_CHUNK = 256;

/** The text of one family, in chunks of at most {@link SERIES_PER_CHUNK} series. */
function* writeFamily(family: Family, base: string, om: boolean): Generator<string, void, undefined> {
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
      let n = 0;
      for (const s of family.series) {
        if (s.snapshot.type === 'counter') out += `${sample}${braces(labelPairs(s.tags))} ${num(s.snapshot.count)}\n`;
        if (++n % SERIES_PER_CHUNK === 0) {
          yield out;
          out = '';
        }
      }
      yield out;
      return;
    }
    case 'gauge': {
      let out = header(base, 'gauge', what, om);
      let n = 0;
      for (const s of family.series) {
        if (s.snapshot.type === 'gauge' && s.snapshot.value !== null) {
          out += `${base}${braces(labelPairs(s.tags))} ${num(s.snapshot.value)}\n`;
        }
        if (++n % SERIES_PER_CHUNK === 0) {
          yield out;
          out = '';
        }
      }
      yield out;
      return;
    }
    case 'meter': {
      let out = header(om ? base : `${base}_total`, 'counter', `${what}: events`, om);
      let n = 0;
      for (const s of family.series) {
        if (s.snapshot.type === 'meter') out += `${base}_total${braces(labelPairs(s.tags))} ${num(s.snapshot.count)}\n`;
        if (++n % SERIES_PER_CHUNK === 0) {
          yield out;
          out = '';
        }
      }
      yield out;
      yield* rates(family, base, what, om);
      return;
    }
    case 'histogram':
    case 'timer': {
      // No rate gauges for timers: `rate(<name>_seconds_count[1m])` is the Prometheus way,
      // and they would nearly double a large exposition.
      const timer = family.type === 'timer';
      const help = timer ? `${what}: durations in ${PROMETHEUS_DURATION_UNIT.name}` : what;
      const convert = timer ? toSeconds : identity;
      const unit = timer ? PROMETHEUS_DURATION_UNIT.name : undefined;
      const name = distributionName(base, family.type);
      if (family.buckets === null) {
        yield* summary(family, name, help, om, convert, unit);
        return;
      }
      yield* histogram(family, name, help, om, convert, unit);
      if (!family.buckets.summary) return;
      const window = distributionName(base, family.type, true);
      yield* summary(family, window, `${help}, quantiles of the recent window`, om, convert, unit);
    }
  }
}

function* histogram(
  family: Family,
  name: string,
  help: string,
  om: boolean,
  convert: (value: number) => number,
  unit: string | undefined,
): Generator<string, void, undefined> {
  let out = header(name, 'histogram', help, om, unit);
  // The le labels of a family are the same for every series: written once.
  const bounds = family.buckets!.bounds;
  const les = bounds.map((b) => `le="${num(convert(b))}"}`);
  let n = 0;
  for (const s of family.series) {
    if (n++ % SERIES_PER_CHUNK === SERIES_PER_CHUNK - 1) {
      yield out;
      out = '';
    }
    const snap = s.snapshot;
    if (snap.type !== 'histogram' && snap.type !== 'timer') continue;
    const pairs = labelPairs(s.tags);
    const bucketPrefix = `${name}_bucket{${pairs}${pairs === '' ? '' : ','}`;
    const b = s.buckets;
    const count = b === null ? snap.count : b.count;
    if (b !== null && b.bounds === bounds) {
      for (let i = 0; i < les.length; i++) out += `${bucketPrefix}${les[i]!} ${num(b.cumulative[i]!)}\n`;
    }
    out += `${bucketPrefix}le="+Inf"} ${num(count)}\n`;
    const labels = braces(pairs);
    out += `${name}_sum${labels} ${num(convert(snap.sum))}\n`;
    out += `${name}_count${labels} ${num(count)}\n`;
  }
  yield out;
}

function* rates(family: Family, base: string, what: string, om: boolean): Generator<string, void, undefined> {
  const labels = family.series.map((s) => braces(labelPairs(s.tags)));
  for (const { suffix, statistic, help } of RATES) {
    const name = `${base}_${suffix}`;
    let out = header(name, 'gauge', `${what}: ${help} rate, events per second`, om);
    for (let i = 0; i < family.series.length; i++) {
      const snap = family.series[i]!.snapshot;
      if (snap.type === 'meter') out += `${name}${labels[i]!} ${num(snap[statistic])}\n`;
      if ((i + 1) % SERIES_PER_CHUNK === 0) {
        yield out;
        out = '';
      }
    }
    yield out;
  }
}

function* summary(
  family: Family,
  name: string,
  help: string,
  om: boolean,
  convert: (value: number) => number,
  unit: string | undefined,
): Generator<string, void, undefined> {
  let out = header(name, 'summary', help, om, unit);
  let n = 0;
  for (const s of family.series) {
    if (n++ % SERIES_PER_CHUNK === SERIES_PER_CHUNK - 1) {
      yield out;
      out = '';
    }
    const snap = s.snapshot;
    if (snap.type !== 'histogram' && snap.type !== 'timer') continue;
    const pairs = labelPairs(s.tags);
    const quantilePrefix = `${name}{${pairs}${pairs === '' ? '' : ','}quantile="`;
    for (const { statistic, label } of QUANTILE_STATISTICS) {
      const v = snap[statistic];
      // An empty window has no quantiles: leave them out rather than invent 0 (or NaN).
      if (v !== null) out += `${quantilePrefix}${label}"} ${num(convert(v))}\n`;
    }
    const labels = braces(pairs);
    out += `${name}_sum${labels} ${num(convert(snap.sum))}\n`;
    out += `${name}_count${labels} ${num(snap.count)}\n`;
  }
  yield out;
}
