/**
 * A direct Graphite client, for series you push yourself (what aiographite offered):
 * `send(path, value, timestampS?)` and `sendMany(...)` over plaintext TCP, plaintext UDP
 * or pickle TCP: a thin façade of a Graphite encoder and a transport.
 *
 * @module
 */

import { clockCheck, systemClock, type Clock } from '../clock.js';
import { readOptions } from '../internal/options.js';
import { isTagKey, isTagValue, type Tags } from '../names.js';
import { graphitePath, graphitePathProblem, type GraphitePoint } from '../formats/graphite-path.js';
import {
  closeTimeoutCheck,
  DEFAULT_CLOSE_TIMEOUT_MS,
  defaultTransportErrorHandler,
  errorHandlerCheck,
  type Transport,
  type TransportErrorHandler,
  type TransportStats,
} from '../transports/transport.js';
import type { GraphiteEncoder } from './graphite-encoder.js';
import { GRAPHITE_OPTIONS, openGraphite, type GraphiteOptions, type GraphiteProtocol } from './graphite-options.js';
import { OwnedTransport } from './owned-transport.js';

/** Options of a {@link GraphiteClient}. */
export type GraphiteClientOptions = GraphiteOptions & {
  /**
   * The clock that stamps points sent without a timestamp.
   *
   * @defaultValue {@link systemClock}
   */
  readonly clock?: Clock;
  /**
   * Receives transport failures (connection refused, broken, queue full), never thrown.
   *
   * @defaultValue a `TapemeasureWarning` per error code, at most one per minute
   */
  readonly onError?: TransportErrorHandler;
  /**
   * How long `stop()` may spend flushing what is queued, in milliseconds.
   *
   * @defaultValue 2000
   */
  readonly stopTimeoutMs?: number;
};

const GRAPHITE_CLIENT_OPTIONS = Object.freeze({
  ...GRAPHITE_OPTIONS,
  clock: clockCheck,
  onError: errorHandlerCheck,
  stopTimeoutMs: closeTimeoutCheck,
});

/** One point for {@link GraphiteClient.sendMany}. */
export type GraphiteSample = {
  /** The dotted path (escaped as in {@link GraphiteClient.send}). */
  readonly path: string;
  /** The value; NaN and infinities are dropped. */
  readonly value: number;
  /** Epoch seconds; defaults to now. */
  readonly timestampS?: number;
  /** Tags of this series. */
  readonly tags?: Tags;
};

/**
 * What a {@link GraphiteClient} has done: the transport's counters (a record is a
 * plaintext line, or a pickle frame: one per `send()`, one or more per `sendMany()`)
 * plus the points it refused itself.
 */
export type GraphiteClientStats = TransportStats & {
  /**
   * Points dropped before they reached the transport: NaN or infinite values, empty or
   * non-string paths, paths carbon could not store (an empty segment, a segment over 255
   * bytes, a line over 16 KiB), invalid tags, timestamps that are not epoch seconds,
   * arguments whose getters throw, or points sent after `stop()`.
   */
  readonly invalid: number;
};

/** Whisper's timestamps are uint32 seconds. */
const MAX_TIMESTAMP_S = 2 ** 32;

/**
 * Sends datapoints to Graphite's carbon. One persistent TCP connection (plaintext or
 * pickle) with reconnects, jittered backoff and DNS re-resolution; or UDP datagrams.
 * Never throws after construction: invalid points are dropped and counted, failures go
 * to `onError`. While carbon is down, records wait in the transport's bounded queue,
 * which drops the oldest first, and are sent after the reconnect.
 *
 * @example
 * ```ts
 * import { GraphiteClient } from 'tapemeasure';
 *
 * const graphite = new GraphiteClient({ host: '127.0.0.1', protocol: 'udp', env: {} });
 * graphite.send('deploys.api', 1);
 * graphite.sendMany({ 'queue.depth': 12, 'queue.lag_ms': 340.5 });
 * graphite.send('requests', 17, undefined, { route: '/users/:id' }); // requests;route=/users/:id
 * await graphite.stop();
 * ```
 */
