/**
 * The dashboard's JSON feed (`GET <dashboard>/feed`): only what the page draws, and
 * bounded. A page first asks for everything (`full`), then only for the samples after
 * the last one it has (`?ring=<id>&since=<seq>`): usually one sample per series.
 * docs/dashboard.md describes every field.
 *
 * Bounds: at most {@link MAX_FEED_SERIES} series with history per response (those the
 * filter matches, sorted by name and tags; the page asks for more with `limit`), the
 * runtime panel's few series, the route rows (latest values only, at most
 * `MAX_ROUTES`), and the history of one selected route.
 *
 * @module
 * @internal
 */

import { sliceYielder } from '../../internal/slicer.js';
import type { Tags } from '../../names.js';
import type { HistoryRing, Track } from './history.js';
import { compileQueryFilter, MAX_FILTER_LENGTH } from './query-filter.js';

/** The version of the feed's shape. */
export const FEED_VERSION = 1;

/** The most series with history one response carries. */
export const MAX_FEED_SERIES = 100;

/** How many series a response carries when the page does not say. */
export const DEFAULT_FEED_SERIES = 30;

/** What a feed request asks for. */
export type FeedQuery = {
  /** The ring the page's data came from; another ring means a full answer. */
  readonly ring: string | undefined;
  /** The last sample the page has; absent: a full answer. */
  readonly since: number | undefined;
  /** The filter box's text. */
  readonly filter: string;
  /** How many series with history. */
  readonly limit: number;
  /** The id of the route whose history the page charts. */
  readonly route: number | undefined;
};

function intParam(value: string | null, min: number, max: number): number | undefined {
  if (value === null || !/^\d{1,15}$/.test(value)) return undefined;
  const n = Number(value);
  return n >= min && n <= max ? n : undefined;
}

/** Reads the feed's query string; anything malformed counts as absent (bounded, never throws). */
export function parseFeedQuery(query: URLSearchParams): FeedQuery {
  const ring = query.get('ring');
  return {
    ring: ring !== null && /^[\w-]{1,32}$/.test(ring) ? ring : undefined,
    since: intParam(query.get('since'), 0, Number.MAX_SAFE_INTEGER),
    filter: (query.get('q') ?? '').slice(0, MAX_FILTER_LENGTH),
    limit: intParam(query.get('limit'), 1, MAX_FEED_SERIES) ?? DEFAULT_FEED_SERIES,
    route: intParam(query.get('route'), 1, Number.MAX_SAFE_INTEGER),
  };
}

/** One series with its history in the feed. */
export type FeedSeries = {
  readonly id: number;
  readonly name: string;
  readonly tags: Tags;
  readonly type: Track['type'];
  readonly role?: string;
  readonly fields: readonly string[];
  readonly units: readonly string[];
  /** One array per field, aligned with the feed's `t`; `null` where there is no value. */
  readonly data: (number | null)[][];
};

/** One row of the HTTP routes table: the latest values. */
export type FeedRoute = {
  readonly id: number;
  readonly name: string;
  readonly route: string;
  readonly method: string | null;
  readonly rate: number | null;
  readonly p50: number | null;
  readonly p99: number | null;
  readonly errors: number | null;
};

/** The feed document. */
export type Feed = {
  readonly v: typeof FEED_VERSION;
  readonly title: string;
  readonly ring: string;
  readonly now: number;
  readonly intervalMs: number;
  readonly historyMs: number;
  readonly seq: number;
  readonly from: number;
  readonly full: boolean;
  readonly t: number[];
  readonly size: number;
  readonly tracked: number;
  readonly untracked: number;
  readonly matched: number;
  readonly limit: number;
  readonly series: FeedSeries[];
  readonly runtime: FeedSeries[];
  readonly routes: FeedRoute[];
  readonly untrackedRoutes: number;
  readonly route: FeedSeries | null;
};

/** The powers of ten that doubles hold exactly (1 to 1e22), for rounding without building strings. */
const POWERS = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** Significant digits the feed keeps of each value (the page shows three). */
export const FEED_DIGITS = 5;

/**
 * A value for JSON: {@link FEED_DIGITS} significant digits (values are kept as 32-bit
 * floats), `null` for none. Rounds by a power of ten (a division by an exact power of ten
 * is correctly rounded, so the result prints as the short decimal), four times faster
 * than `toPrecision` (which very large or small values still take).
 */
export function compact(value: number): number | null {
  if (value !== value || value === Number.POSITIVE_INFINITY || value === Number.NEGATIVE_INFINITY) return null;
  if (value === 0) return 0;
  const k = FEED_DIGITS - 1 - Math.floor(Math.log10(value < 0 ? -value : value));
  if (k > 22 || k < -22) return Number(value.toPrecision(FEED_DIGITS));
  return k >= 0 ? Math.round(value * POWERS[k]!) / POWERS[k]! : Math.round(value / POWERS[-k]!) * POWERS[-k]!;
}

