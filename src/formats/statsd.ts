/**
 * The StatsD line format: `name:value|type[|@rate][|#tags]`, with DogStatsD or Telegraf
 * tags, and the mapping of pre-aggregated metrics onto it. Pure: strings in, strings
 * out. Every name, tag and set member is sanitised, so nothing a user passes can add a
 * line or a field.
 *
 * @module
 */

import { InvalidOptionError, show } from '../errors.js';
import type { DistributionFields, RateFields } from '../metrics/snapshot.js';

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
  /** Tags added to every line; a line's own tags win on the same key. */
  readonly globalTags?: Readonly<Record<string, string>>;
};

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

/** JavaScript callers may pass numbers or other values where strings are expected. */
function toText(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

const SAFE_NAME = /^[A-Za-z0-9_.-]+$/;
const UNSAFE_NAME = /[^A-Za-z0-9_.-]/g;
const SAFE_TAG = /^[A-Za-z0-9_./-]+$/;
const UNSAFE_TAG = /[^A-Za-z0-9_./-]/g;
const SAFE_MEMBER = /^[A-Za-z0-9_./@-]+$/;
const UNSAFE_MEMBER = /[^A-Za-z0-9_./@-]/g;

/**
 * Makes any string safe as a StatsD name: every character other than ASCII letters,
 * digits, `_`, `-` and `.` becomes `_` (so no `:`, `|`, `#`, `,`, `=`, space or
 * newline survives). The empty string becomes `_`.
 *
 * @example
 * ```ts
 * sanitizeStatsdName('a:1|c\nevil'); // 'a_1_c_evil'
 * ```
 */
export function sanitizeStatsdName(name: string): string {
  if (SAFE_NAME.test(name)) return name;
  const s = toText(name).replace(UNSAFE_NAME, '_');
  return s === '' ? '_' : s;
}

/**
 * Makes any string safe as a StatsD tag key or value: every character other than ASCII
 * letters, digits, `_`, `-`, `.` and `/` becomes `_`. The empty string becomes `_`.
 */
export function sanitizeStatsdTag(value: string): string {
  if (SAFE_TAG.test(value)) return value;
  const s = toText(value).replace(UNSAFE_TAG, '_');
  return s === '' ? '_' : s;
}

/**
 * Makes any string safe as a StatsD set member: every character other than ASCII
 * letters, digits, `_`, `-`, `.`, `/` and `@` becomes `_`. The empty string becomes `_`.
 */
export function sanitizeStatsdSetMember(member: string): string {
  if (SAFE_MEMBER.test(member)) return member;
  const s = toText(member).replace(UNSAFE_MEMBER, '_');
  return s === '' ? '_' : s;
}

/**
 * Writes a number for StatsD: JavaScript's shortest round-trip form (StatsD parses it
 * with `Number()`), or `null` for NaN and infinities, which are never sent.
 */
export function formatStatsdNumber(value: number): string | null {
  return Number.isFinite(value) ? String(value) : null;
}

/** The gauge names a meter's (or timer's) rates are sent under, in order. */
export const STATSD_RATE_SUFFIXES = ['m1_rate', 'm5_rate', 'm15_rate', 'mean_rate'] as const;

/** The gauge names a histogram's (or timer's) statistics are sent under, in order. */
export const STATSD_DISTRIBUTION_SUFFIXES = [
  'min',
  'max',
  'mean',
  'stddev',
  'p50',
  'p75',
  'p95',
  'p98',
  'p99',
  'p999',
] as const;

// Built once: the suffixes as they are appended to a name.
const DOTTED_RATE_SUFFIXES = STATSD_RATE_SUFFIXES.map((suffix) => `.${suffix}`);
const DOTTED_DISTRIBUTION_SUFFIXES = STATSD_DISTRIBUTION_SUFFIXES.map((suffix) => `.${suffix}`);

const DISTRIBUTION_FIELDS = ['min', 'max', 'mean', 'stddev', 'p50', 'p75', 'p95', 'p98', 'p99', 'p999'] as const;
const RATE_FIELDS = ['m1Rate', 'm5Rate', 'm15Rate', 'meanRate'] as const;

const TYPE_PREFIXES: Readonly<Record<StatsdMetricType, string>> = {
  c: 'counters.',
  g: 'gauges.',
  ms: 'timers.',
  s: 'sets.',
  h: 'histograms.',
  d: 'distributions.',
};
const NO_TYPE_PREFIXES: Readonly<Record<StatsdMetricType, string>> = { c: '', g: '', ms: '', s: '', h: '', d: '' };

/** Scales applied by {@link StatsdFormat} mapping methods. */
export type StatsdUnits = {
  /** Multiplies rates (per second) by this: 60 for per minute. */
  readonly rateFactor: number;
  /** Multiplies durations (ms) by this: 0.001 for seconds. */
  readonly durationFactor: number;
};

const IDENTITY_UNITS: StatsdUnits = Object.freeze({ rateFactor: 1, durationFactor: 1 });

/**
 * Builds StatsD lines. Configure it once (prefix, tag style, global tags); each method
 * returns or appends ready records for a {@link Transport}.
 *
 * @example
 * ```ts
 * const format = new StatsdFormat({ prefix: 'web', globalTags: { env: 'prod' } });
 * format.line(format.series('jobs.done'), '', 1, 'c'); // 'web.jobs.done:1|c|#env:prod'
 * ```
 */
export class StatsdFormat {
  readonly #prefix: string;
  readonly #style: StatsdTagStyle;
  readonly #typePrefix: Readonly<Record<StatsdMetricType, string>>;
  readonly #globalTags: Readonly<Record<string, string>>;
  readonly #globalBlock: string;

  /**
   * @param options - prefix, tag style, type prefixes and global tags.
   * @throws {@link InvalidOptionError} for a bad option.
   */
  constructor(options: StatsdFormatOptions = {}) {
    const prefix = options.prefix ?? '';
    if (typeof prefix !== 'string') {
      throw new InvalidOptionError(`StatsD prefix must be a string, received ${show(prefix)}`);
    }
    const trimmed = prefix.replace(/\.+$/, '');
    this.#prefix = trimmed === '' ? '' : `${sanitizeStatsdName(trimmed)}.`;
    const style = options.tagStyle ?? 'dogstatsd';
    if (style !== 'dogstatsd' && style !== 'telegraf' && style !== 'none') {
      throw new InvalidOptionError(
        `StatsD tagStyle must be 'dogstatsd', 'telegraf' or 'none', received ${show(style)}`,
      );
    }
    this.#style = style;
    this.#typePrefix = options.typePrefixes === true ? TYPE_PREFIXES : NO_TYPE_PREFIXES;
    const globalTags = options.globalTags ?? {};
    if (globalTags === null || typeof globalTags !== 'object' || Array.isArray(globalTags)) {
      throw new InvalidOptionError(`StatsD globalTags must be an object of strings, received ${show(globalTags)}`);
    }
    for (const [k, v] of Object.entries(globalTags)) {
      if (typeof v !== 'string') {
        throw new InvalidOptionError(`StatsD global tag ${show(k)} must be a string, received ${show(v)}`);
      }
    }
    this.#globalTags = Object.freeze({ ...globalTags });
    this.#globalBlock = this.#encodeTags(this.#globalTags);
  }

  /** The tag style in use. */
  get tagStyle(): StatsdTagStyle {
    return this.#style;
  }

  #encodeTags(tags: Readonly<Record<string, string>>): string {
    if (this.#style === 'none') return '';
    const keys = Object.keys(tags).sort();
    if (keys.length === 0) return '';
    let out = '';
    if (this.#style === 'dogstatsd') {
      for (const key of keys) out += `${out === '' ? '|#' : ','}${sanitizeStatsdTag(key)}:${sanitizeStatsdTag(tags[key]!)}`;
    } else {
      for (const key of keys) out += `,${sanitizeStatsdTag(key)}=${sanitizeStatsdTag(tags[key]!)}`;
    }
    return out;
  }

  /**
   * Prepares a name and tags (merged over the global tags, sorted by key) for the wire.
   * Cache the result for series you write often.
   */
  series(name: string, tags?: Readonly<Record<string, string>> | null): StatsdSeries {
    const safe = sanitizeStatsdName(name);
    if (tags === undefined || tags === null || this.#style === 'none') return { name: safe, tags: this.#globalBlock };
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

  /**
   * Appends a counter's delta since the previous report: `name:delta|c`.
   *
   * @returns how many records were appended.
   */
  counter(out: string[], series: StatsdSeries, delta: number): number {
    const line = this.line(series, '', delta, 'c');
    if (line === null) return 0;
    out.push(line);
    return 1;
  }

  /**
   * Appends a gauge's value (negative values set, never decrement).
   *
   * @returns how many records were appended.
   */
  gaugeValue(out: string[], series: StatsdSeries, value: number): number {
    const record = this.gauge(series, '', value);
    if (record === null) return 0;
    out.push(record);
    return 1;
  }

  /**
   * Appends a meter: `name.count:delta|c`, then `m1_rate m5_rate m15_rate mean_rate`
   * as gauges.
   *
   * @returns how many records were appended.
   */
  meter(out: string[], series: StatsdSeries, countDelta: number, rates: Omit<RateFields, 'count'>, units: StatsdUnits = IDENTITY_UNITS): number {
    let n = 0;
    const count = this.line(series, '.count', countDelta, 'c');
    if (count !== null) {
      out.push(count);
      n++;
    }
    return n + this.rates(out, series, rates, units);
  }

  /**
   * Appends the rate gauges of a meter or timer.
   *
   * @returns how many records were appended.
   */
  rates(out: string[], series: StatsdSeries, rates: Omit<RateFields, 'count'>, units: StatsdUnits = IDENTITY_UNITS): number {
    let n = 0;
    for (let i = 0; i < RATE_FIELDS.length; i++) {
      const record = this.gauge(series, DOTTED_RATE_SUFFIXES[i]!, rates[RATE_FIELDS[i]!] * units.rateFactor);
      if (record !== null) {
        out.push(record);
        n++;
      }
    }
    return n;
  }

  /**
   * Appends a histogram or timer: `name.count:delta|c`, then `min max mean stddev p50
   * p75 p95 p98 p99 p999` as gauges, or no gauges when the window is empty (`min`
   * is `null`). Durations are scaled by `units.durationFactor` when `isDuration`.
   *
   * @returns how many records were appended.
   */
  distribution(
    out: string[],
    series: StatsdSeries,
    countDelta: number,
    stats: Pick<DistributionFields, 'min' | 'max' | 'mean' | 'stddev' | 'p50' | 'p75' | 'p95' | 'p98' | 'p99' | 'p999'>,
    isDuration: boolean,
    units: StatsdUnits = IDENTITY_UNITS,
  ): number {
    let n = 0;
    const count = this.line(series, '.count', countDelta, 'c');
    if (count !== null) {
      out.push(count);
      n++;
    }
    if (stats.min === null) return n;
    const factor = isDuration ? units.durationFactor : 1;
    for (let i = 0; i < DISTRIBUTION_FIELDS.length; i++) {
      const value = stats[DISTRIBUTION_FIELDS[i]!];
      if (value === null) continue;
      const record = this.gauge(series, DOTTED_DISTRIBUTION_SUFFIXES[i]!, value * factor);
      if (record !== null) {
        out.push(record);
        n++;
      }
    }
    return n;
  }
}

/** The transport protocols StatsD listens on. */
export type StatsdProtocol = 'udp' | 'tcp';

/** Where StatsD is, as given in options (each may be left out). */
export type StatsdTargetOptions = {
  /**
   * The StatsD host.
   *
   * @defaultValue `STATSD_HOST`, else `'127.0.0.1'`
   */
  readonly host?: string;
  /**
   * The StatsD port.
   *
   * @defaultValue `STATSD_PORT`, else 8125
   */
  readonly port?: number;
  /**
   * The protocol.
   *
   * @defaultValue `STATSD_PROTOCOL`, else `'udp'`
   */
  readonly protocol?: StatsdProtocol;
  /**
   * The name prefix.
   *
   * @defaultValue `STATSD_PREFIX`, else none
   */
  readonly prefix?: string;
};

/** A fully resolved {@link StatsdTargetOptions}. */
export type StatsdTarget = {
  /** The host. */
  readonly host: string;
  /** The port. */
  readonly port: number;
  /** The protocol. */
  readonly protocol: StatsdProtocol;
  /** The prefix (`''` for none). */
  readonly prefix: string;
};

/**
 * Resolves where StatsD is: options first, then the environment (`STATSD_HOST`,
 * `STATSD_PORT`, `STATSD_PROTOCOL`, `STATSD_PREFIX`), then the defaults
 * (`127.0.0.1:8125` over UDP, no prefix).
 *
 * @param options - what the caller gave.
 * @param env - the environment to read, `process.env` by default.
 * @throws {@link InvalidOptionError} for a bad host, port or protocol, saying where it came from.
 */
export function resolveStatsdTarget(
  options: StatsdTargetOptions,
  env: Readonly<Record<string, string | undefined>> = process.env,
): StatsdTarget {
  const fromEnv = (key: string): string | undefined => {
    const v = env[key];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const host = options.host ?? fromEnv('STATSD_HOST') ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '' || /\s/.test(host)) {
    throw new InvalidOptionError(`StatsD host must be a host name or IP address, received ${show(host)}`);
  }
  let port: unknown = options.port;
  let portSource = 'port';
  if (port === undefined) {
    const raw = fromEnv('STATSD_PORT');
    portSource = 'STATSD_PORT';
    port = raw === undefined ? 8125 : /^\d+$/.test(raw) ? Number(raw) : raw;
  }
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidOptionError(`StatsD ${portSource} must be an integer from 1 to 65535, received ${show(port)}`);
  }
  let protocol: unknown = options.protocol;
  let protocolSource = 'protocol';
  if (protocol === undefined) {
    protocol = fromEnv('STATSD_PROTOCOL')?.toLowerCase() ?? 'udp';
    protocolSource = 'STATSD_PROTOCOL';
  }
  if (protocol !== 'udp' && protocol !== 'tcp') {
    throw new InvalidOptionError(`StatsD ${protocolSource} must be 'udp' or 'tcp', received ${show(protocol)}`);
  }
  const prefix = options.prefix ?? fromEnv('STATSD_PREFIX') ?? '';
  if (typeof prefix !== 'string') {
    throw new InvalidOptionError(`StatsD prefix must be a string, received ${show(prefix)}`);
  }
  return { host, port, protocol, prefix };
}
