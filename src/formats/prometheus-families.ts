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

function familySeries(s: PrometheusSeries): FamilySeries {
  return { tags: s.tags, snapshot: s.snapshot, buckets: s.buckets ?? null };
}

/** The family of `s`'s name, holding `s`. */
function newFamily(s: PrometheusSeries): Family {
  return { name: s.name, type: s.snapshot.type, series: [familySeries(s)], buckets: s.buckets ?? null };
}

/** Adds one series to its family (series of another type than the family's first are left out). */
function addToFamily(families: Map<string, Family>, s: PrometheusSeries): void {
  const family = families.get(s.name);
  if (family === undefined) families.set(s.name, newFamily(s));
  else if (s.snapshot.type === family.type) family.series.push(familySeries(s));
}

/** The family name of a histogram's or timer's distribution: `<base>`, or `<base>_seconds` for timers. @internal */
export function distributionName(base: string, type: 'histogram' | 'timer', window = false): string {
  const b = window ? `${base}_window` : base;
  return type === 'timer' ? `${b}_${PROMETHEUS_DURATION_UNIT.name}` : b;
}

/** The Prometheus names (families and samples) a metric family would use. @internal */
export function namesOf(base: string, type: MetricSnapshot['type'], buckets: { readonly summary: boolean } | null): string[] {
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

/** Maps of a {@link NameMap} and of {@link TakenNames}: 64, picked by the top 6 bits of a 31-bit hash. */
const NAME_SHARDS = 64;

/** FNV-1a over the UTF-16 code units of `key`, as a 31-bit integer (a small integer to V8). */
function nameHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 1;
}

/**
 * A Map of many string keys, spread over {@link NAME_SHARDS} Maps by a hash of the key.
 * One Map of 300,000 keys (the names of 100,000 timers) doubles its table in one step
 * that holds the event loop for tens of milliseconds (at 131,072 and 262,144 entries);
 * 64 Maps of a 64th each grow in steps too small to see.
 *
 * @internal
 */
export class NameMap<V> {
  readonly #shards: Map<string, V>[] = Array.from({ length: NAME_SHARDS }, () => new Map<string, V>());

  #shard(key: string): Map<string, V> {
    return this.#shards[nameHash(key) >>> 25]!;
  }

  /** The value of `key`, if any. */
  get(key: string): V | undefined {
    return this.#shard(key).get(key);
  }

  /** Whether `key` is in the map. */
  has(key: string): boolean {
    return this.#shard(key).has(key);
  }

  /** Sets `key` to `value`. */
  set(key: string, value: V): void {
    this.#shard(key).set(key, value);
  }

  /** The number of keys. */
  get size(): number {
    let n = 0;
    for (const shard of this.#shards) n += shard.size;
    return n;
  }
}

/** The buckets of a family as {@link namesOf} needs them, by a small integer. */
const BUCKET_KINDS = [null, Object.freeze({ summary: false }), Object.freeze({ summary: true })] as const;

function bucketKind(buckets: LifetimeBucketsRead | null): number {
  return buckets === null ? 0 : buckets.summary ? 2 : 1;
}

/**
 * The Prometheus names the families written so far have taken, each to its family: what
 * tells a family whose names collide with an earlier one's.
 *
 * Holds no name: a name is found by its 31-bit hash (small integers, in sharded Maps),
 * and a hit is checked against the names its family takes, made again from the family's
 * base. A render of 100,000 timers takes 300,000 names; held as strings, they all outlived
 * their allocation, and every scavenge of the young generation copied them (doubling its
 * pauses), then the old generation had to keep them. The rare name whose hash another
 * name holds already is kept as a string, apart.
 *
 * @internal
 */
export class TakenNames {
  readonly #shards: Map<number, number>[] = Array.from({ length: NAME_SHARDS }, () => new Map<number, number>());
  /** Names whose hash was held by another name already. */
  readonly #spilled = new Map<string, number>();
  /** Per family, by index: its base name, type, bucket kind and dotted name. */
  readonly #bases: string[] = [];
  readonly #types: MetricSnapshot['type'][] = [];
  readonly #kinds: number[] = [];
  readonly #names: string[] = [];

