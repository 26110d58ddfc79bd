/**
 * A direct Graphite client, for series you push yourself (what aiographite offered):
 * `send(path, value, timestampS?)` and `sendMany(...)` over plaintext TCP, plaintext UDP or
 * pickle TCP. The `GraphiteReporter` sends through the same machinery.
 *
 * @module
 */

import { systemClock, type Clock } from '../clock.js';
import { InvalidOptionError, show } from '../errors.js';
import { CARBON_MAX_PICKLE_BYTES, encodeGraphitePickle } from '../formats/graphite-pickle.js';
import { formatGraphiteLines, graphitePath, sanitizeGraphitePath, type GraphitePoint } from '../formats/graphite-plaintext.js';
import type { Tags } from '../names.js';
import { TcpTransport } from '../transports/tcp.js';
import {
  errorHandlerOption,
  hostOption,
  integerOption,
  type Transport,
  type TransportErrorHandler,
  type TransportStats,
} from '../transports/transport.js';
import { UdpTransport } from '../transports/udp.js';

/**
 * How to talk to carbon: `'tcp'` (plaintext lines, carbon's LINE_RECEIVER_PORT, 2003),
 * `'udp'` (plaintext lines packed into datagrams, UDP_RECEIVER_PORT, 2003) or `'pickle'`
 * (length-prefixed protocol-2 pickles over TCP, PICKLE_RECEIVER_PORT, 2004).
 */
export type GraphiteProtocol = 'tcp' | 'udp' | 'pickle';

/** Options of a {@link GraphiteClient}. */
export type GraphiteClientOptions = {
  /**
   * Carbon's host name or IP address; re-resolved on every TCP reconnect.
   *
   * @defaultValue `process.env.GRAPHITE_HOST`, else `'127.0.0.1'`
   */
  readonly host?: string;
  /**
   * Carbon's port.
   *
   * @defaultValue `process.env.GRAPHITE_PORT`, else 2004 for `'pickle'` and 2003 otherwise
   */
  readonly port?: number;
  /**
   * The protocol.
   *
   * @defaultValue `process.env.GRAPHITE_PROTOCOL`, else `'tcp'`
   */
  readonly protocol?: GraphiteProtocol;
  /**
   * A dotted prefix for every path (sanitised like paths).
   *
   * @defaultValue none
   */
  readonly prefix?: string;
  /**
   * Tags added to every series in Graphite 1.1 form (`path;k=v`); a series' own tags win.
   *
   * @defaultValue none
   */
  readonly tags?: Tags;
  /**
   * TCP and pickle: about how many bytes of unsent data are kept while carbon is
   * unreachable or slow. Beyond it the oldest data is dropped first (whole reports or
   * batches), and counted in `stats.droppedPoints`. One batch larger than the bound is
   * still kept alone. UDP: the bound of the datagram queue.
   *
   * @defaultValue 16777216 (16 MiB)
   */
  readonly maxQueueBytes?: number;
  /**
   * UDP: the largest datagram in bytes; lines are packed into datagrams up to this size and
   * never split.
   *
   * @defaultValue 1432
   */
  readonly maxDatagramBytes?: number;
  /**
   * Pickle: the largest pickle payload per frame in bytes.
   *
   * @defaultValue 1048576 (carbon's `PICKLE_RECEIVER_MAX_LENGTH`)
   */
  readonly maxFrameBytes?: number;
  /**
   * How long points given to `send()` may wait to be batched, in milliseconds.
   *
   * @defaultValue 10
   */
  readonly flushIntervalMs?: number;
  /**
   * The clock that stamps points sent without a timestamp.
   *
   * @defaultValue {@link systemClock}
   */
  readonly clock?: Clock;
  /**
   * Receives transport failures (connection refused, broken, queue full), never thrown.
   *
   * @defaultValue one `process.emitWarning` per error code per minute
   */
  readonly onError?: TransportErrorHandler;
};

