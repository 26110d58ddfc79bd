/** The performance bar of issue 3, checked against one run's paired ratios. */

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

export function checkBar(run) {
  const lines = [];
  const m = run.micro;
  const add = (line, measured, verdict) => lines.push({ line, measured, status: verdict });
  if (m !== undefined) {
    for (const [op, what] of [['counter.inc', 'counter inc'], ['gauge.set', 'gauge set'], ['meter.mark', 'meter mark']]) {
      const r = ratio(m, op, TM, 'floor');
      add(`${what} within 1.3x of the plain-number floor`, `tapemeasure / floor = ${x(r)}`, atMost(r, 1.3));
    }
    for (const [op, what] of [['histogram.record', 'histogram record'], ['timer.update', 'timer update']]) {
      const f = ratio(m, op, TM, 'floor');
      add(`${what} no slower than raw hdr-histogram-js`, `tapemeasure / floor = ${x(f)}`, atMost(f, 1));
      for (const peer of ['measured-core', 'opentelemetry']) {
        const p = ratio(m, op, peer, TM);
        add(`${what} at least 1.5x faster than ${peer}`, `${peer} / tapemeasure = ${x(p)}`, atLeast(p, 1.5));
      }
    }
    const s = ratio(m, 'timer.time.sync', TM, 'floor');
    add('time(syncFn) at most two clock reads plus one record', `tapemeasure / floor = ${x(s)}`, atMost(s, 1));
    const a = ratio(m, 'timer.time.async', TM, 'opentelemetry');
    add("time(asyncFn) no slower than OpenTelemetry's equivalent", `tapemeasure / opentelemetry = ${x(a)}`, atMost(a, 1));
    const held = pairedRatio(m.results['counter.tagged.handle']?.[TM] ?? [], m.results['counter.inc']?.[TM] ?? []);
    add('tagged inc through a held handle within 1.3x of untagged', `held / untagged = ${x(held)}`, atMost(held, 1.3));
    const lookup = ratio(m, 'counter.tagged.lookup', 'prom-client', TM);
    add('tagged lookup per call at least 1.5x faster than prom-client', `prom-client / tapemeasure = ${x(lookup)}`, atLeast(lookup, 1.5));
    const q = ratio(m, 'histogram.quantiles', TM, 'floor');
    add("all statistics in one pass faster than the floor's two getValueAtPercentile", `tapemeasure / floor = ${x(q)}`, atMost(q, 1));
  }
  const e = run.export;
  if (e !== undefined) {
    const peers = Object.values(e).filter((row) => row.lib !== TM);
    const tms = Object.values(e).filter((row) => row.lib === TM);
    for (const row of tms) {
      let best = null;
      for (const p of peers) {
        const r = pairedRatio(row.ms, p.ms);
        if (best === null || r > best.r) best = { r, lib: p.lib };
      }
      if (best !== null) {
        // The fastest peer is the one whose ratio tapemeasure/peer is largest.
        add(`export (${row.op.replace('export.', '')}) faster than the fastest peer`, `tapemeasure / ${best.lib} = ${x(best.r)}`, atMost(best.r, 1));
      }
      const gap = Math.max(...row.maxGapMs);
      add(`export (${row.op.replace('export.', '')}) never blocks the event loop over 50 ms`, `longest stretch ${gap.toFixed(1)} ms`, status(gap <= 50, false));
    }
  }
  const mem = run.memory?.[TM];
  if (mem !== undefined) {
    add('idle timer at most 1 KB', `${mem.idle.total.toFixed(0)} B`, status(mem.idle.total <= 1024, false));
    add('timer holding 100 values at most 8 KB', `${mem.full.total.toFixed(0)} B`, status(mem.full.total <= 8192, false));
  }
  const statsd = run.extra?.find((e) => e.message?.statsdThroughput !== undefined)?.message.statsdThroughput;
  const batched = Object.entries(statsd?.clients ?? {}).find(([k]) => k.includes('hot-shots') && k.includes('batched'));
  if (batched !== undefined) {
    const r = batched[1].speedupOfTapemeasure;
    add("StatsD client at least 2x hot-shots' batched throughput", `tapemeasure / ${batched[0]} = ${x(r)}`, atLeast(r, 2));
  }
  return lines;
}
