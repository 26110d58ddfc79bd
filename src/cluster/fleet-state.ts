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
 * Frames wait in a bounded queue (`frame-queue.ts`) and are applied one at a time, in
 * order of arrival, yielding to the event loop between series ({@link sliceYielder}), so a large fleet never holds the loop long.
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
import { NO_TAGS, type Tags } from '../names.js';
import type { SliceDelta } from '../stats/slice-delta.js';
import { bucketIndex, halfMagnitude } from '../stats/hdr-layout.js';
import type { Registry } from '../registry/registry.js';
import { ByteReader, isMalformed, malformed } from './bytes.js';
import {
  BucketScratch, decodeFrame, readDistributionHead, readGauge, readHead, readIdentity, readSlice, readTotal, type DistributionHead, type Frame,
  type Head,
} from './protocol.js';
import { FrameQueue } from './frame-queue.js';
import { GaugeGroups } from './gauge-groups.js';

/** Where frames come from: one IPC channel, one thread's port, one socket connection. @internal */
export type Link = {
  /** Whether sessions of this link survive its closing for a while (a socket: the forwarder reconnects). */
  readonly reconnects: boolean;
  /** Acknowledges that every frame of `session` up to `seq` was applied (sockets only). */
  ack?(session: string, seq: number): void;
  /** Set by the fleet when the link closed (frames still queued from it are applied, then its sessions close). */
  closed?: boolean;
  /**
   * The aggregator's own registry, merged in from this very process: never stale (it
   * pushes whenever this event loop turns; `staleAfterMs` may be shorter than its interval).
   */
  readonly local?: boolean;
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
  /**
   * Until this monotonic ms, counts this session brings are carried, not marked: it came
   * back (or was first seen) after pushes this aggregator never saw, so its totals hold
   * events of a past the rates must not show as a burst. 0 when it was seen from its start.
   */
  carryUntilMs: number;
  readonly series: Map<string, SeriesState>;
};

/**
 * How long a session's first push after a gap may take to arrive whole (its frames come
 * one after another, within milliseconds): half its interval, so the next push is marked.
 */
