/**
 * A direct StatsD client for event-level metrics (sprockets-statsd's Connector,
 * hot-shots): every `incr`, `timing` or `set` becomes one StatsD line, batched over the
 * same transports the StatsD reporter uses, with the same guarantees.
 *
 * @module
 */

import { clockCheck, systemClock, type Clock } from '../clock.js';
import { func, number, readOptions } from '../internal/options.js';
import type { StatsdMetricType, StatsdSeries } from '../formats/statsd.js';
import { sanitizeStatsdSetMember } from '../formats/statsd-sanitize.js';
import { isTagKey, isTagValue } from '../names.js';
import {
  closeTimeoutCheck,
  DEFAULT_CLOSE_TIMEOUT_MS,
  defaultTransportErrorHandler,
  errorHandlerCheck,
  type Transport,
  type TransportErrorHandler,
  type TransportStats,
} from '../transports/transport.js';
import { openStatsd, STATSD_OPTIONS, type StatsdOptions } from './statsd-options.js';
import { StatsdTimer } from './statsd-timer.js';
import type { StatsdFormat } from '../formats/statsd.js';
import { OwnedTransport } from './owned-transport.js';

/** Options of a {@link StatsdClient}. */
export type StatsdClientOptions = StatsdOptions & {
  /**
   * The sample rate of calls that do not give one, in (0, 1].
   *
   * @defaultValue 1
   */
  readonly sampleRate?: number;
  /**
   * Receives transport failures, which are never thrown.
   *
   * @defaultValue a `TapemeasureWarning` per error code, at most one per minute
   */
  readonly onError?: TransportErrorHandler;
  /**
   * Monotonic time for {@link StatsdClient.timer}.
   *
   * @defaultValue {@link systemClock}
   */
  readonly clock?: Clock;
  /**
   * Random numbers in [0, 1) for sampling.
   *
   * @defaultValue Math.random
   */
  readonly random?: () => number;
  /**
   * How long `stop()` may spend flushing what is queued, in milliseconds.
   *
   * @defaultValue 2000
   */
  readonly stopTimeoutMs?: number;
};

const STATSD_CLIENT_OPTIONS = Object.freeze({
  ...STATSD_OPTIONS,
  sampleRate: number(0, 1, true),
  onError: errorHandlerCheck,
  clock: clockCheck,
  random: func,
  stopTimeoutMs: closeTimeoutCheck,
});

/** Options of one call. */
export type StatsdCallOptions = {
  /**
   * Send this call with probability `sampleRate` (in (0, 1]), marked `|@rate` so that
   * StatsD scales counts back up.
   *
   * @defaultValue the client's `sampleRate`
   */
  readonly sampleRate?: number;
  /**
   * Tags of this call, merged over the client's global tags and checked as the registry
   * checks tags: a call with invalid tags is dropped and counted in `stats.invalid`.
   */
  readonly tags?: Readonly<Record<string, string>>;
};

/** Options of {@link StatsdClient.gauge}. */
export type StatsdGaugeOptions = StatsdCallOptions & {
  /**
   * Change the gauge by `value` (`+5|g`, `-3|g`) instead of setting it.
   *
   * @defaultValue false
   */
  readonly delta?: boolean;
};

/** What the client has done: the transport's counters plus its own. */
export type StatsdClientStats = TransportStats & {
  /** Calls skipped by sampling. */
  readonly sampledOut: number;
  /**
   * Calls dropped for an invalid name (not a non-empty string), value (NaN, infinite,
   * negative timing), sample rate, options or tags (as the registry checks tags:
   * `{ k: {} }` or JSON's `{ "__proto__": "x" }` are invalid), or arguments whose getters
   * or `toString` throw.
   */
  readonly invalid: number;
};

/** Names cached per client for calls without tags; past this many, the cache restarts. */
const SERIES_CACHE_LIMIT = 10_000;

/**
 * A StatsD client for event-level metrics, with sampling, tags, a prefix and batching.
 * Calls never throw and never block: lines are packed into datagrams (UDP) or queued
 * on one connection (TCP), bounded by `maxQueueBytes`. Names, tags and set members are
 * sanitised so nothing can inject a line or a field; invalid values are dropped and
 * counted in `stats.invalid`.
 *
 * `start()` connects now (optional: the transport connects on first use); `await
 * stop()` flushes everything queued and closes, within `stopTimeoutMs`; later calls
 * are dropped and counted.
 *
 * @example
 * ```ts
 * import { StatsdClient } from 'tapemeasure';
 *
 * const statsd = new StatsdClient({ host: '127.0.0.1', port: 8125, prefix: 'web', env: {} }).start();
 * statsd.incr('requests', 1, { tags: { route: '/users/:id' } });
 * statsd.timing('db.query', 12.5);
 * const html = statsd.timer('render').time(() => '<p>hello</p>');
 * statsd.gauge('queue.depth', html.length);
 * statsd.set('users.seen', 'alice');
 * await statsd.stop();
 * ```
 */