export class GraphiteClient {
  /** The protocol in use. */
  readonly protocol: GraphiteProtocol;
  /** The host sent to (unused with a `transport`). */
  readonly host: string;
  /** The port sent to (unused with a `transport`). */
  readonly port: number;
  readonly #prefix: string;
  readonly #tags: Tags | undefined;
  readonly #clock: Clock;
  readonly #encoder: GraphiteEncoder;
  readonly #link: OwnedTransport;
  readonly #transport: Transport;
  readonly #stopTimeoutMs: number;
  #invalid = 0;
  #stopped = false;
  #stopping: Promise<void> | null = null;

  /**
   * @param options - where and how to send; missing host, port, protocol and prefix
   *   come from `env` (`GRAPHITE_HOST`, `GRAPHITE_PORT`, `GRAPHITE_PROTOCOL`, `GRAPHITE_PREFIX`).
   * @throws {@link InvalidOptionError} or {@link UnknownOptionError} for a bad option (or
   *   environment variable).
   */
  constructor(options: GraphiteClientOptions = {}) {
    const where = 'GraphiteClient';
    const o = readOptions(where, options, GRAPHITE_CLIENT_OPTIONS);
    const sender = openGraphite(where, o, o.onError ?? defaultTransportErrorHandler());
    this.protocol = sender.target.protocol;
    this.host = sender.target.host;
    this.port = sender.target.port;
    this.#prefix = sender.prefix;
    this.#tags = sender.tags;
    this.#encoder = sender.encoder;
    this.#link = new OwnedTransport(sender);
    this.#transport = sender.transport;
    this.#clock = o.clock ?? systemClock;
    this.#stopTimeoutMs = o.stopTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
  }

