/**
 * The families of the Prometheus formats (text, OpenMetrics, protobuf): series grouped by
 * name, the names each family takes, and the families left out because their names
 * collide with those of a family before them. Pure.
 *
 * @module
 * @internal
 */

import type { LifetimeBucketsRead } from '../metrics/lifetime-buckets.js';
import type { MetricSnapshot } from '../metrics/snapshot.js';
import type { Tags } from '../names.js';
import type { PrometheusFormatOptions, PrometheusSeries } from './prometheus.js';
import { prometheusName } from './prometheus-names.js';
import {
  durationConverter,
  PROMETHEUS_DURATION_UNIT,
  RATE_STATISTIC_HELP,
  RATE_STATISTIC_ORDER,
  STATISTIC_SUFFIX,
} from './statistics.js';

/** The rate gauges of a meter: sample suffix, snapshot field, HELP words. @internal */
export const RATES = RATE_STATISTIC_ORDER.map((statistic) => ({
  suffix: STATISTIC_SUFFIX[statistic],
  statistic,
  help: RATE_STATISTIC_HELP[statistic],
}));

/** Timer durations are in milliseconds in snapshots and in seconds on the wire. @internal */
export const toSeconds = durationConverter(PROMETHEUS_DURATION_UNIT.unit);
/** Histogram values are written as they are. @internal */
export const identity = (value: number): number => value;

/** One series of a family. @internal */
export type FamilySeries = { readonly tags: Tags; readonly snapshot: MetricSnapshot; readonly buckets: LifetimeBucketsRead | null };

/** The series of one name. @internal */
export type Family = {
  readonly name: string;
  readonly type: MetricSnapshot['type'];
  readonly series: FamilySeries[];
  /** The buckets of the first series: whether the family is a histogram, and with a window summary. */
  readonly buckets: LifetimeBucketsRead | null;
};

/** Series grouped between two pauses of {@link prometheusFamilies}. */
const GROUPING_SLICE = 1024;

/** Adds one series to its family (series of another type than the family's first are left out). */
function addToFamily(families: Map<string, Family>, s: PrometheusSeries): void {
  let family = families.get(s.name);
  if (family === undefined) {
    family = { name: s.name, type: s.snapshot.type, series: [], buckets: s.buckets ?? null };
    families.set(s.name, family);
  }
  if (s.snapshot.type === family.type) family.series.push({ tags: s.tags, snapshot: s.snapshot, buckets: s.buckets ?? null });
}

/** The family name of a histogram's or timer's distribution: `<base>`, or `<base>_seconds` for timers. @internal */
export function distributionName(base: string, type: 'histogram' | 'timer', window = false): string {
  const b = window ? `${base}_window` : base;
  return type === 'timer' ? `${b}_${PROMETHEUS_DURATION_UNIT.name}` : b;
}

/** The Prometheus names (families and samples) a metric family would use. @internal */
export function namesOf(base: string, type: MetricSnapshot['type'], buckets: LifetimeBucketsRead | null): string[] {
  switch (type) {
    case 'counter':
      return [base.endsWith('_total') ? base : `${base}_total`, base.endsWith('_total') ? base.slice(0, -6) : base];
    case 'gauge':
      return [base];
    case 'meter':
      return [`${base}_total`, base, ...RATES.map(({ suffix }) => `${base}_${suffix}`)];
    case 'histogram':
    case 'timer': {
      const s = distributionName(base, type);
      if (buckets === null) return [s, `${s}_sum`, `${s}_count`];
      const names = [s, `${s}_bucket`, `${s}_sum`, `${s}_count`];
      if (buckets.summary) {
        const w = distributionName(base, type, true);
        names.push(w, `${w}_sum`, `${w}_count`);
      }
      return names;
    }
  }
}

/**
 * The families to write, each with its Prometheus base name (`prefix` plus the mapped
 * name), leaving out (and telling `onCollision` of) a family whose names collide with
 * those of an earlier one. Grouping reads every series before the first family: it
 * yields `null` every 1,024 series meanwhile, so that a writer can hand its caller an
 * empty chunk, and a caller that pauses between chunks can yield to the event loop.
 *
 * @internal
 */
export function* prometheusFamilies(
  series: Iterable<PrometheusSeries>,
  prefix: string,
  onCollision: PrometheusFormatOptions['onCollision'],
): Generator<{ readonly family: Family; readonly base: string } | null, void, undefined> {
  const taken = new Map<string, string>();
  const grouped = new Map<string, Family>();
  let read = 0;
  for (const s of series) {
    addToFamily(grouped, s);
    if (++read % GROUPING_SLICE === 0) yield null;
  }
  for (const family of grouped.values()) {
    const base = prefix + prometheusName(family.name);
    const names = namesOf(base, family.type, family.buckets);
    const clash = names.find((n) => taken.has(n));
    if (clash !== undefined) {
      onCollision?.(family.name, taken.get(clash)!);
      continue;
    }
    for (const n of names) taken.set(n, family.name);
    yield { family, base };
  }
}