export class StatsdClient {
  readonly #format: StatsdFormat;
  readonly #link: OwnedTransport;
  readonly #transport: Transport;
  readonly #sampleRate: number;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #stopTimeoutMs: number;
  readonly #series = new Map<string, StatsdSeries>();
  #sampledOut = 0;
  #invalid = 0;
  #afterStopLines = 0;
  #afterStopBytes = 0;
  #stopped = false;
  #stopping: Promise<void> | null = null;

  /**
   * @param options - where StatsD is and how to write to it; missing host, port,
   *   protocol and prefix come from `env` (`STATSD_HOST`, `STATSD_PORT`,
   *   `STATSD_PROTOCOL`, `STATSD_PREFIX`).
   * @throws {@link InvalidOptionError} or {@link UnknownOptionError} for a bad option (or
   *   environment variable).
   */
  constructor(options: StatsdClientOptions = {}) {
    const where = 'StatsdClient';
    const o = readOptions(where, options, STATSD_CLIENT_OPTIONS);
    const sender = openStatsd(where, o, o.onError ?? defaultTransportErrorHandler());
    this.#format = sender.format;
    this.#link = new OwnedTransport(sender);
    this.#transport = sender.transport;
    this.#sampleRate = o.sampleRate ?? 1;
    this.#clock = o.clock ?? systemClock;
    this.#random = (o.random as (() => number) | undefined) ?? Math.random;
    this.#stopTimeoutMs = o.stopTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
  }

  /**
   * Connects now (TCP) or resolves the host now (UDP), instead of on the first call
   * (sprockets-statsd's `Connector.start()`). Optional.
   *
   * @returns this client.
   */
  start(): this {
    if (!this.#stopped) this.#transport.start?.();
    return this;
  }

  /**
   * Flushes every queued line and closes the transport it created, waiting at most
   * `stopTimeoutMs`. Later calls are dropped and counted. Never rejects; safe to call twice.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#stopped = true;
      await this.#link.release(this.#stopTimeoutMs);
    })();
    return this.#stopping;
  }

  /** `await using statsd = new StatsdClient(...)` stops it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** Sends what is batched now instead of waiting for the flush interval. */
  flush(): void {
    this.#transport.flush();
  }

  /** What the client has sent, dropped and skipped. */
  get stats(): StatsdClientStats {
    const t = this.#transport.stats;
    return {
      ...t,
      droppedLines: t.droppedLines + this.#afterStopLines,
      droppedBytes: t.droppedBytes + this.#afterStopBytes,
      sampledOut: this.#sampledOut,
      invalid: this.#invalid,
    };
  }

  /**
   * Counts `value` events: `name:value|c`.
   *
   * @param value - how many, default 1 (may be negative or fractional).
   */
  incr(name: string, value = 1, options?: StatsdCallOptions): void {
    try {
      this.#send(name, value, 'c', options);
    } catch {
      this.#invalid++; // a hostile argument (a getter or a toString that throws)
    }
  }

  /**
   * Counts down: `name:-value|c`.
   *
   * @param value - how many, default 1.
   */
  decr(name: string, value = 1, options?: StatsdCallOptions): void {
    try {
      this.#send(name, typeof value === 'number' ? -value : Number.NaN, 'c', options);
    } catch {
      this.#invalid++; // a hostile argument (a getter or a toString that throws)
    }
  }

  /**
   * Sets a gauge (a negative value is sent so that StatsD sets it rather than
   * decrementing it), or with `{ delta: true }` changes it by `value`.
   */
  gauge(name: string, value: number, options?: StatsdGaugeOptions): void {
    try {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        this.#invalid++;
        return;
      }
      const series = this.#seriesOf(name, options);
      if (series === null) return;
      const rate = this.#sample(options);
      if (rate === 0) return;
      // Gauges are not scaled by a sample rate in StatsD, so none is written.
      const record =
        options?.delta === true ? this.#format.gaugeDelta(series, '', value) : this.#format.gauge(series, '', value);
      if (record !== null) this.#write(record);
    } catch {
      this.#invalid++; // a hostile argument (a getter or a toString that throws)
    }
  }

