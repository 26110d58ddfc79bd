/**
 * The StatsD line format: `name:value|type[|@rate][|#tags]`, with DogStatsD or Telegraf
 * tags. Pure: strings in, strings out. Every name, tag and set member is sanitised
 * (`statsd-sanitize.ts`), so nothing a user passes can add a line or a field.
 *
 * @module
 */

import { boolean, oneOf, readOptions, string } from '../internal/options.js';
import type { Tags } from '../names.js';
import { formatStatsdNumber, sanitizeStatsdName, sanitizeStatsdTag } from './statsd-sanitize.js';
import { tagsCheck } from './tags-check.js';

/**
 * How tags are written:
 * - `'dogstatsd'`: `name:1|c|#k:v,k2:v2` (DogStatsD, the Datadog agent, and etsy StatsD
 *   0.9+, which stores them as `name;k=v;k2=v2`);
 * - `'telegraf'`: `name,k=v,k2=v2:1|c` (Telegraf's statsd input);
 * - `'none'`: tags are left out, so series that differ only by tags share one StatsD key.
 */
export type StatsdTagStyle = 'dogstatsd' | 'telegraf' | 'none';

/** StatsD metric types: counter, gauge, timing (ms), set, histogram, distribution. */
export type StatsdMetricType = 'c' | 'g' | 'ms' | 's' | 'h' | 'd';

/** Options of a {@link StatsdFormat}. */
export type StatsdFormatOptions = {
  /**
   * Prepended to every name, followed by a dot (sanitised; a trailing dot is optional).
   *
   * @defaultValue '' (no prefix)
   */
  readonly prefix?: string;
  /**
   * How tags are written.
   *
   * @defaultValue 'dogstatsd'
   */
  readonly tagStyle?: StatsdTagStyle;
  /**
   * Insert sprockets-statsd's type prefixes after `prefix`: `counters.` for `|c`,
   * `gauges.` for `|g`, `timers.` for `|ms`, `sets.` for `|s`.
   *
   * @defaultValue false
   */
  readonly typePrefixes?: boolean;
  /**
   * Tags added to every line; a line's own tags win on the same key. Checked as the
   * registry checks tags.
   *
   * @defaultValue none
   */
  readonly globalTags?: Tags;
};

/**
 * The schema of {@link StatsdFormatOptions}, spread into the StatsD senders' schemas.
 *
 * @internal
 */
export const STATSD_FORMAT_OPTIONS = Object.freeze({
  prefix: string,
  tagStyle: oneOf('dogstatsd', 'telegraf', 'none'),
  typePrefixes: boolean,
  globalTags: tagsCheck,
});

/**
 * A name and tags prepared for the wire once, then reused for every line of a series.
 * Get one from {@link StatsdFormat.series}.
 */
export type StatsdSeries = {
  /** The sanitised name, without prefix. */
  readonly name: string;
  /** The encoded tag block (`|#k:v` or `,k=v`), or `''`. */
  readonly tags: string;
};

const TYPE_PREFIXES: Readonly<Record<StatsdMetricType, string>> = {
  c: 'counters.',
  g: 'gauges.',
  ms: 'timers.',
  s: 'sets.',
  h: 'histograms.',
  d: 'distributions.',
};
const NO_TYPE_PREFIXES: Readonly<Record<StatsdMetricType, string>> = { c: '', g: '', ms: '', s: '', h: '', d: '' };

/**
 * Builds StatsD lines. Configure it once (prefix, tag style, global tags); each method
 * returns a ready record for a {@link Transport}.
 *
 * @example
 * ```ts
 * import { StatsdFormat } from 'tapemeasure';
 *
 * const format = new StatsdFormat({ prefix: 'web', globalTags: { env: 'prod' } });
 * console.log(format.line(format.series('jobs.done'), '', 1, 'c')); // 'web.jobs.done:1|c|#env:prod'
 * ```
 */
export class StatsdFormat {
  readonly #prefix: string;
  readonly #style: StatsdTagStyle;
  readonly #typePrefix: Readonly<Record<StatsdMetricType, string>>;
  readonly #globalTags: Tags;
  readonly #globalBlock: string;

