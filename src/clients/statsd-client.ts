/**
 * A direct StatsD client for event-level metrics (sprockets-statsd's Connector):
 * every `incr`, `timing` or `set` becomes one StatsD line, batched over the same UDP or
 * TCP transport the StatsD reporter uses, with the same guarantees.
 *
 * @module
 */

import type { StatsdOptions } from './statsd-options.js';
import { systemClock, type Clock } from '../clock.js';
import { InvalidOptionError, show } from '../errors.js';
import { Stopwatch, timeCall, type DurationSink } from '../metrics/timer.js';
import {
  resolveStatsdTarget,
  sanitizeStatsdSetMember,
  StatsdFormat,
  type StatsdMetricType,
  type StatsdSeries,
} from '../formats/statsd.js';
import { createLineTransport } from '../transports/line-transport.js';
import type { Transport, TransportErrorHandler, TransportStats } from '../transports/transport.js';

/** Options of a {@link StatsdClient}. */
export type StatsdClientOptions = StatsdOptions & {
  /**
   * The sample rate of calls that do not give one, in (0, 1].
   *
   * @defaultValue 1
   */
  readonly sampleRate?: number;
  /**
   * How long lines may wait to be batched before they are sent, in milliseconds. Full
   * datagrams (or 64 KiB of TCP data) go out at once.
   *
   * @defaultValue 10
   */
  readonly flushIntervalMs?: number;
  /**
   * Receives transport failures, which are never thrown.
   *
   * @defaultValue one `process.emitWarning` per error code per minute
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
};

/** Options of one call. */
export type StatsdCallOptions = {
  /**
   * Send this call with probability `sampleRate` (in (0, 1]), marked `|@rate` so that
   * StatsD scales counts back up.
   *
   * @defaultValue the client's `sampleRate`
   */
  readonly sampleRate?: number;
  /** Tags of this call, merged over the client's global tags. */
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
  /** Calls dropped for an invalid value (NaN, infinite, negative timing) or sample rate. */
  readonly invalid: number;
};

/**
 * Times code and sends each duration as a StatsD timing (`|ms`). Get one from
 * {@link StatsdClient.timer}.
 */
export class StatsdTimer implements DurationSink {
  readonly #client: StatsdClient;
  readonly #name: string;
  readonly #options: StatsdCallOptions | undefined;
  readonly #clock: Clock;

  /** @internal Use `client.timer(name)`. */
  constructor(client: StatsdClient, name: string, options: StatsdCallOptions | undefined, clock: Clock) {
    this.#client = client;
    this.#name = name;
    this.#options = options;
    this.#clock = clock;
  }

  /** Starts a {@link Stopwatch}; its `stop()` sends the elapsed time once. */
  start(): Stopwatch {
    return new Stopwatch(this, this.#clock);
  }

  /**
   * Calls `fn` and sends how long it took; returns exactly what `fn` returns. For a
   * promise, the time is sent when it settles (fulfilled or rejected); if `fn` throws,
   * the time is sent and the error rethrown.
   */
  time<T>(fn: () => T): T {
    return timeCall(this.#clock, this, fn);
  }

  /** Sends one duration in milliseconds as a timing, like `client.timing(name, durationMs)`. */
  update(durationMs: number): void {
    this.#client.timing(this.#name, durationMs, this.#options);
  }
}

/** Names cached per client for calls without tags; past this many, the cache restarts. */
const SERIES_CACHE_LIMIT = 10_000;

/**
 * A StatsD client for event-level metrics, with sampling, tags, a prefix and batching.
 * Calls never throw and never block: lines are packed into datagrams (UDP) or queued
 * on one connection (TCP), bounded by `maxQueueBytes`. Names, tags and set members are
 * sanitised so nothing can inject a line or a field.
 *
 * Metrics sent before {@link StatsdClient.start} are sent too (the socket opens on first
 * use); {@link StatsdClient.stop} flushes everything queued and closes.
 *
 * @example
 * ```ts
 * const statsd = new StatsdClient({ host: '127.0.0.1', port: 8125, prefix: 'web' }).start();
 * statsd.incr('requests', 1, { tags: { route: '/users/:id' } });
 * statsd.timing('db.query', 12.5);
 * await statsd.timer('render').time(() => render(page));
 * statsd.gauge('queue.depth', queue.length);
 * statsd.set('users.seen', userId);
 * await statsd.stop();
 * ```
 */
export class StatsdClient {
  readonly #format: StatsdFormat;
  readonly #transport: Transport;
  readonly #ownsTransport: boolean;
  readonly #sampleRate: number;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #series = new Map<string, StatsdSeries>();
  #sampledOut = 0;
  #invalid = 0;
  #state: 'idle' | 'started' | 'stopped' = 'idle';
  #stopping: Promise<void> | null = null;

  /**
   * @param options - where StatsD is and how to write to it; missing host, port,
   *   protocol and prefix come from `STATSD_HOST`, `STATSD_PORT`, `STATSD_PROTOCOL`
   *   and `STATSD_PREFIX`.
   * @throws {@link InvalidOptionError} for a bad option (or environment variable).
   */
  constructor(options: StatsdClientOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new InvalidOptionError(`StatsdClient options must be an object, received ${show(options)}`);
    }
    const target = resolveStatsdTarget(options, options.env ?? process.env);
    this.#format = new StatsdFormat({
      prefix: target.prefix,
      ...(options.tagStyle === undefined ? {} : { tagStyle: options.tagStyle }),
      ...(options.typePrefixes === undefined ? {} : { typePrefixes: options.typePrefixes }),
      ...(options.globalTags === undefined ? {} : { globalTags: options.globalTags }),
    });
    const rate = options.sampleRate ?? 1;
    if (!validRate(rate)) {
      throw new InvalidOptionError(`StatsdClient sampleRate must be a number in (0, 1], received ${show(rate)}`);
    }
    this.#sampleRate = rate;
    this.#clock = options.clock ?? systemClock;
    const random = options.random ?? Math.random;
    if (typeof random !== 'function') {
      throw new InvalidOptionError(`StatsdClient random must be a function, received ${show(random)}`);
    }
    this.#random = random;
    if (options.transport !== undefined) {
      const t = options.transport as Partial<Transport> | null;
      if (t === null || typeof t.send !== 'function' || typeof t.close !== 'function' || typeof t.flush !== 'function') {
        throw new InvalidOptionError(`StatsdClient transport must implement Transport, received ${show(t)}`);
      }
      this.#transport = options.transport;
      this.#ownsTransport = false;
    } else {
      this.#transport = createLineTransport({
        protocol: target.protocol,
        host: target.host,
        port: target.port,
        ...(options.maxDatagramBytes === undefined ? {} : { maxDatagramBytes: options.maxDatagramBytes }),
        ...(options.maxQueueBytes === undefined ? {} : { maxQueueBytes: options.maxQueueBytes }),
        ...(options.flushIntervalMs === undefined ? {} : { flushIntervalMs: options.flushIntervalMs }),
        ...(options.onError === undefined ? {} : { onError: options.onError }),
      });
      this.#ownsTransport = true;
    }
  }

  /**
   * Marks the client started (sprockets-statsd's `Connector.start()`). Optional: the
   * socket opens on first use either way.
   *
   * @returns this client.
   */
  start(): this {
    if (this.#state === 'idle') this.#state = 'started';
    return this;
  }

  /**
   * Flushes every queued line and closes the transport, waiting at most `timeoutMs`.
   * Later calls are dropped and counted. Never rejects; safe to call twice.
   *
   * @param timeoutMs - the most time to spend flushing, in milliseconds.
   */
  stop(timeoutMs = 2_000): Promise<void> {
    this.#stopping ??= (async () => {
      this.#state = 'stopped';
      this.#transport.flush();
      if (this.#ownsTransport) await this.#transport.close(timeoutMs);
    })();
    return this.#stopping;
  }

  /** Sends what is batched now instead of waiting for the flush interval. */
  flush(): void {
    this.#transport.flush();
  }

  /** What the client has sent, dropped and skipped. */
  get stats(): StatsdClientStats {
    return { ...this.#transport.stats, sampledOut: this.#sampledOut, invalid: this.#invalid };
  }

  /**
   * Counts `value` events: `name:value|c`.
   *
   * @param value - how many, default 1 (may be negative or fractional).
   */
  incr(name: string, value = 1, options?: StatsdCallOptions): void {
    this.#send(name, value, 'c', options);
  }

  /**
   * Counts down: `name:-value|c`.
   *
   * @param value - how many, default 1.
   */
  decr(name: string, value = 1, options?: StatsdCallOptions): void {
    this.#send(name, typeof value === 'number' ? -value : Number.NaN, 'c', options);
  }

  /**
   * Sets a gauge (a negative value is sent so that StatsD sets it rather than
   * decrementing it), or with `{ delta: true }` changes it by `value`.
   */
  gauge(name: string, value: number, options?: StatsdGaugeOptions): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.#invalid++;
      return;
    }
    const rate = this.#sample(options);
    if (rate === 0) return;
    const series = this.#seriesOf(name, options?.tags);
    // Gauges are not scaled by a sample rate in StatsD, so none is written.
    const record =
      options?.delta === true ? this.#format.gaugeDelta(series, '', value) : this.#format.gauge(series, '', value);
    if (record !== null) this.#write(record);
  }

  /**
   * Sends a duration: `name:durationMs|ms`. Negative or non-finite durations are dropped
   * and counted (StatsD rejects them).
   *
   * @param durationMs - the duration in milliseconds.
   */
  timing(name: string, durationMs: number, options?: StatsdCallOptions): void {
    if (typeof durationMs !== 'number' || !(durationMs >= 0) || !Number.isFinite(durationMs)) {
      this.#invalid++;
      return;
    }
    this.#send(name, durationMs, 'ms', options);
  }

  /**
   * A timer that sends its measurements as timings of `name`.
   *
   * @example
   * ```ts
   * const render = statsd.timer('render');
   * const html = render.time(() => template(data));
   * using _ = render.start(); // sent when the block ends
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
    if (typeof member === 'number' ? !Number.isFinite(member) : typeof member !== 'string') {
      this.#invalid++;
      return;
    }
    const rate = this.#sample(options);
    if (rate === 0) return;
    const line = this.#format.line(this.#seriesOf(name, options?.tags), '', sanitizeStatsdSetMember(String(member)), 's');
    if (line !== null) this.#write(line);
  }

  #send(name: string, value: number, type: StatsdMetricType, options: StatsdCallOptions | undefined): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.#invalid++;
      return;
    }
    const rate = this.#sample(options);
    if (rate === 0) return;
    const line = this.#format.line(this.#seriesOf(name, options?.tags), '', value, type, rate);
    if (line !== null) this.#write(line);
  }

  /** The rate to write, or 0 when this call is sampled out or invalid. */
  #sample(options: StatsdCallOptions | undefined): number {
    const rate = options?.sampleRate ?? this.#sampleRate;
    if (rate === 1) return 1;
    if (!validRate(rate)) {
      this.#invalid++;
      return 0;
    }
    if (this.#random() >= rate) {
      this.#sampledOut++;
      return 0;
    }
    return rate;
  }

  #seriesOf(name: string, tags: Readonly<Record<string, string>> | undefined): StatsdSeries {
    if (tags !== undefined) return this.#format.series(name, tags);
    let series = this.#series.get(name);
    if (series === undefined) {
      if (this.#series.size >= SERIES_CACHE_LIMIT) this.#series.clear();
      series = this.#format.series(name);
      this.#series.set(name, series);
    }
    return series;
  }

  #write(record: string): void {
    this.#transport.send(record);
  }
}

function validRate(rate: unknown): rate is number {
  return typeof rate === 'number' && rate > 0 && rate <= 1;
}
