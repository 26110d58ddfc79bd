/**
 * The aggregator's state: one session per forwarding process, and the merged registry
 * that every session's frames are applied to.
 *
 * - Counters, meters and the lifetime count and sum of histograms and timers arrive as
 *   totals per session; the merged series moves by the difference with what the session
 *   sent before, so a lost or repeated frame cannot skew them, and a session that ends
 *   leaves its totals in the merged series (counters never go backwards).
 * - Window slices arrive as deltas and merge bucket for bucket into the merged series'
 *   current slice (`Distribution.merge`): the fleet's quantiles have the error of one
 *   process that recorded every value.
 * - Gauges follow their policy (`gauge-groups.ts`).
 *
 * Frames are applied one at a time, in order of arrival, yielding to the event loop
 * between series ({@link sliceYielder}), so a large fleet never holds the loop long.
 *
 * @module
 * @internal
 */

import { emitWarning } from '../internal/warnings.js';
import { sliceYielder } from '../internal/slicer.js';
import { WarningLimiter } from '../internal/warnings.js';
import { MetricsError, ErrorCodes } from '../errors.js';
import type { Counter } from '../metrics/counter.js';
import type { Histogram } from '../metrics/histogram.js';
import type { Meter } from '../metrics/meter.js';
import type { Timer } from '../metrics/timer.js';
import { TICK_MS } from '../clock.js';
import { NO_TAGS } from '../names.js';
import { bucketIndex, halfMagnitude } from '../stats/hdr-layout.js';
import type { Registry } from '../registry/registry.js';
import { decodeFrame, readEntry, type Entry, type Frame } from './protocol.js';
import { GaugeGroups } from './gauge-groups.js';

/** Where frames come from: one IPC channel, one thread's port, one socket connection. @internal */
export type Link = {
  /** Whether sessions of this link survive its closing for a while (a socket: the forwarder reconnects). */
  readonly reconnects: boolean;
  /** Acknowledges that every frame of `session` up to `seq` was applied (sockets only). */
  ack?(session: string, seq: number): void;
  /** Set by the fleet when the link closed (frames still queued from it are applied, then its sessions close). */
  closed?: boolean;
};

/** What the merged state of one series of one session is. */
type SeriesState = {
  readonly metric: Counter | Meter | Histogram | Timer;
  total: number;
  sum: number;
};

/** One forwarding process, from its first frame to its end. @internal */
export type Session = {
  readonly id: string;
  readonly worker: string;
  link: Link;
  seq: number;
  intervalMs: number;
  /** Monotonic ms of the last frame applied. */
  lastMs: number;
  /** Connected: its link is open (it may still be hung). */
  connected: boolean;
  /** Monotonic ms at which its link closed. */
  closedMs: number;
  readonly series: Map<string, SeriesState>;
};

/** Options of {@link FleetState}. @internal */
export type FleetStateOptions = {
  readonly registry: Registry;
  readonly maxMessageBytes: number;
  readonly staleAfterMs: number | undefined;
  readonly sessionTtlMs: number;
  readonly nowMs: () => number;
};

/** Why a frame or series was dropped: the `reason` tag of `tapemeasure.fleet.dropped`. */
type DropReason = 'too_large' | 'malformed' | 'version' | 'conflict' | 'overload' | 'ended';

/** The most bytes of frames waiting to be applied; beyond it frames are dropped (their totals come back with later frames). */
const MAX_QUEUED_BYTES = 64 << 20;
/** The ticks per slice times slices beyond which a window option is refused (a malformed frame, not a real config). */
const MAX_WINDOW_TICKS = 1 << 24;

const maxIndexes = new Map<number, number>();

/** The largest HDR counts index of a precision: the bucket of `Number.MAX_SAFE_INTEGER`. */
function maxIndexOf(digits: number): number {
  let top = maxIndexes.get(digits);
  if (top === undefined) {
    const half = halfMagnitude(digits);
    top = bucketIndex(Number.MAX_SAFE_INTEGER, half, 2 ** half);
    maxIndexes.set(digits, top);
  }
  return top;
}

function tagsKey(entry: Entry): string {
  return entry.tags === undefined ? '' : JSON.stringify(entry.tags);
}