  /** What this client has done so far. */
  get stats(): GraphiteClientStats {
    return { ...this.#transport.stats, invalid: this.#invalid };
  }

  /**
   * Connects now (TCP) or resolves the host now (UDP), instead of on the first point.
   * Optional.
   *
   * @returns this client.
   */
  start(): this {
    if (!this.#stopped) this.#transport.start?.();
    return this;
  }

  /**
   * Sends what is queued, within `stopTimeoutMs`, and closes the transport it created.
   * What is still unsent then is dropped and counted. Never rejects; safe to call twice;
   * later points are dropped and counted in `stats.invalid`.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#stopped = true;
      await this.#link.release(this.#stopTimeoutMs);
    })();
    return this.#stopping;
  }

  /** `await using graphite = new GraphiteClient(...)` stops it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** Sends what is batched now instead of waiting for the flush interval. */
  flush(): void {
    this.#transport.flush();
  }

  /**
   * Sends one point (coalesced with others for up to `flushIntervalMs`). Never throws.
   *
   * @param path - the dotted path; whitespace, control characters, `;`, `"`, `%` and `/`
   *   are `%`-escaped (`sanitizeGraphitePath`). A path carbon could not store (an empty
   *   segment, a segment over 255 bytes once escaped) is dropped and counted.
   * @param value - the value; NaN and infinities are dropped and counted.
   * @param timestampS - epoch seconds (fractions dropped); default now. From 2^32 on (a
   *   timestamp in milliseconds by mistake) the point is dropped and counted.
   * @param tags - tags of this series, Graphite 1.1 style, checked as the registry checks
   *   tags; invalid tags (`{ k: {} }`, `{ __proto__: 'x' }` from JSON) drop the point, counted.
   * @returns whether the point was accepted (`false` if invalid or refused by the transport).
   */
  send(path: string, value: number, timestampS?: number, tags?: Tags): boolean {
    try {
      const ts = this.#timestamp(timestampS);
      const full = this.#stopped || typeof value !== 'number' || !Number.isFinite(value) || ts < 0 ? null : this.#path(path, tags);
      const record = full === null ? null : this.#encoder.one(full, value, ts);
      if (record === null) {
        this.#invalid++;
        return false;
      }
      return this.#transport.send(record);
    } catch {
      // A hostile argument (a getter or a toString that throws): dropped and counted.
      this.#invalid++;
      return false;
    }
  }

  /**
   * Sends several points: a list of samples, or an object of `path: value` pairs that share
   * `timestampS` (default now). Never throws.
   *
   * @returns how many points were accepted.
   */
  sendMany(points: Iterable<GraphiteSample> | Readonly<Record<string, number>>, timestampS?: number): number {
    try {
      return this.#sendMany(points, timestampS);
    } catch {
      // A hostile argument (an iterator or a getter that throws): what was left is dropped and counted.
      this.#invalid++;
      return 0;
    }
  }

  #sendMany(points: Iterable<GraphiteSample> | Readonly<Record<string, number>>, timestampS: number | undefined): number {
    if (points === null || typeof points !== 'object') return 0;
    const batch: GraphitePoint[] = [];
    const add = (path: unknown, value: unknown, ts: number | undefined, tags?: Tags): void => {
      const t = this.#timestamp(ts);
      const full = this.#stopped || typeof value !== 'number' || !Number.isFinite(value) || t < 0 ? null : this.#path(path, tags);
      if (full === null) this.#invalid++;
      else batch.push({ path: full, value: value as number, timestampS: t });
    };
    if (Symbol.iterator in points) {
      for (const p of points) {
        if (p === null || typeof p !== 'object') this.#invalid++;
        else add(p.path, p.value, p.timestampS ?? timestampS, p.tags);
      }
    } else {
      for (const [path, value] of Object.entries(points)) add(path, value, timestampS);
    }
    const records: (string | Buffer)[] = [];
    const counts: number[] = [];
    this.#invalid += this.#encoder.encode(batch, records, counts);
    let accepted = 0;
    for (let i = 0; i < records.length; i++) if (this.#transport.send(records[i]!)) accepted += counts[i]!;
    return accepted;
  }

  /** aiographite's name for {@link GraphiteClient.sendMany}. */
  sendMultiple(points: Iterable<GraphiteSample> | Readonly<Record<string, number>>, timestampS?: number): number {
    return this.sendMany(points, timestampS);
  }

  /** Whole epoch seconds, or -1 when not a valid timestamp. */
  #timestamp(timestampS: number | undefined): number {
    const ts = timestampS ?? this.#clock.now() / 1000;
    if (typeof ts !== 'number') return -1;
    const s = Math.floor(ts);
    // Whisper stores seconds as uint32: anything from 2^32 on is milliseconds by mistake
    // (carbon would fail the write), so it is dropped and counted rather than sent.
    return Number.isSafeInteger(s) && s < MAX_TIMESTAMP_S ? s : -1;
  }

  /**
   * The full path of a point, or `null` when the point is dropped: a path that is not a
   * non-empty string, tags that are not valid tags (as the registry checks them: an
   * object of identifier keys, other than `__proto__`, to non-empty strings without
   * control characters), or a path carbon could not store (`graphitePathProblem`).
   */
  #path(path: unknown, tags: unknown): string | null {
    if (typeof path !== 'string' || path === '') return null;
    let merged: Tags | undefined = this.#tags;
    if (tags !== undefined && tags !== null) {
      if (typeof tags !== 'object' || Array.isArray(tags)) return null;
      const own = tags as Record<string, unknown>;
      let copy: Record<string, string> | null = null;
      for (const key of Object.keys(own)) {
        const value = own[key];
        if (!isTagKey(key) || !isTagValue(value)) return null;
        copy ??= this.#tags === undefined ? {} : { ...this.#tags };
        copy[key] = value;
      }
      if (copy !== null) merged = copy;
    }
    const full = graphitePath(this.#prefix === '' ? path : `${this.#prefix}.${path}`, merged);
    return graphitePathProblem(full) === null ? full : null;
  }
}