function carryWindowMs(intervalMs: number): number {
  return intervalMs > 0 ? intervalMs / 2 : 500;
}

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
  readonly #queue: FrameQueue<Link>;
  /** Where the buckets of the series being applied are read (series are applied one at a time). */
  readonly #scratch = new BucketScratch();
  #draining: Promise<void> | null = null;
  #stopped = false;

  constructor(options: FleetStateOptions) {
    this.registry = options.registry;
    this.#maxMessageBytes = options.maxMessageBytes;
    this.#staleAfterMs = options.staleAfterMs;
    this.#sessionTtlMs = options.sessionTtlMs;
    this.#nowMs = options.nowMs;
    this.#queue = new FrameQueue(options.maxMessageBytes);
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
    if (session.link.local === true) return true;
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
   * Takes one frame from a link, to be applied in order: its bytes, its `ArrayBuffer`, or
   * its base64 text (IPC). Never throws. `done` is called once the frame is applied or
   * dropped (a thread's forwarder bounds what it has in flight by it).
   */
  receive(frame: unknown, link: Link, done?: () => void): void {
    if (this.#stopped) {
      done?.();
      return;
    }
    const refused = this.#queue.push(frame, link, done);
    if (refused === 'malformed') this.drop('malformed', 'a message whose frame is neither bytes nor text');
    else if (refused === 'too_large') this.drop('too_large', `a frame larger than maxMessageBytes (${this.#maxMessageBytes})`);
    else if (refused === 'overload') this.drop('overload', 'a frame: too many frames waiting to be merged');
    if (refused !== null) {
      done?.();
      return;
    }
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
        const { bytes, link, done } = this.#queue.shift()!;
        try {
          const frame = decodeFrame(bytes);
          if (typeof frame === 'string') this.drop(frame.startsWith('unknown version') ? 'version' : 'malformed', `a frame: ${frame}`);
          else await this.#apply(frame, link, yieldNow);
        } finally {
          done?.();
        }
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
      // A worker's first frame has seq 1; a later one means pushes this aggregator never
      // saw (it restarted, or the worker could not reach it): carry what that push brings.
      const nowMs = this.#nowMs();
      session = {
        id: frame.session, worker: frame.worker, link, seq: -1, intervalMs: frame.intervalMs,
        lastMs: nowMs, connected: true, closedMs: 0,
        carryUntilMs: frame.seq > 1 ? nowMs + carryWindowMs(frame.intervalMs) : 0, series: new Map(),
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
    const r = frame.reader;
    const end = r.bytes.length;
    for (let i = 0; i < frame.series; i++) {
      const wait = yieldNow();
      if (wait !== undefined) await wait;
      if (this.#stopped) return;
      if (!this.#sessions.has(session.id)) {
        this.drop('ended', `the rest of a frame of worker ${session.worker}, which ended meanwhile`);
        return;
      }
      // Each series is its length and its body: a malformed body is skipped, a bad length ends the frame.
      let next: number;
      try {
        r.end = end;
        const length = r.uv();
        next = r.pos + length;
        if (next > end) malformed();
      } catch (error) {
        if (!isMalformed(error)) throw error;
        this.drop('malformed', `the rest of a frame of worker ${session.worker} (truncated)`);
        break;
      }
      r.end = next;
      try {
        this.#applySeries(session, r);
        if (r.pos !== next) malformed();
      } catch (error) {
        if (!isMalformed(error)) throw error;
        this.drop('malformed', `a series of worker ${session.worker}`);
      }
      r.pos = next;
    }
    link.ack?.(session.id, session.seq);
    // The link closed while this frame waited: the session closes as the link's others did.
    if (link.closed === true) this.#closeSession(session, link);
  }

  /**
   * Checks and applies one series body (`r` bounded to it). A malformed body throws the
   * reader's marker before anything of it is applied.
   */
  #applySeries(session: Session, r: ByteReader): void {
    const head = readHead(r);
    if (head.kind === 'g') {
      const { policy, value } = readGauge(r);
      const { name, tags } = readIdentity(r, head);
      const reason = this.#gauges.apply(session, { kind: 'g', name, tags, policy, value }, this.#nowMs());
      if (reason !== null) this.drop('conflict', `gauge ${name} of worker ${session.worker}: ${reason}`);
      return;
    }
    if (head.kind === 'c' || head.kind === 'm') {
      const total = readTotal(r, head.kind);
      const state = this.#stateOf(session, r, head, null);
      if (state === null) return;
      if (head.kind === 'c') (state.metric as Counter).inc(total - state.total);
      else if (total > state.total) this.#addEvents(session, state.metric as Meter, total - state.total);
      state.total = total;
      return;
    }
    const h = readDistributionHead(r);
    const top = maxIndexOf(h.digits);
    // Read whole before any of it is merged: a malformed slice drops the series, not half of it.
    const deltas: SliceDelta[] = new Array<SliceDelta>(h.entries);
    const scratch = this.#scratch;
    scratch.reset();
    for (let k = 0; k < h.entries; k++) deltas[k] = readSlice(r, top, scratch).delta;
    const state = this.#stateOf(session, r, head, h);
    if (state === null) return;
    const metric = state.metric as Histogram | Timer;
    const d = metric.distribution;
    const c = d.config;
    if (
      c.significantDigits !== h.digits || c.resolution !== h.resolution ||
      c.ticksPerSlice !== h.ticksPerSlice || c.slices !== h.slices
    ) {
      this.drop('conflict', `${metric.name} of worker ${session.worker}: its window or precision differs from another worker's`);
      return;
    }
    const count0 = d.count;
    const sum0 = d.sum;
    for (const delta of deltas) d.merge(delta);
    // Lifetime count and sum follow the totals, whatever the window deltas added.
    if (h.count >= state.total) {
      const added = h.count - state.total;
      d.count = count0 + added;
      d.sum = sum0 + (h.sum - state.sum);
      if (head.kind === 't' && added > 0) this.#addEvents(session, metric as Timer, added);
      state.total = h.count;
      state.sum = h.sum;
    } else {
      d.count = count0;
      d.sum = sum0;
    }
  }

  /** Events of a meter or timer: marked (they feed the rates), or carried while the session's first push after a gap lasts. */
  #addEvents(session: Session, metric: Meter | Timer, n: number): void {
    if (session.carryUntilMs !== 0 && this.#nowMs() < session.carryUntilMs) metric.carryEvents(n);
    else if (metric.type === 'meter') metric.mark(n);
    else metric.meter.mark(n);
  }

  /** The session's state of a series, created (with the merged series) on first sight; `null` if refused. */
  #stateOf(session: Session, r: ByteReader, head: Head, h: DistributionHead | null): SeriesState | null {
    let state = session.series.get(head.key);
    if (state === undefined) {
      const { name, tags } = readIdentity(r, head);
      const metric = this.#metricOf(head, name, tags, h, session);
      if (metric === null) return null;
      state = { metric, total: 0, sum: 0 };
      session.series.set(head.key, state);
    }
    return state;
  }

  /** The merged series of a head, created on first sight; `null` (dropped and counted) if the registry refuses it. */
  #metricOf(
    head: Head, name: string, entryTags: Tags | undefined, h: DistributionHead | null, session: Session,
  ): Counter | Meter | Histogram | Timer | null {
    const known = this.#metrics.get(head.key);
    if (known !== undefined) return known;
    const r = this.registry;
    const tags = entryTags ?? NO_TAGS;
    try {
      let metric: Counter | Meter | Histogram | Timer;
      if (head.kind === 'c') metric = r.counter(name, { tags });
      else if (head.kind === 'm') metric = r.meter(name, { tags });
      else if (h !== null && (head.kind === 'h' || head.kind === 't')) {
        if (h.ticksPerSlice * h.slices > MAX_WINDOW_TICKS) throw new Error('window too long');
        const window = {
          tags,
          significantDigits: h.digits,
          windowMs: h.ticksPerSlice * h.slices * TICK_MS,
          windowSlices: h.slices,
        };
        metric =
          head.kind === 'h'
            ? r.histogram(name, { ...window, resolution: h.resolution })
            : r.timer(name, { ...window, resolutionMs: h.resolution });
      } else return null;
      this.#metrics.set(head.key, metric);
      return metric;
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      this.drop('conflict', `series ${name} of worker ${session.worker}: ${why}`);
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
    // What it brings now covers the time it was gone.
    session.carryUntilMs = this.#nowMs() + carryWindowMs(session.intervalMs);
    return session;
  }

  /** Stops applying frames. */
  stop(): void {
    this.#stopped = true;
    this.#queue.clear();
  }
}