  /**
   * @param options - prefix, tag style, type prefixes and global tags.
   * @throws {@link InvalidOptionError} or {@link UnknownOptionError} for a bad option.
   */
  constructor(options: StatsdFormatOptions = {}) {
    const o = readOptions('StatsdFormat', options, STATSD_FORMAT_OPTIONS);
    const trimmed = (o.prefix ?? '').replace(/\.+$/, '');
    this.#prefix = trimmed === '' ? '' : `${sanitizeStatsdName(trimmed)}.`;
    this.#style = o.tagStyle ?? 'dogstatsd';
    this.#typePrefix = o.typePrefixes === true ? TYPE_PREFIXES : NO_TYPE_PREFIXES;
    this.#globalTags = o.globalTags ?? {};
    this.#globalBlock = this.#encodeTags(this.#globalTags);
  }

  /** The tag style in use. */
  get tagStyle(): StatsdTagStyle {
    return this.#style;
  }

  #encodeTags(tags: Readonly<Record<string, unknown>>): string {
    if (this.#style === 'none') return '';
    const keys = Object.keys(tags).sort();
    if (keys.length === 0) return '';
    let out = '';
    if (this.#style === 'dogstatsd') {
      for (const key of keys) out += `${out === '' ? '|#' : ','}${sanitizeStatsdTag(key)}:${sanitizeStatsdTag(tags[key] as string)}`;
    } else {
      for (const key of keys) out += `,${sanitizeStatsdTag(key)}=${sanitizeStatsdTag(tags[key] as string)}`;
    }
    return out;
  }

  /**
   * Prepares a name and tags (merged over the global tags, sorted by key) for the wire.
   * Cache the result for series you write often. Any value is accepted: what is not a
   * string is converted and sanitised, never thrown on.
   */
  series(name: string, tags?: Readonly<Record<string, string>> | null): StatsdSeries {
    const safe = sanitizeStatsdName(name);
    if (tags === undefined || tags === null || typeof tags !== 'object' || this.#style === 'none') {
      return { name: safe, tags: this.#globalBlock };
    }
    let any = false;
    for (const _ in tags) {
      any = true;
      break;
    }
    if (!any) return { name: safe, tags: this.#globalBlock };
    return { name: safe, tags: this.#encodeTags({ ...this.#globalTags, ...tags }) };
  }

  /** The full key of a line of `series` (prefix, type prefix, name, suffix), tags excluded. */
  key(series: StatsdSeries, suffix: string, type: StatsdMetricType): string {
    return `${this.#prefix}${this.#typePrefix[type]}${series.name}${suffix}`;
  }

  /**
   * One line: `key:value|type[|@rate][|#tags]` (Telegraf: `key,tags:value|type[|@rate]`).
   *
   * @param series - from {@link StatsdFormat.series}.
   * @param suffix - appended to the name (`'.p99'`), already safe; `''` for none.
   * @param value - a finite number, or a preformatted value (`'+5'`, a set member) that
   *   the caller has made safe.
   * @param sampleRate - in (0, 1]; 1 writes no `|@`.
   * @returns the line, or `null` if `value` is NaN or infinite.
   */
  line(series: StatsdSeries, suffix: string, value: number | string, type: StatsdMetricType, sampleRate = 1): string | null {
    const v = typeof value === 'number' ? formatStatsdNumber(value) : value;
    if (v === null) return null;
    const rate = sampleRate < 1 ? `|@${sampleRate}` : '';
    const key = `${this.#prefix}${this.#typePrefix[type]}${series.name}${suffix}`;
    return this.#style === 'telegraf'
      ? `${key}${series.tags}:${v}|${type}${rate}`
      : `${key}:${v}|${type}${rate}${series.tags}`;
  }

  /**
   * A gauge set to `value`. StatsD reads a leading `-` as a decrement, so a negative
   * value is written as two lines in one record, `key:0|g` then `key:-5|g`, which sets
   * it in every StatsD (and must travel in one datagram, as records do).
   *
   * @returns the record, or `null` for NaN and infinities.
   */
  gauge(series: StatsdSeries, suffix: string, value: number): string | null {
    const line = this.line(series, suffix, value, 'g');
    if (line === null || !(value < 0)) return line;
    return `${this.line(series, suffix, 0, 'g')!}\n${line}`;
  }

  /**
   * A gauge changed by `delta` (`+5|g`, `-3|g`).
   *
   * @returns the line, or `null` for NaN and infinities.
   */
  gaugeDelta(series: StatsdSeries, suffix: string, delta: number): string | null {
    const v = formatStatsdNumber(delta);
    if (v === null) return null;
    return this.line(series, suffix, delta < 0 ? v : `+${v}`, 'g');
  }
}