/** The most sessions kept after their time to live, for one coming back (each holds its series' totals). */
const MAX_RETIRED_SESSIONS = 1_000;

/**
 * The sessions and the merged registry.
 *
 * @internal
 */
export class FleetState {
  readonly registry: Registry;
  readonly #maxMessageBytes: number;
  readonly #staleAfterMs: number | undefined;
  readonly #sessionTtlMs: number;
  readonly #nowMs: () => number;
  readonly #sessions = new Map<string, Session>();
  /**
   * Sessions ended by their time to live, oldest first, kept (at most
   * {@link MAX_RETIRED_SESSIONS}) with the totals they had merged: one that comes back
   * (a socket worker away longer than `sessionTtlMs`) continues from them instead of
   * being counted a second time.
   */
  readonly #retired = new Map<string, Session>();
  readonly #gauges: GaugeGroups;
  readonly #metrics = new Map<string, Counter | Meter | Histogram | Timer>();
  readonly #dropped: Record<DropReason, Counter>;
  readonly #warnings = new WarningLimiter();
  readonly #queue: { text: string; link: Link }[] = [];
  #queuedBytes = 0;
  #draining: Promise<void> | null = null;
  #stopped = false;

  constructor(options: FleetStateOptions) {
    this.registry = options.registry;
    this.#maxMessageBytes = options.maxMessageBytes;
    this.#staleAfterMs = options.staleAfterMs;
    this.#sessionTtlMs = options.sessionTtlMs;
    this.#nowMs = options.nowMs;
    this.#gauges = new GaugeGroups(this.registry, options.nowMs);
    const r = this.registry;
    r.gauge('tapemeasure.fleet.workers', () => this.liveCount);
    const dropped = (reason: DropReason): Counter => r.counter('tapemeasure.fleet.dropped', { tags: { reason } });
    this.#dropped = {
      too_large: dropped('too_large'), malformed: dropped('malformed'), version: dropped('version'),
      conflict: dropped('conflict'), overload: dropped('overload'), ended: dropped('ended'),
    };
  }

  /** Sessions that are connected and pushed within their staleness bound. */
  get liveCount(): number {
    let n = 0;
    for (const s of this.#sessions.values()) if (this.isLive(s)) n++;
    return n;
  }

  /** Every session still known (live, hung, or disconnected within its time to live). */
  get sessions(): IterableIterator<Session> {
    return this.#sessions.values();
  }

  /** Whether `session` is connected and pushed recently enough. */
  isLive(session: Session): boolean {
    if (!session.connected) return false;
    const stale = this.#staleAfterMs ?? 3 * Math.max(session.intervalMs, 1_000);
    return this.#nowMs() - session.lastMs <= stale;
  }

  /** How many frames or series were dropped, by reason. */
  droppedCount(reason: DropReason): number {
    return this.#dropped[reason].count;
  }

  /** Counts and warns (rate-limited) one drop. */
  drop(reason: DropReason, detail: string, n = 1): void {
    this.#dropped[reason].inc(n);
    this.#warnings.warn(
      new MetricsError(ErrorCodes.FLEET_MESSAGE_DROPPED, `tapemeasure fleet dropped ${detail} (${reason})`),
      `${ErrorCodes.FLEET_MESSAGE_DROPPED} ${reason}`,
    );
  }

  /**
   * Takes one frame's text from a link, to be applied in order. Never throws.
   */
  receive(text: unknown, link: Link): void {
    if (this.#stopped) return;
    if (typeof text !== 'string') {
      this.drop('malformed', 'a message whose frame is not a string');
      return;
    }
    // UTF-16 length is at most the UTF-8 length for ASCII and a bound within 3x otherwise.
    if (text.length > this.#maxMessageBytes || Buffer.byteLength(text, 'utf8') > this.#maxMessageBytes) {
      this.drop('too_large', `a frame larger than maxMessageBytes (${this.#maxMessageBytes})`);
      return;
    }
    if (this.#queuedBytes + text.length > MAX_QUEUED_BYTES) {
      this.drop('overload', 'a frame: too many frames waiting to be merged');
      return;
    }
    this.#queue.push({ text, link });
    this.#queuedBytes += text.length;
    this.#draining ??= this.#drain();
  }

  /** Whether frames are waiting or being applied. */
  get busy(): boolean {
    return this.#draining !== null;
  }

  /** Resolves when every frame received so far has been applied. */
  async settled(): Promise<void> {
    while (this.#draining !== null) await this.#draining;
  }

  async #drain(): Promise<void> {
    // Never finish synchronously: the caller assigns #draining after this returns.
    await Promise.resolve();
    try {
      const yieldNow = sliceYielder();
      while (this.#queue.length > 0 && !this.#stopped) {
        const { text, link } = this.#queue.shift()!;
        this.#queuedBytes -= text.length;
        const frame = decodeFrame(text);
        if (typeof frame === 'string') {
          this.drop(frame.startsWith('unknown version') ? 'version' : 'malformed', `a frame: ${frame}`);
          continue;
        }
        await this.#apply(frame, link, yieldNow);
      }
    } catch (error) {
      // A bug, never a worker's data: say so and keep the primary alive.
      emitWarning(new MetricsError(ErrorCodes.FLEET_MESSAGE_DROPPED, 'tapemeasure fleet failed to merge a frame', { cause: error }));
    } finally {
      this.#draining = null;
      if (this.#queue.length > 0 && !this.#stopped) this.#draining = this.#drain();
    }
  }

  async #apply(frame: Frame, link: Link, yieldNow: () => Promise<void> | undefined): Promise<void> {
    let session = this.#sessions.get(frame.session) ?? this.#revive(frame.session, frame.worker);
    if (session === undefined) {
      if (frame.type === 'bye') return;
      session = {
        id: frame.session, worker: frame.worker, link, seq: -1, intervalMs: frame.intervalMs,
        lastMs: this.#nowMs(), connected: true, closedMs: 0, series: new Map(),
      };
      this.#sessions.set(frame.session, session);
      this.#gauges.addSession(session);
    } else if (session.worker !== frame.worker) {
      this.drop('malformed', `a frame of session ${frame.session} under another worker id`);
      return;
    }
    session.link = link;
    session.connected = link.closed !== true;
    if (frame.seq <= session.seq) {
      link.ack?.(session.id, session.seq);
      return;
    }
    session.seq = frame.seq;
    session.lastMs = this.#nowMs();
    if (frame.intervalMs > 0) session.intervalMs = frame.intervalMs;
    if (frame.type === 'bye') {
      this.end(session);
      link.ack?.(frame.session, frame.seq);
      return;
    }
    for (const raw of frame.series) {
      const wait = yieldNow();
      if (wait !== undefined) await wait;
      if (this.#stopped) return;
      if (!this.#sessions.has(session.id)) {
        this.drop('ended', `the rest of a frame of worker ${session.worker}, which ended meanwhile`);
        return;
      }
      const entry = readEntry(raw, maxIndexOf);
      if (entry === null) {
        this.drop('malformed', `a series of worker ${session.worker}`);
        continue;
      }
      this.#applyEntry(session, entry);
    }
    link.ack?.(session.id, session.seq);
    // The link closed while this frame waited: the session closes as the link's others did.
    if (link.closed === true) this.#closeSession(session, link);
  }

  #applyEntry(session: Session, entry: Entry): void {
    if (entry.kind === 'g') {
      const reason = this.#gauges.apply(session, entry, this.#nowMs());
      if (reason !== null) this.drop('conflict', `gauge ${entry.name} of worker ${session.worker}: ${reason}`);
      return;
    }
    const key = `${entry.kind}\u0000${entry.name}\u0000${tagsKey(entry)}`;
    let state = session.series.get(key);
    if (state === undefined) {
      const metric = this.#metricOf(key, entry, session);
      if (metric === null) return;
      state = { metric, total: 0, sum: 0 };
      session.series.set(key, state);
    }
    switch (entry.kind) {
      case 'c':
        (state.metric as Counter).inc(entry.total - state.total);
        state.total = entry.total;
        return;
      case 'm':
        if (entry.total > state.total) (state.metric as Meter).mark(entry.total - state.total);
        state.total = entry.total;
        return;
      default: {
        const metric = state.metric as Histogram | Timer;
        const d = metric.distribution;
        const c = d.config;
        if (
          c.significantDigits !== entry.digits || c.resolution !== entry.resolution ||
          c.ticksPerSlice !== entry.ticksPerSlice || c.slices !== entry.slices
        ) {
          this.drop('conflict', `${entry.name} of worker ${session.worker}: its window or precision differs from another worker's`);
          return;
        }
        const count0 = d.count;
        const sum0 = d.sum;
        for (const { delta } of entry.deltas) d.merge(delta);
        // Lifetime count and sum follow the totals, whatever the window deltas added.
        if (entry.count >= state.total) {
          const added = entry.count - state.total;
          d.count = count0 + added;
          d.sum = sum0 + (entry.sum - state.sum);
          if (entry.kind === 't' && added > 0) (metric as Timer).meter.mark(added);
          state.total = entry.count;
          state.sum = entry.sum;
        } else {
          d.count = count0;
          d.sum = sum0;
        }
      }
    }
  }

  /** The merged series of an entry, created on first sight; `null` (dropped and counted) if the registry refuses it. */
  #metricOf(key: string, entry: Entry, session: Session): Counter | Meter | Histogram | Timer | null {
    const known = this.#metrics.get(key);
    if (known !== undefined) return known;
    const r = this.registry;
    const tags = entry.tags ?? NO_TAGS;
    try {
      let metric: Counter | Meter | Histogram | Timer;
      if (entry.kind === 'c') metric = r.counter(entry.name, { tags });
      else if (entry.kind === 'm') metric = r.meter(entry.name, { tags });
      else if (entry.kind === 'h' || entry.kind === 't') {
        if (entry.ticksPerSlice * entry.slices > MAX_WINDOW_TICKS) throw new Error('window too long');
        const window = {
          tags,
          significantDigits: entry.digits,
          windowMs: entry.ticksPerSlice * entry.slices * TICK_MS,
          windowSlices: entry.slices,
        };
        metric =
          entry.kind === 'h'
            ? r.histogram(entry.name, { ...window, resolution: entry.resolution })
            : r.timer(entry.name, { ...window, resolutionMs: entry.resolution });
      } else return null;
      this.#metrics.set(key, metric);
      return metric;
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      this.drop('conflict', `series ${entry.name} of worker ${session.worker}: ${why}`);
      return null;
    }
  }

  /** The link closed: its sessions end now (IPC, threads) or may reconnect within their time to live (sockets). */
  closeLink(link: Link): void {
    link.closed = true;
    for (const session of [...this.#sessions.values()]) {
      if (session.link === link) this.#closeSession(session, link);
    }
  }

  #closeSession(session: Session, link: Link): void {
    if (link.reconnects) {
      if (session.connected) session.closedMs = this.#nowMs();
      session.connected = false;
    } else this.end(session);
  }

  /** Forgets a session: its totals stay in the merged series; its gauges leave. */
  end(session: Session): void {
    if (this.#sessions.get(session.id) !== session) return;
    this.#sessions.delete(session.id);
    session.connected = false;
    this.#gauges.removeSession(session);
  }

  /**
   * Ends the disconnected sessions whose time to live is over; they are kept as retired
   * (their totals, not their gauges), so that one coming back is not counted twice.
   */
  sweep(): void {
    const now = this.#nowMs();
    for (const session of [...this.#sessions.values()]) {
      if (!session.connected && now - session.closedMs > this.#sessionTtlMs) {
        this.end(session);
        this.#retired.set(session.id, session);
        if (this.#retired.size > MAX_RETIRED_SESSIONS) this.#retired.delete(this.#retired.keys().next().value!);
      }
    }
  }

  /** A retired session of this id and worker, back in the live ones; `undefined` if none. */
  #revive(id: string, worker: string): Session | undefined {
    const session = this.#retired.get(id);
    if (session === undefined || session.worker !== worker) return undefined;
    this.#retired.delete(id);
    this.#sessions.set(id, session);
    this.#gauges.addSession(session);
    return session;
  }

  /** Stops applying frames. */
  stop(): void {
    this.#stopped = true;
    this.#queue.length = 0;
    this.#queuedBytes = 0;
  }
}
