/**
 * The forwarder: every `intervalMs`, what changed in a registry since its last push,
 * handed to a channel as frames no larger than `maxMessageBytes`.
 *
 * @module
 */

import { randomUUID } from 'node:crypto';
import { MetricsError, ErrorCodes } from '../errors.js';
import { WarningLimiter } from '../internal/warnings.js';
import type { Metric, MetricRegistry } from '../registry/types.js';
import type { Channel } from './channel.js';
import { ByteWriter, uvLength } from './bytes.js';
import { byeFrame, PUSH, writeEnvelope } from './protocol.js';
import { PushBuilder } from './push-builder.js';

/** How long `stop()` waits for the last frames to be delivered. @internal */
export const STOP_TIMEOUT_MS = 2_000;

/** What a forwarder is built from. @internal */
export type ForwarderSettings = {
  readonly registry: MetricRegistry;
  readonly channel: Channel;
  readonly worker: string;
  readonly intervalMs: number;
  readonly maxMessageBytes: number;
  readonly perWorker: (metric: Metric) => boolean;
  readonly onError: (error: MetricsError) => void;
};

/**
 * Ships a registry's state to an aggregator. Get one from {@link forward}.
 */
export class Forwarder implements AsyncDisposable {
  /** The id of this worker, the `worker` tag of its per-worker series in the fleet. */
  readonly worker: string;
  /** The id of this forwarder's session (new for every forwarder, so a restart never double counts). */
  readonly session: string;
  readonly #settings: ForwarderSettings;
  readonly #builder: PushBuilder;
  #seq = 0;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;
  #bytes = 0;
  #frames = 0;
  #refused = 0;
  #first = true;
  readonly #frameWriter = new ByteWriter(1 << 16);
  /** A bound on a frame's envelope (beside its series), for splitting. */
  readonly #overhead: number;

  /** @internal Use {@link forward}. */
  constructor(settings: ForwarderSettings) {
    this.#settings = settings;
    this.worker = settings.worker;
    this.session = `${settings.worker}-${process.pid}-${randomUUID()}`;
    // Magic, version, type; two strings with their lengths; three varints.
    this.#overhead = 4 + 2 * 3 + Buffer.byteLength(this.session) + Buffer.byteLength(this.worker) + 3 * 8;
    this.#builder = new PushBuilder(settings.registry, settings.perWorker, settings.worker);
    this.#timer = setInterval(() => {
      if (this.#running === null) void this.push();
    }, settings.intervalMs);
    this.#timer.unref();
  }

  /** Bytes of frames handed to the channel so far. */
  get bytesSent(): number {
    return this.#bytes;
  }

  /** Frames handed to the channel so far. */
  get framesSent(): number {
    return this.#frames;
  }

  /** Pushes the channel refused (closed, or its backlog full): their changes went with a later push. */
  get pushesRefused(): number {
    return this.#refused;
  }

  /**
   * Pushes now what changed since the last push (the timer does this every
   * `intervalMs`). Resolves when the frames are handed to the channel; never rejects.
   */
  push(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    const run = (this.#running ?? Promise.resolve()).then(() => this.#push());
    const tracked = run.finally(() => {
      if (this.#running === tracked) this.#running = null;
    });
    this.#running = tracked;
    return tracked;
  }

  async #push(): Promise<void> {
    const { channel, maxMessageBytes } = this.#settings;
    try {
      const full = channel.takeResync() || this.#first;
      const push = await this.#builder.build(full);
      const frames = this.#split(push.bytes, push.ends, maxMessageBytes);
      for (const frame of frames) {
        // Entries of frames the channel took are committed at once: a refused later frame
        // must not make the next push send them again.
        const bytes = frame.bytes.length; // a port channel transfers the frame away
        // A push larger than the backlog goes over several turns, as the aggregator takes it.
        const wait = channel.room?.(bytes, this.#settings.intervalMs);
        if (wait !== undefined) await wait;
        if (!channel.send(frame.bytes, frame.seq)) {
          this.#refused++;
          this.#warn(new MetricsError(ErrorCodes.FORWARD_FAILED, `tapemeasure forward(): the channel refused a push (closed, or ${channel.pendingBytes} bytes not yet delivered); its changes go with a later push`));
          // Nothing of this push is committed: the next push sends these changes again
          // (the aggregator skips what it already applied from the frames that went out).
          return;
        }
        for (const index of frame.entries) push.commit(index);
        this.#bytes += bytes;
        this.#frames++;
      }
      this.#first = false;
    } catch (error) {
      this.#warn(new MetricsError(ErrorCodes.FORWARD_FAILED, 'tapemeasure forward(): a push failed', { cause: error }));
    }
  }

  /**
   * Series entries packed into frames of at most `maxBytes` (each frame its own
   * `ArrayBuffer`, so a port can transfer it); an entry too large alone is dropped and
   * reported.
   */
  #split(bytes: Uint8Array, ends: readonly number[], maxBytes: number): { bytes: Uint8Array; seq: number; entries: number[] }[] {
    const { worker, intervalMs } = this.#settings;
    const out: { bytes: Uint8Array; seq: number; entries: number[] }[] = [];
    const w = this.#frameWriter;
    let batch: number[] = [];
    let size = this.#overhead;
    const flush = (): void => {
      const seq = ++this.#seq;
      w.reset();
      writeEnvelope(w, PUSH, this.session, worker, seq, intervalMs, batch.length);
      for (const i of batch) {
        const start = i === 0 ? 0 : ends[i - 1]!;
        w.uv(ends[i]! - start);
        w.raw(bytes.subarray(start, ends[i]));
      }
      out.push({ bytes: w.bytes.slice(), seq, entries: batch });
      batch = [];
      size = this.#overhead;
    };
    for (let i = 0; i < ends.length; i++) {
      const length = ends[i]! - (i === 0 ? 0 : ends[i - 1]!);
      const n = length + uvLength(length);
      if (n + this.#overhead > maxBytes) {
        this.#warn(new MetricsError(ErrorCodes.FORWARD_FAILED, `tapemeasure forward(): a series of ${length} bytes does not fit maxMessageBytes (${maxBytes}); it is not sent`));
        continue;
      }
      if (size + n > maxBytes) flush();
      batch.push(i);
      size += n;
    }
    if (batch.length > 0 || out.length === 0) flush();
    return out;
  }

  readonly #warnings = new WarningLimiter();

  #warn(error: MetricsError): void {
    try {
      this.#settings.onError(error);
    } catch {
      // onError must not break the forwarder.
    }
  }

  /** @internal The default onError: one warning per code a minute. */
  warnOnce(error: MetricsError): void {
    this.#warnings.warn(error);
  }

  /**
   * Sends a last push and says goodbye (the fleet counts this worker out at once; its
   * totals stay), then lets go of the channel, within about 2 seconds. Idempotent.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.push();
    this.#stopped = true;
    await this.#running;
    const { channel, worker, intervalMs } = this.#settings;
    const seq = ++this.#seq;
    channel.send(byeFrame(this.session, worker, seq, intervalMs), seq);
    await channel.close(STOP_TIMEOUT_MS);
  }

  /** Same as {@link Forwarder.stop}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
