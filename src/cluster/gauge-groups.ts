/**
 * Gauges in a fleet: each follows the policy declared where it was created
 * (`aggregate` of `registry.gauge()`). `perWorker` (the default) keeps one series per
 * worker, tagged `worker`; `sum`, `min` and `max` combine the last value of every
 * connected worker (a hung worker's last value counts, a gone worker's does not);
 * `last` is the value most recently received. Also the per-worker push age gauge.
 *
 * The merged gauges are callback gauges of the merged registry, so they are computed
 * when a reporter or a scrape reads them.
 *
 * @module
 * @internal
 */

import type { GaugeAggregation } from '../metrics/gauge.js';
import type { Tags } from '../names.js';
import type { Registry } from '../registry/registry.js';
import type { GaugeEntry } from './protocol.js';
import type { Session } from './fleet-state.js';

/** The name of the per-worker age gauge. @internal */
export const AGE_GAUGE = 'tapemeasure.fleet.push_age_ms';

/** One worker's value of one gauge. */
type Member = { value: number | null; atMs: number };

/** An aggregated gauge (`sum`, `min`, `max`, `last`): the members' values. */
type Group = { readonly policy: GaugeAggregation; readonly members: Map<Session, Member> };

/** A per-worker gauge series, and the session that feeds it now. */
type Owned = { owner: Session; readonly member: Member; readonly name: string; readonly tags: Tags };

function combine(policy: GaugeAggregation, members: Map<Session, Member>): number {
  let out: number | null = null;
  let latest = -Infinity;
  for (const [session, m] of members) {
    if (!session.connected || m.value === null) continue;
    const v = m.value;
    if (out === null) {
      out = v;
      latest = m.atMs;
      continue;
    }
    if (policy === 'sum') out += v;
    else if (policy === 'min') out = Math.min(out, v);
    else if (policy === 'max') out = Math.max(out, v);
    else if (m.atMs >= latest) {
      out = v;
      latest = m.atMs;
    }
  }
  if (out === null) throw new Error('no connected worker has a value for this gauge');
  return out;
}

/**
 * The fleet's gauges.
 *
 * @internal
 */
export class GaugeGroups {
  readonly #registry: Registry;
  readonly #nowMs: () => number;
  /** Policy of each gauge (name and tags), as the first worker declared it. */
  readonly #policies = new Map<string, GaugeAggregation>();
  readonly #groups = new Map<string, Group>();
  /** Per-worker series by name, tags and worker. */
  readonly #owned = new Map<string, Owned>();
  /** The per-worker series each session feeds. */
  readonly #bySession = new Map<Session, Map<string, Owned>>();

  constructor(registry: Registry, nowMs: () => number) {
    this.#registry = registry;
    this.#nowMs = nowMs;
  }

  /** A new session: its push age gauge. */
  addSession(session: Session): void {
    const member: Member = { value: 0, atMs: 0 };
    const tags = { worker: session.worker };
    const owned = this.#own(session, `${AGE_GAUGE}\u0000${session.worker}`, AGE_GAUGE, tags, member);
    this.#registry.gauge(AGE_GAUGE, () => this.#nowMs() - owned.owner.lastMs, { tags });
  }

  /**
   * Applies one gauge entry of `session`.
   *
   * @returns `null`, or why it was refused.
   */
  apply(session: Session, entry: GaugeEntry, nowMs: number): string | null {
    const tags = entry.tags ?? {};
    const key = `${entry.name}\u0000${JSON.stringify(tags)}`;
    const policy = this.#policies.get(key);
    if (policy !== undefined && policy !== entry.policy) {
      return `aggregate '${entry.policy}' differs from another worker's '${policy}'`;
    }
    try {
      if (entry.policy === 'perWorker') {
        const workerTags = { ...tags, worker: session.worker };
        const ownKey = `${key}\u0000${session.worker}`;
        let owned = this.#bySession.get(session)?.get(ownKey);
        if (owned === undefined) {
          const member: Member = { value: entry.value, atMs: nowMs };
          owned = this.#own(session, ownKey, entry.name, workerTags, member);
          const o = owned;
          this.#registry.gauge(entry.name, () => {
            if (o.member.value === null) throw new Error(`the gauge failed in worker ${o.owner.worker}`);
            return o.member.value;
          }, { tags: workerTags });
        }
        owned.member.value = entry.value;
        owned.member.atMs = nowMs;
      } else {
        let group = this.#groups.get(key);
        if (group === undefined) {
          const g: Group = { policy: entry.policy, members: new Map() };
          this.#registry.gauge(entry.name, () => combine(g.policy, g.members), { tags });
          this.#groups.set(key, g);
          group = g;
        }
        const member = group.members.get(session);
        if (member === undefined) group.members.set(session, { value: entry.value, atMs: nowMs });
        else {
          member.value = entry.value;
          member.atMs = nowMs;
        }
      }
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
    this.#policies.set(key, entry.policy);
    return null;
  }

  /** Points the per-worker series `ownKey` at `session` (a worker back under the same id takes its series over). */
  #own(session: Session, ownKey: string, name: string, tags: Tags, member: Member): Owned {
    let owned = this.#owned.get(ownKey);
    if (owned === undefined) {
      owned = { owner: session, member, name, tags };
      this.#owned.set(ownKey, owned);
    } else {
      this.#bySession.get(owned.owner)?.delete(ownKey);
      owned.owner = session;
      owned.member.value = member.value;
      owned.member.atMs = member.atMs;
    }
    let mine = this.#bySession.get(session);
    if (mine === undefined) {
      mine = new Map();
      this.#bySession.set(session, mine);
    }
    mine.set(ownKey, owned);
    return owned;
  }

  /** A session ended: its per-worker series leave, its values leave the aggregated gauges. */
  removeSession(session: Session): void {
    for (const group of this.#groups.values()) group.members.delete(session);
    const mine = this.#bySession.get(session);
    this.#bySession.delete(session);
    if (mine === undefined) return;
    for (const [ownKey, owned] of mine) {
      if (owned.owner !== session) continue;
      this.#owned.delete(ownKey);
      this.#registry.remove(owned.name, owned.tags);
    }
  }
}
