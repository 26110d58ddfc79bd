/**
 * The soak's arithmetic, pure and tested (test/soak/accounting.test.ts): series identities
 * across wires, the loss ledger of a channel, the heap trend, percentiles, the table.
 */

/** A time interval `[fromMs, toMs]` (epoch ms) during which loss on the wire is unknowable to the sender. */
export type RiskWindow = { readonly fromMs: number; readonly toMs: number; readonly why: string };

/** etsy StatsD's keyNameSanitize (stats.js), applied to both sides of a comparison. */
function sanitize(key: string): string {
  return key.replace(/\s+/g, '_').replace(/\//g, '-').replace(/[^a-zA-Z_\-0-9.;=]/g, '');
}

/**
 * A name or tag as tapemeasure wrote it on a wire, decoded back: StatsD's reversible
 * `_XX` escapes (`/work` is sent as `_2Fwork`) and Graphite's `%XX` ones.
 */
function unescapeWire(text: string): string {
  try {
    return decodeURIComponent(text.replace(/_([0-9A-F]{2})/g, '%$1'));
  } catch {
    return text;
  }
}

/**
 * One identity for a counted series on every wire: `name;k=v;...` with tags sorted, the
 * reporter's prefix and the `.count` suffix taken off, tapemeasure's wire escapes decoded,
 * sanitized as etsy StatsD does (so a key read back from its flushes, a Graphite path and
 * a registry series compare equal).
 */
export function seriesIdentity(key: string, prefix?: string, ignoreTag?: string): string {
  return identityOf(key.split(';').map(unescapeWire), prefix, ignoreTag);
}

function identityOf(parts: readonly string[], prefix?: string, ignoreTag?: string): string {
  const [base0, ...all] = parts;
  const tags = ignoreTag === undefined ? all : all.filter((t) => !t.startsWith(`${ignoreTag}=`));
  let base = base0!;
  if (prefix !== undefined && base.startsWith(`${prefix}.`)) base = base.slice(prefix.length + 1);
  base = base.replace(/\.count$/, '');
  return sanitize([base, ...tags.filter((t) => t !== '').sort()].join(';'));
}

/** The identity of a registry series. */
export function recordedIdentity(name: string, tags: Readonly<Record<string, string>>): string {
  const parts = Object.keys(tags).map((k) => `${k}=${tags[k]!}`);
  return identityOf([name, ...parts]);
}

/** What the tap kept of one StatsD channel's counts, per key as sent. */
export type CountLedger = Readonly<
  Record<string, { readonly accepted: number; readonly outstanding: number; readonly acceptedAt: readonly (readonly [number, number])[] }>
>;

/** The events of one counted channel, in events (counter increments, marks, records). */
export type CountAccount = {
  /** Recorded by tapemeasure (the registry's counts at the end). */
  readonly recorded: number;
  /** Handed to the transport and accepted by it. */
  readonly accepted: number;
  /** Stored by the server. */
  readonly delivered: number;
  /** Refused by the transport and still carried at the end: dropped, and counted (a dropped line). */
  readonly droppedCounted: number;
  /** Accepted, not delivered, and accepted inside a risk window: unknowable to the sender. */
  readonly lostUnknowable: number;
  /** Accepted, not delivered, outside every risk window. Must be 0. */
  readonly lostUncounted: number;
  /** Recorded but neither accepted nor carried: lost inside tapemeasure. Must be 0. */
  readonly lostBeforeWire: number;
  /** Delivered more than accepted (duplicates, or forged series). Must be 0. */
  readonly forged: number;
  /** Per-series detail of anything that is not exact. */
  readonly problems: readonly string[];
};

/**
 * Accounts one StatsD-like channel (counts as deltas): per series, recorded =
 * accepted + carried, and accepted - delivered is explained by the risk windows.
 *
 * @param recorded - identity -> count recorded.
 * @param ledger - the tap's ledger (keys as sent, with `prefix`).
 * @param delivered - keys as stored by the server -> summed value.
 * @param windows - when loss on the wire is unknowable.
 * @param bucketMs - the ledger's time resolution: a bucket counts as at risk if it overlaps a window.
 * @param track - which server keys are counted series (the tap's predicate): any such key
 *   the sender never sent is forged.
 * @param ignoreTag - a global tag of the channel, left out of identities.
 */
export function accountCounts(
  recorded: ReadonlyMap<string, number>,
  ledger: CountLedger,
  delivered: ReadonlyMap<string, number>,
  prefix: string,
  windows: readonly RiskWindow[],
  bucketMs: number,
  track: (key: string) => boolean,
  ignoreTag?: string,
): CountAccount {
  const sent = new Map<string, { accepted: number; outstanding: number; atRisk: number }>();
  for (const [key, e] of Object.entries(ledger)) {
    const id = seriesIdentity(key, prefix, ignoreTag);
    const s = sent.get(id) ?? { accepted: 0, outstanding: 0, atRisk: 0 };
    s.accepted += e.accepted;
    s.outstanding += e.outstanding;
    for (const [t, v] of e.acceptedAt) if (windows.some((w) => t + bucketMs >= w.fromMs && t <= w.toMs)) s.atRisk += v;
    sent.set(id, s);
  }
  const got = new Map<string, number>();
  for (const [key, v] of delivered) {
    if (!key.startsWith(`${prefix}.`) || !track(key)) continue;
    const id = seriesIdentity(key, prefix, ignoreTag);
    got.set(id, (got.get(id) ?? 0) + v);
  }
  let rec = 0, acc = 0, del = 0, dropped = 0, unknowable = 0, uncounted = 0, before = 0, forged = 0;
  const problems: string[] = [];
  const ids = new Set([...recorded.keys(), ...sent.keys(), ...got.keys()]);
  for (const id of [...ids].sort()) {
    const r = recorded.get(id) ?? 0;
    const s = sent.get(id) ?? { accepted: 0, outstanding: 0, atRisk: 0 };
    const d = got.get(id) ?? 0;
    rec += r;
    acc += s.accepted;
    del += d;
    dropped += s.outstanding;
    const lostInside = r - s.accepted - s.outstanding;
    if (lostInside > 0) before += lostInside;
    if (lostInside < 0) forged += -lostInside;
    const lost = s.accepted - d;
    if (lost < 0) forged += -lost;
    const explained = Math.min(Math.max(lost, 0), s.atRisk);
    unknowable += explained;
    uncounted += Math.max(lost, 0) - explained;
    if (lostInside !== 0 || lost - explained > 0 || lost < 0) {
      problems.push(`${id}: recorded ${r}, accepted ${s.accepted}, carried ${s.outstanding}, delivered ${d}, at risk ${s.atRisk}`);
    }
  }
  return {
    recorded: rec,
    accepted: acc,
    delivered: del,
    droppedCounted: dropped,
    lostUnknowable: unknowable,
    lostUncounted: uncounted,
    lostBeforeWire: before,
    forged,
    problems,
  };
}

/** One point the tap saw accepted: `[timestampS, value, acceptedAtMs]`. */
export type PointLedger = Readonly<Record<string, readonly (readonly [number, number, number])[]>>;

/** The datapoints of a Graphite channel (counts as cumulative values, one point per report). */
export type PointAccount = {
  /** Points of the counted series accepted by the transport. */
  readonly accepted: number;
  /** Of those, stored by carbon with the value sent. */
  readonly stored: number;
  /** Points refused by the transport (dropped, counted). */
  readonly droppedCounted: number;
  /** Accepted, not stored, inside a risk window. */
  readonly lostUnknowable: number;
  /** Accepted, not stored, outside every risk window. Must be 0. */
  readonly lostUncounted: number;
  /** Stored points whose value no report sent at that second. Must be 0. */
  readonly forged: number;
  /** Sum over series of the last stored cumulative count (must equal what was recorded). */
  readonly finalCount: number;
  readonly problems: readonly string[];
};

/**
 * Accounts a Graphite channel: each accepted point must be in whisper with its value
 * (the last one sent for that second), unless it was accepted in a risk window.
 *
 * @param stored - path -> whisper points `[ts, value]`.
 */
export function accountPoints(
  ledger: PointLedger,
  stored: ReadonlyMap<string, readonly (readonly [number, number])[]>,
  refusedPoints: number,
  windows: readonly RiskWindow[],
): PointAccount {
  let accepted = 0, ok = 0, unknowable = 0, uncounted = 0, forged = 0, finalCount = 0;
  const problems: string[] = [];
  for (const [path, points] of Object.entries(ledger)) {
    const whisper = new Map(stored.get(path) ?? []);
    const sentAt = new Map(points.map(([ts, v]) => [ts, v]));
    let missing: number[] = [];
    for (const [ts, value, atMs] of points) {
      accepted++;
      if (whisper.get(ts) === value) {
        ok++;
        continue;
      }
      if (windows.some((w) => atMs >= w.fromMs && atMs <= w.toMs)) unknowable++;
      else {
        uncounted++;
        missing.push(ts);
      }
    }
    for (const [ts, v] of whisper) if (sentAt.get(ts) !== v) forged++;
    const last = [...whisper].sort((a, b) => a[0] - b[0]).at(-1);
    finalCount += last?.[1] ?? 0;
    if (missing.length > 0) {
      missing = missing.slice(0, 5);
      problems.push(`${path}: accepted points not stored at ${missing.join(', ')}`);
    }
  }
  return { accepted, stored: ok, droppedCounted: refusedPoints, lostUnknowable: unknowable, lostUncounted: uncounted, forged, finalCount, problems };
}

/** Least-squares slope of `y` over `x` (per unit of x); 0 for fewer than 2 points. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0, den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** The heap verdict: samples after a full GC, `[ms, bytes]` flattened. */
export type HeapTrend = {
  readonly startBytes: number;
  readonly afterWarmupBytes: number;
  readonly endBytes: number;
  /** Fitted growth over the measured span (slope × span), in bytes. */
  readonly fittedGrowthBytes: number;
  /** The bound the growth is held to. */
  readonly boundBytes: number;
  readonly trend: boolean;
};

/**
 * Fits a line through the post-GC heap samples after `warmupMs` and calls it a trend
 * when the fitted growth over that span exceeds max(`minBoundBytes`, 10% of the heap
 * after warm-up) and the end sample is above the warm-up one by more than half of it.
 */
export function heapTrend(flat: readonly number[], warmupMs: number, minBoundBytes = 4 * 1024 * 1024): HeapTrend {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    if (flat[i]! >= warmupMs) {
      xs.push(flat[i]!);
      ys.push(flat[i + 1]!);
    }
  }
  const startBytes = flat[1] ?? 0;
  const afterWarmupBytes = ys[0] ?? startBytes;
  const endBytes = flat.at(-1) ?? startBytes;
  const span = xs.length > 1 ? xs.at(-1)! - xs[0]! : 0;
  const fittedGrowthBytes = slope(xs, ys) * span;
  const boundBytes = Math.max(minBoundBytes, 0.1 * afterWarmupBytes);
  const trend = fittedGrowthBytes > boundBytes && endBytes - afterWarmupBytes > boundBytes / 2;
  return { startBytes, afterWarmupBytes, endBytes, fittedGrowthBytes, boundBytes, trend };
}

