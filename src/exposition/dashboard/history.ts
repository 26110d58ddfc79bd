/**
 * The dashboard's history: a bounded ring of recent samples. Every tracked series owns
 * one preallocated `Float32Array` per field (`capacity` slots), so memory is fixed when a
 * series is first seen and never grows; the ring's slot `seq % capacity` holds sample
 * `seq + 1`. The ring itself exists only while someone looks (see `sampler.ts`).
 *
 * Readers see samples `oldestSeq..seq`: one slot less than the capacity, because the
 * next sample is written into the oldest slot in several steps (the sampler yields to the
 * event loop while it reads a large registry), and only `commit()` makes it visible.
 *
 * @module
 * @internal
 */

import { randomBytes } from 'node:crypto';
import type { Metric } from '../../registry/types.js';
import type { Tags } from '../../names.js';
import { ROUTE_LAYOUT, type FieldLayout } from './fields.js';

/** One recorded series: a metric, or an HTTP route (all the status series of one route and method). */
export class Track {
  /** The id the feed and the page use (unique within one ring). */
  readonly id: number;
  /** The metric's name, or the route family's name (`http.server.requests`). */
  readonly name: string;
  /** The metric's tags, or `{ route, method }` of a route. */
  readonly tags: Tags;
  /** The metric type, or `'route'`. */
  readonly type: Metric['type'] | 'route';
  /** Fields and units. */
  readonly layout: FieldLayout;
  /** The runtime panel's role, if any. */
  readonly role: string | undefined;
  /** One ring of values per field (NaN: no value). */
  readonly data: readonly Float32Array[];
  /** The sequence number of the last sample that saw this series. */
  lastSeenSeq = 0;
  /** The count at the previous sample, for rates (NaN before the first). */
  previousCount = Number.NaN;
  /** A stable sort key: name, then tags. */
  readonly sortKey: string;

  constructor(
    id: number,
    name: string,
    tags: Tags,
    type: Track['type'],
    layout: FieldLayout,
    role: string | undefined,
    capacity: number,
  ) {
    this.id = id;
    this.name = name;
    this.tags = tags;
    this.type = type;
    this.layout = layout;
    this.role = role;
    const data: Float32Array[] = [];
    for (let f = 0; f < layout.fields.length; f++) data.push(new Float32Array(capacity).fill(Number.NaN));
    this.data = data;
    let key = name;
    for (const k of Object.keys(tags)) key += `\u0000${k}=${tags[k]!}`;
    this.sortKey = key;
  }

  /** Bytes held by this track's rings. */
  get bytes(): number {
    let bytes = 0;
    for (const d of this.data) bytes += d.byteLength;
    return bytes;
  }
}

/** The ring of samples: timestamps plus the tracks that record into it. */
export class HistoryRing {
  /** Random id of this ring: a page that saw another ring (the server restarted) starts over. */
  readonly id: string = randomBytes(6).toString('base64url');
  /** Slots per series. */
  readonly capacity: number;
  /** The wall time (ms since the epoch) of each slot's sample. */
  readonly times: Float64Array;
  /** The last committed sample (0: none yet). */
  seq = 0;
  /** The monotonic time of the last committed sample (NaN: none yet). */
  lastMonotonicMs = Number.NaN;
  /** Series of metrics, by metric. */
  readonly series = new Map<Metric, Track>();
  /** Series of HTTP routes, by family name, route and method. */
  readonly routes = new Map<string, Track>();
  /** At the last sample: the series the registry held (after the dashboard's filter). */
  size = 0;
  /** At the last sample: the series left out because `maxSeries` were tracked already. */
  untracked = 0;
  /** At the last sample: HTTP routes left out because the route cap was reached. */
  untrackedRoutes = 0;
  #nextId = 1;
  #sorted: Track[] | null = null;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.times = new Float64Array(capacity).fill(Number.NaN);
  }

  /** The oldest sample readers may see. */
  get oldestSeq(): number {
    return Math.max(1, this.seq - this.capacity + 2);
  }

  /** The slot of sample `seq`. */
  slotOf(seq: number): number {
    return (seq - 1) % this.capacity;
  }

  /** Starts recording a metric. */
  addSeries(metric: Metric, layout: FieldLayout, role: string | undefined): Track {
    const track = new Track(this.#nextId++, metric.name, metric.tags, metric.type, layout, role, this.capacity);
    this.series.set(metric, track);
    this.#sorted = null;
    return track;
  }

  /** Starts recording an HTTP route (`key`: family name, route and method). */
  addRoute(key: string, name: string, tags: Tags): Track {
    const track = new Track(this.#nextId++, name, tags, 'route', ROUTE_LAYOUT, undefined, this.capacity);
    this.routes.set(key, track);
    return track;
  }

  /**
   * Makes sample `seq + 1` visible: stamps it, writes NaN for every series it did not
   * see, and forgets series unseen for a whole ring (their metric is gone).
   */
  commit(wallMs: number, monotonicMs: number): void {
    const seq = this.seq + 1;
    const slot = this.slotOf(seq);
    const forget = (map: Map<unknown, Track>): void => {
      for (const [key, track] of map) {
        if (track.lastSeenSeq === seq) continue;
        for (const d of track.data) d[slot] = Number.NaN;
        track.previousCount = Number.NaN;
        if (seq - track.lastSeenSeq >= this.capacity) {
          map.delete(key);
          this.#sorted = null;
        }
      }
    };
    forget(this.series);
    forget(this.routes);
    this.times[slot] = wallMs;
    this.lastMonotonicMs = monotonicMs;
    this.seq = seq;
  }

  /** The series of metrics sorted by name then tags (cached until a series comes or goes). */
  sorted(): readonly Track[] {
    this.#sorted ??= [...this.series.values()].sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    return this.#sorted;
  }

  /** Bytes held by the ring's arrays (timestamps and every series' values). */
  get bytes(): number {
    let bytes = this.times.byteLength;
    for (const t of this.series.values()) bytes += t.bytes;
    for (const t of this.routes.values()) bytes += t.bytes;
    return bytes;
  }
}