/** One point for {@link GraphiteClient.sendMany}. */
export type GraphiteSample = {
  /** The dotted path (sanitised: whitespace, control characters and `;` become `_`). */
  readonly path: string;
  /** The value; NaN and infinities are dropped. */
  readonly value: number;
  /** Epoch seconds; defaults to now. */
  readonly timestampS?: number;
  /** Tags of this series. */
  readonly tags?: Tags;
};

/** What a {@link GraphiteClient} has done. */
export type GraphiteClientStats = {
  /** Points accepted and not yet handed to the transport. */
  readonly queuedPoints: number;
  /**
   * Points dropped: invalid (NaN, infinite, empty path, timestamp not in seconds), oldest
   * beyond `maxQueueBytes`, refused by the transport, or still unsent when `close()` gave up.
   */
  readonly droppedPoints: number;
  /** The transport's own counters (records are lines, or pickle frames). */
  readonly transport: TransportStats;
};

/** A unit of data kept until the transport has room: one flush's records. */
type Batch = {
  readonly records: (string | Buffer)[];
  /** Points in each record (1 per line; a frame's point count). */
  readonly points: number[];
  bytes: number;
};

function recordSize(record: string | Buffer): number {
  return typeof record === 'string' ? record.length + 1 : record.length;
}

const DEFAULT_MAX_QUEUE_BYTES = 16 << 20;
/** Whisper's timestamps are uint32 seconds. */
const MAX_TIMESTAMP_S = 2 ** 32;
const DRAIN_POLL_MS = 100;

function envPort(): number | undefined {
  const raw = process.env.GRAPHITE_PORT;
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidOptionError(`GRAPHITE_PORT must be a port number, received ${show(raw)}`);
  }
  return port;
}

/**
 * Sends datapoints to Graphite's carbon. One persistent TCP connection (plaintext or
 * pickle) with reconnects, jittered backoff and DNS re-resolution; or UDP datagrams.
 * Never throws after construction: invalid points are dropped and counted, failures go
 * to `onError`. While carbon is down, data waits in a bounded queue that drops the oldest
 * first, and is sent after the reconnect.
 *
 * @example
 * ```ts
 * const graphite = new GraphiteClient({ host: 'carbon.internal', protocol: 'pickle' });
 * graphite.send('deploys.api', 1);
 * graphite.sendMany({ 'queue.depth': 12, 'queue.lag_ms': 340.5 });
 * graphite.send('requests', 17, undefined, { route: '/users/:id' }); // requests;route=/users/:id
 * await graphite.close();
 * ```
 */
export class GraphiteClient {
  /** The protocol in use. */
  readonly protocol: GraphiteProtocol;
  /** The host sent to. */
  readonly host: string;
  /** The port sent to. */
  readonly port: number;
  readonly #prefix: string;
  readonly #tags: Tags | undefined;
  readonly #clock: Clock;
  readonly #maxQueueBytes: number;
  readonly #maxFrameBytes: number;
  readonly #flushIntervalMs: number;
  readonly #tcp: TcpTransport | null;
  readonly #udp: UdpTransport | null;
  #pending: GraphitePoint[] = [];
  #pendingBytes = 0;
  #flushTimer: NodeJS.Timeout | null = null;
  #backlog: Batch[] = [];
  #backlogBytes = 0;
  #drainTimer: NodeJS.Timeout | null = null;
  #dropped = 0;
  #closed = false;
  /** Pickle: points of each frame handed to the transport and not yet known to be sent. */
  #framePoints: number[] = [];
  #framesForgotten = 0;