/** The `q`-quantile (0..1) of `values` by nearest rank; null when empty. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** A loop gap seen by the service's 10 ms ticker. */
export type LoopBlock = { readonly atMs: number; readonly gapMs: number; readonly cpuMs: number; readonly scrapesInFlight: number };

/**
 * A gap over `limitMs` is the process's own work (attributed to tapemeasure: nothing else
 * runs on that loop but an O(1) handler and the soak's O(1) monitors) when the process
 * used more than `limitMs` of CPU during it: the loop ran that long without reaching its
 * timers. A gap with less CPU than that was the process waiting for a core (host
 * contention), which no library can cause or prevent. Counting all of the process's CPU
 * (GC and libuv threads too) errs towards blaming tapemeasure.
 */
export function attributeBlocks(blocks: readonly LoopBlock[], limitMs = 50): { onCpu: LoopBlock[]; offCpu: LoopBlock[] } {
  const onCpu: LoopBlock[] = [];
  const offCpu: LoopBlock[] = [];
  for (const b of blocks) {
    if (b.gapMs <= limitMs) continue;
    if (b.cpuMs > limitMs) onCpu.push(b);
    else offCpu.push(b);
  }
  return { onCpu, offCpu };
}

/** Renders rows as a fixed-width text table (first row: the header). */
export function renderTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]): string => `| ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w, c) => (c === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}