  /**
   * Takes `names` for family `familyName` (base `base`, of `type`, with `buckets`) unless
   * one of them is taken: then returns the dotted name of the family that took it. Each
   * name is hashed once, for the check and the take (a render of 10,000 timers claims
   * 30,000 names).
   */
  claim(
    names: readonly string[],
    familyName: string,
    base: string,
    type: MetricSnapshot['type'],
    buckets: LifetimeBucketsRead | null,
  ): string | undefined {
    const hashes = names.map(nameHash);
    for (let k = 0; k < names.length; k++) {
      const i = this.#index(names[k]!, hashes[k]!);
      if (i !== undefined) return this.#names[i];
    }
    const index = this.#bases.length;
    this.#bases.push(base);
    this.#types.push(type);
    this.#kinds.push(bucketKind(buckets));
    this.#names.push(familyName);
    for (let k = 0; k < names.length; k++) {
      const h = hashes[k]!;
      const shard = this.#shards[h >>> 25]!;
      if (shard.has(h)) this.#spilled.set(names[k]!, index);
      else shard.set(h, index);
    }
    return undefined;
  }

  #index(name: string, h: number): number | undefined {
    const i = this.#shards[h >>> 25]!.get(h);
    if (i !== undefined && namesOf(this.#bases[i]!, this.#types[i]!, BUCKET_KINDS[this.#kinds[i]!]!).includes(name)) return i;
    return this.#spilled.size === 0 ? undefined : this.#spilled.get(name);
  }

  /** The number of names whose hash another name held (kept as strings). @internal */
  get spilled(): number {
    return this.#spilled.size;
  }
}

/**
 * The families to write, each with its Prometheus base name (`prefix` plus the mapped
 * name), leaving out (and telling `onCollision` of) a family whose names collide with
 * those of an earlier one.
 *
 * By default the series may come in any order: grouping reads every series before the
 * first family, and yields `null` every 1,024 series meanwhile, so that a writer can hand
 * its caller an empty chunk, and a caller that pauses between chunks can yield to the
 * event loop. With `adjacent` (the caller promises that the series of one name come one
 * after another, as a registry lists them), each family is yielded as soon as its last
 * series is read: only one family's series are held at a time, and the series can be
 * read lazily, as the writer goes (it still yields `null` every 1,024 series, within a
 * family too, so that a caller can pause while a name of many series is read).
 *
 * @internal
 */
export function* prometheusFamilies(
  series: Iterable<PrometheusSeries>,
  prefix: string,
  onCollision: PrometheusFormatOptions['onCollision'],
  adjacent = false,
): Generator<{ readonly family: Family; readonly base: string } | null, void, undefined> {
  const taken = new TakenNames();
  const admit = (family: Family): { readonly family: Family; readonly base: string } | null => {
    const base = prefix + prometheusName(family.name);
    const names = namesOf(base, family.type, family.buckets);
    const owner = taken.claim(names, family.name, base, family.type, family.buckets);
    if (owner === undefined) return { family, base };
    onCollision?.(family.name, owner);
    return null;
  };
  if (adjacent) {
    let current: Family | null = null;
    let read = 0;
    for (const s of series) {
      // A pause now and then, also within a family (a name of 100,000 tagged series).
      if (++read % GROUPING_SLICE === 0) yield null;
      if (current !== null && s.name === current.name) {
        if (s.snapshot.type === current.type) current.series.push(familySeries(s));
        continue;
      }
      if (current !== null) {
        const admitted = admit(current);
        if (admitted !== null) yield admitted;
      }
      current = newFamily(s);
    }
    if (current !== null) {
      const admitted = admit(current);
      if (admitted !== null) yield admitted;
    }
    return;
  }
  const grouped = new Map<string, Family>();
  let read = 0;
  for (const s of series) {
    addToFamily(grouped, s);
    if (++read % GROUPING_SLICE === 0) yield null;
  }
  for (const family of grouped.values()) {
    const admitted = admit(family);
    if (admitted !== null) yield admitted;
  }
}