  /**
   * @param options - where and how to send.
   * @throws {@link InvalidOptionError} for a bad option (or a bad `GRAPHITE_*` variable).
   */
  constructor(options: GraphiteClientOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new InvalidOptionError(`GraphiteClient options must be an object, received ${show(options)}`);
    }
    const protocol = options.protocol ?? (process.env.GRAPHITE_PROTOCOL || undefined) ?? 'tcp';
    if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'pickle') {
      throw new InvalidOptionError(`Graphite protocol must be 'tcp', 'udp' or 'pickle', received ${show(protocol)}`);
    }
    this.protocol = protocol;
    this.host = hostOption('Graphite host', options.host ?? (process.env.GRAPHITE_HOST || undefined), '127.0.0.1');
    this.port = integerOption('Graphite port', options.port ?? envPort(), protocol === 'pickle' ? 2004 : 2003, 1, 65535);
    if (options.prefix !== undefined && typeof options.prefix !== 'string') {
      throw new InvalidOptionError(`Graphite prefix must be a string, received ${show(options.prefix)}`);
    }
    this.#prefix = options.prefix === undefined || options.prefix === '' ? '' : sanitizeGraphitePath(options.prefix);
    if (options.tags !== undefined && (options.tags === null || typeof options.tags !== 'object')) {
      throw new InvalidOptionError(`Graphite tags must be an object of strings, received ${show(options.tags)}`);
    }
    this.#tags = options.tags !== undefined && Object.keys(options.tags).length > 0 ? options.tags : undefined;
    this.#clock = options.clock ?? systemClock;
    this.#maxQueueBytes = integerOption('Graphite maxQueueBytes', options.maxQueueBytes, DEFAULT_MAX_QUEUE_BYTES, 1_024, 2 ** 31);
    this.#maxFrameBytes = integerOption(
      'Graphite maxFrameBytes',
      options.maxFrameBytes,
      CARBON_MAX_PICKLE_BYTES,
      64,
      2 ** 30,
    );
    this.#flushIntervalMs = integerOption('Graphite flushIntervalMs', options.flushIntervalMs, 10, 0, 60_000);
    const onError = errorHandlerOption('Graphite onError', options.onError);
    if (protocol === 'udp') {
      this.#tcp = null;
      const maxDatagramBytes = integerOption('Graphite maxDatagramBytes', options.maxDatagramBytes, 1432, 2, 65507);
      this.#udp = new UdpTransport({
        host: this.host,
        port: this.port,
        maxQueueBytes: Math.max(this.#maxQueueBytes, maxDatagramBytes),
        maxDatagramBytes,
        onError,
      });
    } else {
      this.#udp = null;
      // The client bounds what it holds itself (dropping the oldest first) and hands the
      // transport only what fits, so the transport's own bound is never the one that bites.
      this.#tcp = new TcpTransport({
        host: this.host,
        port: this.port,
        framing: protocol === 'pickle' ? 'raw' : 'lines',
        maxQueueBytes: 2 ** 31,
        onError,
      });
    }
  }

  /** Whether the TCP connection is up now (always `true` for UDP). */
  get connected(): boolean {
    return this.#tcp === null || this.#tcp.connected;
  }

  /** What this client has done so far. */
  get stats(): GraphiteClientStats {
    let queued = this.#pending.length;
    for (const batch of this.#backlog) for (const n of batch.points) queued += n;
    return {
      queuedPoints: queued,
      droppedPoints: this.#dropped,
      transport: (this.#tcp ?? this.#udp!).stats,
    };
  }

  /**
   * Sends one point (batched for up to `flushIntervalMs`). Never throws.
   *
   * @param path - the dotted path; whitespace, control characters and `;` become `_`.
   * @param value - the value; NaN and infinities are dropped and counted.
   * @param timestampS - epoch seconds (fractions dropped); default now. From 2^32 on (a
   *   timestamp in milliseconds by mistake) the point is dropped and counted.
   * @param tags - tags of this series, Graphite 1.1 style.
   * @returns whether the point was accepted.
   */
  send(path: string, value: number, timestampS?: number, tags?: Tags): boolean {
    if (this.#closed || typeof path !== 'string' || path === '' || typeof value !== 'number' || !Number.isFinite(value)) {
      this.#dropped++;
      return false;
    }
    const ts = timestampS ?? Math.floor(this.#clock.now() / 1000);
    // Whisper stores seconds as uint32: anything from 2^32 on is milliseconds by mistake
    // (carbon would fail the write), so it is dropped and counted rather than sent.
    if (typeof ts !== 'number' || !Number.isSafeInteger(Math.floor(ts)) || ts >= MAX_TIMESTAMP_S) {
      this.#dropped++;
      return false;
    }
    const merged = this.#tags === undefined ? tags : tags === undefined ? this.#tags : { ...this.#tags, ...tags };
    const full = this.#prefix === '' ? path : `${this.#prefix}.${path}`;
    this.#queue({ path: graphitePath(full, merged), value, timestampS: Math.floor(ts) });
    return true;
  }

  /**
   * Sends several points: a list of samples, or an object of `path: value` pairs that share
   * `timestampS` (default now). Never throws.
   *
   * @returns how many points were accepted.
   */
  sendMany(points: Iterable<GraphiteSample> | Readonly<Record<string, number>>, timestampS?: number): number {
    let accepted = 0;
    if (points !== null && typeof points === 'object' && Symbol.iterator in points) {
      for (const p of points) {
        if (p !== null && typeof p === 'object' && this.send(p.path, p.value, p.timestampS ?? timestampS, p.tags)) accepted++;
        else if (p === null || typeof p !== 'object') this.#dropped++;
      }
      return accepted;
    }
    if (points === null || typeof points !== 'object') return 0;
    for (const [path, value] of Object.entries(points)) if (this.send(path, value, timestampS)) accepted++;
    return accepted;
  }

  /** aiographite's name for {@link GraphiteClient.sendMany}. */
  sendMultiple(points: Iterable<GraphiteSample> | Readonly<Record<string, number>>, timestampS?: number): number {
    return this.sendMany(points, timestampS);
  }

  /**
   * Queues points whose paths are already built with `graphitePath()` (prefix and tags
   * included), then flushes. What the `GraphiteReporter` uses. Never throws.
   *
   * @internal
   */
  sendPoints(points: readonly GraphitePoint[]): void {
    if (this.#closed) {
      this.#dropped += points.length;
      return;
    }
    for (const p of points) this.#queue(p);
    this.flush();
  }

  #queue(point: GraphitePoint): void {
    this.#pending.push(point);
    this.#pendingBytes += point.path.length + 32;
    if (this.#pendingBytes >= this.#maxQueueBytes) this.flush();
    else if (this.#flushTimer === null) {
      this.#flushTimer = setTimeout(this.#onFlushTimer, this.#flushIntervalMs);
      this.#flushTimer.unref();
    }
  }

  readonly #onFlushTimer = (): void => {
    this.#flushTimer = null;
    this.flush();
  };

  /** Encodes what `send()` queued and hands it on now. Never throws. */
  flush(): void {
    if (this.#flushTimer !== null) {
      clearTimeout(this.#flushTimer);
      this.#flushTimer = null;
    }
    const points = this.#pending;
    if (points.length > 0) {
      this.#pending = [];
      this.#pendingBytes = 0;
      this.#enqueue(this.#encode(points));
    }
    this.#drain();
    (this.#tcp ?? this.#udp!).flush();
  }

  #encode(points: readonly GraphitePoint[]): Batch {
    if (this.protocol === 'pickle') {
      const { frames, framePoints, droppedPoints } = encodeGraphitePickle(points, { maxFrameBytes: this.#maxFrameBytes });
      this.#dropped += droppedPoints;
      let bytes = 0;
      for (const frame of frames) bytes += frame.length;
      return { records: frames, points: framePoints, bytes };
    }
    const records = formatGraphiteLines(points);
    this.#dropped += points.length - records.length;
    const counts: number[] = new Array<number>(records.length).fill(1);
    let bytes = 0;
    for (const line of records) bytes += recordSize(line);
    return { records, points: counts, bytes };
  }

  #enqueue(batch: Batch): void {
    if (batch.records.length === 0) return;
    this.#backlog.push(batch);
    this.#backlogBytes += batch.bytes;
    // Oldest first; a lone batch larger than the bound is kept (it is one report).
    while (this.#backlogBytes > this.#maxQueueBytes && this.#backlog.length > 1) {
      const oldest = this.#backlog.shift()!;
      this.#backlogBytes -= oldest.bytes;
      for (const n of oldest.points) this.#dropped += n;
    }
  }

  /** Hands batches to the transport while it has room; polls while some wait. */
  #drain(): void {
    const udp = this.#udp;
    const tcp = this.#tcp;
    while (this.#backlog.length > 0) {
      const batch = this.#backlog[0]!;
      if (tcp !== null && !this.#closed) {
        const queued = tcp.stats.queuedBytes;
        if (!tcp.connected) {
          // Disconnected: hand over a single record, which makes the transport connect
          // (and keep retrying); keep the rest here, where the oldest can be dropped first.
          if (queued === 0) {
            const record = batch.records.shift()!;
            const points = batch.points.shift()!;
            batch.bytes -= recordSize(record);
            this.#backlogBytes -= recordSize(record);
            if (batch.records.length === 0) this.#backlog.shift();
            this.#handOver(tcp, record, points);
          }
          break;
        }
        // Connected: as much as fits the bound (always something once the queue is empty).
        if (queued > 0 && queued + batch.bytes > this.#maxQueueBytes) break;
      }
      this.#backlog.shift();
      this.#backlogBytes -= batch.bytes;
      const transport = tcp ?? udp!;
      for (let i = 0; i < batch.records.length; i++) {
        this.#handOver(transport, batch.records[i]!, batch.points[i]!);
      }
    }
    if (this.#backlog.length > 0 && this.#drainTimer === null && !this.#closed) {
      this.#drainTimer = setInterval(this.#onDrainTimer, DRAIN_POLL_MS);
      this.#drainTimer.unref();
    } else if (this.#backlog.length === 0 && this.#drainTimer !== null) {
      clearInterval(this.#drainTimer);
      this.#drainTimer = null;
    }
  }

  /** Gives one record to the transport; remembers pickle frames' point counts until sent. */
  #handOver(transport: Transport, record: string | Buffer, points: number): void {
    if (!transport.send(record)) {
      this.#dropped += points;
      return;
    }
    if (this.protocol !== 'pickle') return;
    this.#framePoints.push(points);
    // Frames leave the transport in order: forget those it has sent.
    const sent = transport.stats.sentLines;
    while (this.#framesForgotten < sent && this.#framePoints.length > 0) {
      this.#framePoints.shift();
      this.#framesForgotten++;
    }
  }

  readonly #onDrainTimer = (): void => {
    this.#drain();
  };

  /**
   * Sends what is queued, within `timeoutMs`, and closes the connection. What is still
   * unsent then is dropped and counted. Never rejects; later sends are dropped.
   *
   * @param timeoutMs - the most time to spend flushing, in milliseconds.
   * @defaultValue timeoutMs 2000
   */
  async close(timeoutMs = 2_000): Promise<void> {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    this.#drain(); // closed: everything goes to the transport, which flushes within the timeout
    if (this.#drainTimer !== null) {
      clearInterval(this.#drainTimer);
      this.#drainTimer = null;
    }
    const transport = this.#tcp ?? this.#udp!;
    const droppedBefore = transport.stats.droppedLines;
    await transport.close(timeoutMs);
    // What the transport still held at the deadline: lines are points; frames, the newest.
    const lost = transport.stats.droppedLines - droppedBefore;
    if (lost > 0 && this.protocol === 'pickle') {
      const counts = this.#framePoints;
      for (let i = Math.max(0, counts.length - lost); i < counts.length; i++) this.#dropped += counts[i]!;
    } else if (lost > 0) this.#dropped += lost;
    this.#framePoints = [];
  }
}
