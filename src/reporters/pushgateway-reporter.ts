/**
 * The Pushgateway reporter: pushes the registry to one Pushgateway group on an interval,
 * and a final time on `stop()`.
 *
 * @module
 */

import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { boolean, readOptions, unknownOption } from '../internal/options.js';
import { pushBody } from './pushgateway-body.js';
import type { PushResult } from './pushgateway-error.js';
import { BODY_OPTIONS, resolveTarget, TARGET_OPTIONS, type PushBodyOptions, type PushgatewayTargetOptions, type PushTarget } from './pushgateway-options.js';
import { sendToGroup } from './pushgateway-request.js';
import { systemTimers, type PushTimers } from './pushgateway-retry.js';
import { REPORTER_OPTIONS, ScheduledReporter, type Report, type ScheduledReporterOptions } from './scheduled-reporter.js';

/**
 * Options of a {@link PushgatewayReporter}. The body is Prometheus text, in Prometheus'
 * own units (seconds for timers, events per second), so `rateUnit`, `durationUnit` and
 * `statistics` do not apply (and are rejected as unknown).
 */
export type PushgatewayReporterOptions = Omit<ScheduledReporterOptions, 'rateUnit' | 'durationUnit' | 'statistics'> &
  PushgatewayTargetOptions &
  PushBodyOptions & {
    /**
     * Delete the group after the final push of `stop()`, so that a service's series
     * leave the gateway when it ends (otherwise the gateway keeps serving its last push
     * forever, which is what a batch job wants).
     *
     * @defaultValue false
     */
    readonly deleteOnStop?: boolean;
  };

const WHERE = 'PushgatewayReporter';
const OWN_SCHEMA = Object.freeze({ ...TARGET_OPTIONS, ...BODY_OPTIONS, deleteOnStop: boolean });
const NOT_APPLICABLE = ['rateUnit', 'durationUnit', 'statistics'] as const;

/** Rejects the scheduled-reporter options that mean nothing for Prometheus text, as unknown keys. */
function rejectNotApplicable(options: unknown): void {
  if (options === null || typeof options !== 'object') return;
  for (const key of NOT_APPLICABLE) {
    if (Object.hasOwn(options, key)) {
      const known = [...Object.keys(REPORTER_OPTIONS), ...Object.keys(OWN_SCHEMA)].filter((k) => !(NOT_APPLICABLE as readonly string[]).includes(k));
      throw unknownOption(WHERE, key, known);
    }
  }
}

/**
 * Pushes a registry to a Prometheus Pushgateway group on an interval (`start(intervalMs)`),
 * on demand (`report()`), and a final time on `await stop()`. For services that cannot be
 * scraped (behind NAT, short-lived workers); a batch job that pushes once at its end is
 * simpler with {@link pushMetrics}.
 *
 * Every push sends the selected series as Prometheus text (the same mapping as the
 * metrics endpoint) with `PUT` (the group becomes exactly the registry) or `POST`. A
 * failed request is retried with exponential backoff and jitter within `retries` and
 * `totalTimeoutMs`; a push still retrying when the next is due makes that one skip
 * (`stats.skipped`). A push that fails for good goes to `onError` as a `ReporterError`
 * (kind `send`) whose `cause` is the coded {@link PushError}. Connections are kept alive
 * between pushes and never keep the process alive; the final push does, until it is done
 * or `stopTimeoutMs` is up.
 *
 * @example
 * ```ts
 * const reporter = new PushgatewayReporter({
 *   registry,
 *   url: 'http://127.0.0.1:9091',
 *   job: 'importer',
 *   groupingKey: { instance: 'worker-1' },
 * }).start(15_000);
 * // on shutdown: one last push, then the connection is closed
 * await reporter.stop();
 * ```
 */
export class PushgatewayReporter extends ScheduledReporter {
  /** The group's URL (credentials and query left out). */
  readonly groupUrl: string;
  readonly #target: PushTarget;
  readonly #method: 'put' | 'post';
  readonly #prefix: string;
  readonly #compress: boolean;
  readonly #deleteOnStop: boolean;
  readonly #agent: HttpAgent;
  readonly #abort = new AbortController();
  readonly #timers: PushTimers = systemTimers(true);
  readonly #finalTimers: PushTimers = systemTimers(false);
  #pending: Promise<PushResult> | null = null;
  #lastResult: PushResult | null = null;
  #attempts = 0;

  /**
   * @param options - where to push (`url`, `job`, `groupingKey`), how (`method`,
   *   `compress`, `headers`, retries) and what (`registry`, `filter`, `prefix`, ...).
   * @throws {@link InvalidOptionError} for a bad or missing option (such as an invalid
   *   grouping-key label name); {@link UnknownOptionError} for an unknown key.
   */
  constructor(options: PushgatewayReporterOptions) {
    rejectNotApplicable(options);
    super(options, { kind: 'pushgateway', where: WHERE, schema: OWN_SCHEMA });
    const o = readOptions(WHERE, options, OWN_SCHEMA, REPORTER_OPTIONS);
    this.#target = resolveTarget(WHERE, o);
    this.groupUrl = `${this.#target.url.origin}${this.#target.url.pathname}`;
    this.#method = o.method ?? 'put';
    this.#prefix = o.prefix ?? '';
    this.#compress = o.compress ?? false;
    this.#deleteOnStop = o.deleteOnStop ?? false;
    // One connection, kept alive between pushes (a push at a time: the base never overlaps them).
    const agentOptions = { keepAlive: true, maxSockets: 1 };
    this.#agent = this.#target.url.protocol === 'https:' ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  }

  /** The result of the last push (or of the delete of `deleteOnStop`); `null` before the first. */
  get lastResult(): PushResult | null {
    return this.#lastResult;
  }

  /** Requests made so far, retries included (the first try of each push counts one). */
  get attempts(): number {
    return this.#attempts;
  }

  /** @inheritDoc */
  protected override async send(report: Report): Promise<void> {
    const timers = report.final ? this.#finalTimers : this.#timers;
    const startedMs = timers.nowMs();
    const body = await pushBody(report.series, this.#prefix, this.#compress);
    if (body.collisions > 0) this.countDropped(body.collisions);
    const result = await this.#track(
      sendToGroup(this.#target, this.#method, body, body.collisions, startedMs, {
        timers,
        agent: this.#agent,
        unref: !report.final,
        signal: this.#abort.signal,
      }),
    );
    if (result.error !== null) throw result.error;
    this.countBytes(result.bytes);
  }

  /** Deletes the group if asked (unless the final push is still pending), then closes the connection. */
  protected override async close(): Promise<void> {
    try {
      if (this.#pending !== null) {
        // stop() gave up waiting for the final push: abort it rather than leave it running.
        this.#abort.abort(new Error('stop() timed out'));
        await this.#pending;
      } else if (this.#deleteOnStop) {
        const startedMs = this.#finalTimers.nowMs();
        const result = await this.#track(
          sendToGroup(this.#target, 'delete', null, 0, startedMs, {
            timers: this.#finalTimers,
            agent: this.#agent,
            unref: false,
            signal: this.#abort.signal,
          }),
        );
        if (result.error !== null) throw result.error;
      }
    } finally {
      this.#agent.destroy();
    }
  }

  async #track(call: Promise<PushResult>): Promise<PushResult> {
    this.#pending = call;
    try {
      const result = await call;
      this.#attempts += result.attempts;
      this.#lastResult = result;
      return result;
    } finally {
      this.#pending = null;
    }
  }
}
