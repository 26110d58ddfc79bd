/**
 * The targets tapemeasure holds itself to, checked against one run's paired ratios: each
 * line says what a user can count on, what this run measured, and whether it held.
 */

import { pairedRatio } from './stats.js';

const TM = 'tapemeasure';

function ratio(micro, op, a, b) {
  const rows = micro?.results?.[op];
  if (rows === undefined || rows[a] === undefined || rows[b] === undefined) return NaN;
  return pairedRatio(rows[a], rows[b]);
}

/** A ratio within 5% past the limit is reported as "within noise", not as met. */
function status(ok, nearlyOk) {
  if (ok === null) return 'n/a';
  return ok ? 'met' : nearlyOk ? 'within noise' : 'MISSED';
}

function atMost(value, limit) {
  return Number.isNaN(value) ? status(null) : status(value <= limit, value <= limit * 1.05);
}

function atLeast(value, limit) {
  return Number.isNaN(value) ? status(null) : status(value >= limit, value >= limit / 1.05);
}

const x = (v) => (Number.isNaN(v) ? 'n/a' : `${v.toFixed(2)}x`);

export function checkTargets(run) {
  const lines = [];
  const m = run.micro;
  const add = (line, measured, verdict) => lines.push({ line, measured, status: verdict });
  if (m !== undefined) {
    for (const [op, what] of [['counter.inc', 'counter inc'], ['gauge.set', 'gauge set'], ['meter.mark', 'meter mark']]) {
      const r = ratio(m, op, TM, 'floor');
      add(`${what} costs at most 1.3x a plain field update`, `tapemeasure / floor = ${x(r)}`, atMost(r, 1.3));
    }
    for (const [op, what] of [['histogram.record', 'histogram record'], ['timer.update', 'timer update']]) {
      const f = ratio(m, op, TM, 'floor');
      add(`${what} no slower than a raw hdr-histogram-js record`, `tapemeasure / floor = ${x(f)}`, atMost(f, 1));
      for (const peer of ['measured-core', 'opentelemetry']) {
        const p = ratio(m, op, peer, TM);
        add(`${what} at least 1.5x faster than ${peer}`, `${peer} / tapemeasure = ${x(p)}`, atLeast(p, 1.5));
      }
    }
    const s = ratio(m, 'timer.time.sync', TM, 'floor');
    add('time(syncFn) costs at most two clock reads plus one record', `tapemeasure / floor = ${x(s)}`, atMost(s, 1));
    const a = ratio(m, 'timer.time.async', TM, 'opentelemetry');
    add("time(asyncFn) no slower than OpenTelemetry's equivalent", `tapemeasure / opentelemetry = ${x(a)}`, atMost(a, 1));
    const held = pairedRatio(m.results['counter.tagged.handle']?.[TM] ?? [], m.results['counter.inc']?.[TM] ?? []);
    add('a tagged counter through a held handle costs at most 1.3x an untagged one', `held / untagged = ${x(held)}`, atMost(held, 1.3));
    const lookup = ratio(m, 'counter.tagged.lookup', 'prom-client', TM);
    add('looking up 3 tags on every call at least 1.5x faster than prom-client', `prom-client / tapemeasure = ${x(lookup)}`, atLeast(lookup, 1.5));
    const q = ratio(m, 'histogram.quantiles', TM, 'floor');
    add("every statistic of 100,000 values faster than hdr-histogram-js' p50 + p99", `tapemeasure / floor = ${x(q)}`, atMost(q, 1));
  }
  const e = run.export;
  if (e !== undefined) {
    const peers = Object.values(e).filter((row) => row.lib !== TM);
    const snapshot = e[`${TM} export.snapshot`];
    const collect = e['opentelemetry export.collect'];
    if (snapshot !== undefined && collect !== undefined) {
      const r = pairedRatio(snapshot.ms, collect.ms);
      add(
        "reading every timer (all statistics) at most 0.7x OpenTelemetry's collect() (no quantiles)",
        `tapemeasure / opentelemetry = ${x(r)}`,
        atMost(r, 0.7),
      );
    }
    for (const row of Object.values(e).filter((r) => r.lib === TM)) {
      const what = row.op.replace('export.', '');
      // The gzipped scrape is compressed, which no peer's export is: compared for stretches only.
      if (what !== 'snapshot' && what !== 'http-gzip') {
        let best = null;
        for (const p of peers.filter((p) => p.op === 'export.native')) {
          const r = pairedRatio(row.ms, p.ms);
          if (best === null || r > best.r) best = { r, lib: p.lib };
        }
        // The fastest peer is the one whose ratio tapemeasure/peer is largest.
        if (best !== null) add(`export (${what}) faster than the fastest peer's`, `tapemeasure / ${best.lib} = ${x(best.r)}`, atMost(best.r, 1));
      }
      if (what === 'snapshot') continue;
      const gap = Math.max(...row.maxGapMs);
      add(`export (${what}) never holds the event loop over 20 ms`, `longest stretch ${gap.toFixed(1)} ms`, status(gap <= 20, gap <= 21));
    }
  }
  const mem = run.memory?.[TM];
  if (mem !== undefined) {
    add('an idle timer takes at most 512 B', `${mem.idle.total.toFixed(0)} B`, status(mem.idle.total <= 512, mem.idle.total <= 540));
    add('a timer holding 100 values takes at most 1.5 KB, its window included', `${mem.full.total.toFixed(0)} B`, status(mem.full.total <= 1536, mem.full.total <= 1610));
  }
  // The stretch targets at scale (the snapshot row is the synchronous read every export
  // slices; it is compared for speed above, not for stretches).
  for (const [n, rows] of Object.entries(run.scale ?? {})) {
    const tm = rows[TM];
    if (tm === undefined || Number(n) < 10_000) continue;
    for (const [op, ex] of Object.entries(tm.exports)) {
      if (op === 'export.snapshot') continue;
      add(`export (${op.replace('export.', '')}) of ${Number(n).toLocaleString('en-US')} timers never holds the event loop over 20 ms`, `longest stretch ${ex.maxGapMs.toFixed(1)} ms`, status(ex.maxGapMs <= 20, ex.maxGapMs <= 21));
    }
  }
  const statsd = run.extra?.find((e) => e.message?.statsdThroughput !== undefined)?.message.statsdThroughput;
  const batched = Object.entries(statsd?.clients ?? {}).find(([k]) => k.includes('hot-shots') && k.includes('batched'));
  if (batched !== undefined) {
    const r = batched[1].speedupOfTapemeasure;
    add("StatsD client at least 2x hot-shots' batched throughput", `tapemeasure / ${batched[0]} = ${x(r)}`, atLeast(r, 2));
  }
  return lines;
}