function history(track: Track, ring: HistoryRing, from: number, to: number): FeedSeries {
  const data: (number | null)[][] = [];
  for (const field of track.data) {
    const values: (number | null)[] = [];
    for (let seq = from; seq <= to; seq++) values.push(compact(field[ring.slotOf(seq)]!));
    data.push(values);
  }
  const series: FeedSeries = {
    id: track.id,
    name: track.name,
    tags: track.tags,
    type: track.type,
    fields: track.layout.fields,
    units: track.layout.units,
    data,
  };
  return track.role === undefined ? series : { ...series, role: track.role };
}

function latest(track: Track, ring: HistoryRing, seq: number, field: number): number | null {
  return seq === 0 ? null : compact(track.data[field]![ring.slotOf(seq)]!);
}

/** What a ring's sorted series yield to the feed: the runtime panel's, and those of recent filters. */
type Selection = { readonly runtime: readonly Track[]; readonly byFilter: Map<string, readonly Track[]> };

/** Filters remembered per set of series: a page asks for the same one every second. */
const MAX_REMEMBERED_FILTERS = 8;

/** Selections by the ring's sorted array, which is new whenever series come or go. */
const selections = new WeakMap<readonly Track[], Selection>();

/** The runtime series (the first of each role) and the series the filter matches, remembered until the series change. */
function select(sorted: readonly Track[], filter: string): { runtime: readonly Track[]; matched: readonly Track[] } {
  let selection = selections.get(sorted);
  if (selection === undefined) {
    const roles = new Set<string>();
    const runtime: Track[] = [];
    for (const track of sorted) {
      if (track.role === undefined || roles.has(track.role)) continue;
      roles.add(track.role);
      runtime.push(track);
    }
    selection = { runtime, byFilter: new Map() };
    selections.set(sorted, selection);
  }
  let matched = selection.byFilter.get(filter);
  if (matched === undefined) {
    const matches = compileQueryFilter(filter);
    matched = matches === undefined ? sorted : sorted.filter((track) => matches(track.name, track.tags));
    if (selection.byFilter.size >= MAX_REMEMBERED_FILTERS) selection.byFilter.delete(selection.byFilter.keys().next().value!);
    selection.byFilter.set(filter, matched);
  }
  return { runtime: selection.runtime, matched };
}

/** What the feed is built from besides the ring. */
export type FeedContext = {
  readonly title: string;
  readonly nowMs: number;
  readonly intervalMs: number;
  readonly historyMs: number;
};

/**
 * Builds the feed for one request, yielding to the event loop every few milliseconds (a
 * page's first request may ask for 100 series of 600 samples). Linear in the tracked
 * series only when the filter or the series changed; the output is bounded (see the
 * module). `pause` is the slicer (tests pass their own to take samples meanwhile).
 */
export async function buildFeed(
  ring: HistoryRing,
  query: FeedQuery,
  context: FeedContext,
  pause: () => Promise<void> | undefined = sliceYielder(),
): Promise<Feed> {
  const oldest = ring.oldestSeq;
  const seq = ring.seq;
  const full =
    query.ring !== ring.id || query.since === undefined || query.since > seq || query.since < oldest - 1;
  let from = full ? oldest : query.since + 1;
  const t: number[] = [];
  for (let s = from; s <= seq; s++) t.push(Math.round(ring.times[ring.slotOf(s)]!));

  const chosen = select(ring.sorted(), query.filter);
  const read = async (tracks: readonly Track[]): Promise<FeedSeries[]> => {
    const out: FeedSeries[] = [];
    for (const track of tracks) {
      out.push(history(track, ring, from, seq));
      const wait = pause();
      if (wait !== undefined) await wait;
    }
    return out;
  };
  const series = await read(chosen.matched.slice(0, query.limit));
  const runtime = await read(chosen.runtime);

  const routes: FeedRoute[] = [];
  let selected: FeedSeries | null = null;
  for (const track of ring.routes.values()) {
    routes.push({
      id: track.id,
      name: track.name,
      route: track.tags.route!,
      method: track.tags.method ?? null,
      rate: latest(track, ring, seq, 0),
      p50: latest(track, ring, seq, 1),
      p99: latest(track, ring, seq, 2),
      errors: latest(track, ring, seq, 3),
    });
    if (track.id === query.route) selected = history(track, ring, from, seq);
  }

  // Samples taken while this yielded reuse the oldest slots: leave out what they overwrote.
  const cut = Math.max(0, ring.oldestSeq - from);
  if (cut > 0) {
    from += cut;
    t.splice(0, cut);
    for (const s of [...series, ...runtime, ...(selected === null ? [] : [selected])]) for (const d of s.data) d.splice(0, cut);
  }

  return {
    v: FEED_VERSION,
    title: context.title,
    ring: ring.id,
    now: Math.round(context.nowMs),
    intervalMs: context.intervalMs,
    historyMs: context.historyMs,
    seq,
    from,
    full,
    t,
    size: ring.size,
    tracked: ring.series.size,
    untracked: ring.untracked,
    matched: chosen.matched.length,
    limit: query.limit,
    series,
    runtime,
    routes,
    untrackedRoutes: ring.untrackedRoutes,
    route: selected,
  };
}