  /**
   * Sends a duration: `name:durationMs|ms`. Negative or non-finite durations are dropped
   * and counted (StatsD rejects them).
   *
   * @param durationMs - the duration in milliseconds.
   */
  timing(name: string, durationMs: number, options?: StatsdCallOptions): void {
    try {
      if (typeof durationMs !== 'number' || !(durationMs >= 0) || !Number.isFinite(durationMs)) {
        this.#invalid++;
        return;
      }
      this.#send(name, durationMs, 'ms', options);
    } catch {
      this.#invalid++; // a hostile argument (a getter or a toString that throws)
    }
  }

  /**
   * A timer that sends its measurements as timings of `name`.
   *
   * @example
   * ```ts
   * import { StatsdClient } from 'tapemeasure';
   *
   * const statsd = new StatsdClient({ env: {} });
   * const render = statsd.timer('render');
   * const html = render.time(() => '<p>hello</p>');
   * {
   *   using _ = render.start(); // sent when the block ends
   * }
   * await statsd.stop();
   * ```
   */
  timer(name: string, options?: StatsdCallOptions): StatsdTimer {
    return new StatsdTimer(this, name, options, this.#clock);
  }

  /**
   * Adds `member` to a set: StatsD counts the distinct members per flush. The member is
   * sanitised (characters other than letters, digits and `_-./@` become `_`).
   */
  set(name: string, member: string | number, options?: StatsdCallOptions): void {
    try {
      if (typeof member === 'number' ? !Number.isFinite(member) : typeof member !== 'string') {
        this.#invalid++;
        return;
      }
      const series = this.#seriesOf(name, options);
      if (series === null) return;
      const rate = this.#sample(options);
      if (rate === 0) return;
      const line = this.#format.line(series, '', sanitizeStatsdSetMember(String(member)), 's');
      if (line !== null) this.#write(line);
    } catch {
      this.#invalid++; // a hostile argument (a getter or a toString that throws)
    }
  }

  #send(name: string, value: number, type: StatsdMetricType, options: StatsdCallOptions | undefined): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.#invalid++;
      return;
    }
    const series = this.#seriesOf(name, options);
    if (series === null) return;
    const rate = this.#sample(options);
    if (rate === 0) return;
    const line = this.#format.line(series, '', value, type, rate);
    if (line !== null) this.#write(line);
  }

  /** The rate to write, or 0 when this call is sampled out or invalid. */
  #sample(options: StatsdCallOptions | undefined): number {
    const rate = options?.sampleRate ?? this.#sampleRate;
    if (rate === 1) return 1;
    if (typeof rate !== 'number' || !(rate > 0 && rate <= 1)) {
      this.#invalid++;
      return 0;
    }
    if (this.#random() >= rate) {
      this.#sampledOut++;
      return 0;
    }
    return rate;
  }

  /**
   * The series of a call, or `null` (counted in `invalid`) for a name that is not a
   * non-empty string, options that are not an object, or tags that are not valid tags as
   * the registry checks them (identifier keys other than `__proto__`, non-empty string
   * values without control characters or unpaired surrogates).
   */
  #seriesOf(name: unknown, options: StatsdCallOptions | undefined): StatsdSeries | null {
    if (typeof name !== 'string' || name === '' || (options !== undefined && (options === null || typeof options !== 'object'))) {
      this.#invalid++;
      return null;
    }
    const tags: unknown = options?.tags;
    if (tags !== undefined) {
      if (tags === null || typeof tags !== 'object' || Array.isArray(tags)) {
        this.#invalid++;
        return null;
      }
      const own = tags as Record<string, unknown>;
      const copy: Record<string, string> = {};
      for (const key of Object.keys(own)) {
        const value = own[key];
        if (!isTagKey(key) || !isTagValue(value)) {
          this.#invalid++;
          return null;
        }
        copy[key] = value;
      }
      return this.#format.series(name, copy);
    }
    let series = this.#series.get(name);
    if (series === undefined) {
      if (this.#series.size >= SERIES_CACHE_LIMIT) this.#series.clear();
      series = this.#format.series(name);
      this.#series.set(name, series);
    }
    return series;
  }

  #write(record: string): void {
    if (this.#stopped) {
      // A transport passed in stays open after stop(): count what comes late here.
      this.#afterStopLines++;
      this.#afterStopBytes += record.length + 1;
      return;
    }
    this.#transport.send(record);
  }
}
