/** The table, as text for the terminal and as Markdown for docs/benchmarks.md. */

import { median, pairedRatio } from './stats.js';

const TM = 'tapemeasure';

function ns(v) {
  if (!Number.isFinite(v)) return '';
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)} ms`;
  if (v >= 1e4) return `${(v / 1e3).toFixed(1)} µs`;
  if (v >= 100) return `${v.toFixed(0)} ns`;
  return `${v.toFixed(1)} ns`;
}

function microRows(run, ops, libraries) {
  const header = ['operation', ...libraries.map((l) => l.key)];
  const rows = [];
  for (const [op, label] of ops) {
    const r = run.micro.results[op];
    if (r === undefined) continue;
    const cells = [label];
    for (const l of libraries) {
      const rounds = r[l.key];
      if (rounds === undefined) cells.push('—');
      else if (l.key === TM) cells.push(ns(median(rounds)));
      else cells.push(`${ns(median(rounds))} (${pairedRatio(rounds, r[TM]).toFixed(2)}x)`);
    }
    rows.push(cells);
  }
  return { header, rows };
}

/** A stretch: its wall time, and in brackets the main thread's own CPU time in it (probe.js), where known. */
function stretchCell(wallMs, cpuMs) {
  return cpuMs === undefined ? ms(wallMs) : `${ms(wallMs)} (CPU ${ms(cpuMs)})`;
}

function exportRows(run) {
  const header = ['library', 'export', 'median', 'vs tapemeasure JSON', 'longest event-loop stretch', 'output'];
  const rows = [];
  const json = run.export[`${TM} export.json`];
  for (const row of Object.values(run.export)) {
    rows.push([
      row.lib,
      row.op.replace('export.', ''),
      `${median(row.ms).toFixed(1)} ms`,
      json === undefined ? '' : `${pairedRatio(row.ms, json.ms).toFixed(2)}x`,
      stretchCell(Math.max(...row.maxGapMs), row.maxCpuGapMs.length === 0 ? undefined : Math.max(...row.maxCpuGapMs)),
      `${(row.size / 1e6).toFixed(1)} MB`,
    ]);
  }
  return { header, rows };
}

function memoryRows(run) {
  const header = ['library', 'idle timer', 'timer with 100 values', '(heap + array buffers)'];
  const rows = [];
  for (const [lib, m] of Object.entries(run.memory)) {
    const b = (v) => `${Math.round(v.total)} B`;
    rows.push([lib, b(m.idle), b(m.full), `${Math.round(m.full.heap)} + ${Math.round(m.full.arrayBuffers)}`]);
  }
  return { header, rows };
}

/** The libraries of the lead table, in column order, with the names users know them by. */
const GLANCE = [
  ['tapemeasure', 'tapemeasure'],
  ['prom-client', 'prom-client'],
  ['opentelemetry', 'OpenTelemetry'],
  ['measured-core', 'measured'],
  ['hot-shots', 'hot-shots'],
];

const bytes = (v) => (v >= 10_000 ? `${(v / 1024).toFixed(1)} KB` : `${Math.round(v).toLocaleString('en-US')} B`);
const ms = (v) => `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ms`;
/** A peer's cell: its value and how many times tapemeasure's it is (above 1: tapemeasure is better). */
const vs = (text, ratio) => (Number.isFinite(ratio) ? `${text} (${ratio.toFixed(1)}x)` : text);

/** The one table a user reads first: hot paths, memory, export, at scale; every peer beside us. */
function glanceRows(run) {
  const header = ['', ...GLANCE.map(([, label]) => label)];
  const rows = [];
  const micro = (op, label) => {
    const r = run.micro?.results?.[op];
    if (r?.[TM] === undefined) return;
    rows.push([label, ...GLANCE.map(([key]) => (r[key] === undefined ? '—' : key === TM ? ns(median(r[key])) : vs(ns(median(r[key])), pairedRatio(r[key], r[TM]))))]);
  };
  micro('counter.inc', 'counter inc');
  micro('counter.tagged.lookup', 'counter inc, 3 tags looked up per call');
  micro('histogram.record', 'histogram record');
  micro('timer.time.sync', 'time(syncFn)');
  const mem = run.memory;
  if (mem?.[TM] !== undefined) {
    for (const [kind, label] of [['idle', 'memory: idle timer'], ['full', 'memory: timer holding 100 values']]) {
      const t = mem[TM][kind].total;
      rows.push([label, ...GLANCE.map(([key]) => (mem[key] === undefined ? '—' : key === TM ? bytes(t) : vs(bytes(mem[key][kind].total), mem[key][kind].total / t)))]);
    }
  }
  const ex = run.export;
  const ours = ex?.[`${TM} export.prometheus`];
  if (ours !== undefined) {
    const cell = (key, pick) => {
      if (key === TM) return pick(ours);
      const row = ex[`${key} export.native`];
      return row === undefined ? '—' : vs(pick(row), pick === stretch ? Math.max(...row.maxGapMs) / Math.max(...ours.maxGapMs) : pairedRatio(row.ms, ours.ms));
    };
    const time = (row) => ms(median(row.ms));
    const stretch = (row) => ms(Math.max(...row.maxGapMs));
    rows.push([`export of ${run.config.exportTimers.toLocaleString('en-US')} timers (ours: Prometheus text)`, ...GLANCE.map(([key]) => cell(key, time))]);
    rows.push(['longest event-loop stretch during that export', ...GLANCE.map(([key]) => cell(key, stretch))]);
  }
  const sizes = Object.keys(run.scale ?? {}).map(Number).sort((a, b) => a - b);
  const top = sizes.at(-1);
  if (top !== undefined && run.scale[top][TM] !== undefined) {
    const at = run.scale[top];
    const n = top.toLocaleString('en-US');
    const t = at[TM];
    rows.push([`memory per timer at ${n} timers`, ...GLANCE.map(([key]) => (at[key] === undefined ? '—' : key === TM ? bytes(t.bytesPerTimer) : vs(bytes(at[key].bytesPerTimer), at[key].bytesPerTimer / t.bytesPerTimer)))]);
    const ourEx = t.exports['export.prometheus'];
    if (ourEx !== undefined) {
      rows.push([`export of ${n} timers (ours: Prometheus text)`, ...GLANCE.map(([key]) => {
        const e = key === TM ? ourEx : at[key]?.exports['export.native'];
        return e === undefined ? '—' : key === TM ? ms(e.ms) : vs(ms(e.ms), e.ms / ourEx.ms);
      })]);
    }
  }
  return { header, rows };
}

/** Memory and time per timer from the smallest to the largest registry, per library. */
function scaleRows(run) {
  const header = ['timers', 'library', 'bytes per timer', 'create + fill, per 1,000', 'export', 'per 1,000 timers', 'longest stretch', 'output'];
  const rows = [];
  for (const n of Object.keys(run.scale).map(Number).sort((a, b) => a - b)) {
    for (const [lib, r] of Object.entries(run.scale[n])) {
      for (const [op, e] of Object.entries(r.exports)) {
        rows.push([
          n.toLocaleString('en-US'), lib, bytes(r.bytesPerTimer), ms((r.fillMs / n) * 1000), op.replace('export.', ''),
          ms((e.ms / n) * 1000), stretchCell(e.maxGapMs, e.maxCpuGapMs), `${(e.size / 1e6).toFixed(1)} MB`,
        ]);
      }
    }
  }
  return { header, rows };
}

function textTable({ header, rows }) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function mdTable({ header, rows }) {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function sections(run, ops, libraries, table) {
  const out = [];
  const glance = glanceRows(run);
  if (glance.rows.length > 0) {
    out.push(['At a glance (in brackets: how many times tapemeasure\'s figure the peer\'s is; above 1, tapemeasure is faster or smaller)', table(glance)]);
  }
  if (run.micro !== undefined) {
    out.push(['Hot paths: median ns/op (peer / tapemeasure, paired per round; above 1 means tapemeasure is faster)', table(microRows(run, ops, libraries))]);
  }
  if (run.export !== undefined) out.push([`Export of ${run.config.exportTimers} timers holding 100 values each`, table(exportRows(run))]);
  if (run.memory !== undefined) out.push([`Memory per timer (after forced GC, mean of ${run.config.memoryCount})`, table(memoryRows(run))]);
  if (run.scale !== undefined) {
    out.push([`Scale: ${Object.keys(run.scale).map((n) => Number(n).toLocaleString('en-US')).join(', ')} timers holding 100 values each`, table(scaleRows(run))]);
  }
  if (run.targets.length > 0) {
    out.push(['Targets', table({ header: ['target', 'measured', 'status'], rows: run.targets.map((b) => [b.line, b.measured, b.status]) })]);
  }
  for (const e of run.extra ?? []) out.push([`bench/${e.file} (exit ${e.code})`, e.stdout.trim()]);
  return out;
}

export function renderText(run, ops, libraries) {
  const head = `tapemeasure benchmarks — ${run.date}, Node ${run.node}, ${run.cpu}, load ${run.loadAverage.map((v) => v.toFixed(2)).join(' ')}${run.quick ? ' (QUICK smoke run: numbers are meaningless)' : ''}, ${run.elapsedS.toFixed(0)} s\n`;
  return `${head}\n${sections(run, ops, libraries, textTable).map(([t, body]) => `${t}\n\n${body}\n`).join('\n')}`;
}

/** The file name of the scale plot beside docs/benchmarks.md. */
export const PLOT_FILE = 'benchmarks-scale.svg';

export function renderMarkdown(run, ops, libraries) {
  const all = sections(run, ops, libraries, mdTable);
  const glance = all.length > 0 && all[0][0].startsWith('At a glance') ? all.shift() : null;
  const parts = [
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench:docs` (node bench/run.js --docs); the reading at the end is written by hand from this run. -->',
    '',
    `Run of ${run.date} on Node ${run.node} (V8 ${run.v8}), ${run.cpu}, ${run.platform}; load average at start ${run.loadAverage.map((v) => v.toFixed(2)).join(' ')}; ${run.elapsedS.toFixed(0)} s in all.`,
    'Reproduce with `npm run bench`. These machines are shared and noisy: read the ratios, which are',
    'measured pairwise in the same rounds, more than the absolute times.',
    '',
  ];
  if (glance !== null) parts.push(`## ${glance[0]}`, '', glance[1], '');
  if (run.scale !== undefined) {
    parts.push(`![Memory per timer and export time per 1,000 timers, from 1,000 to 100,000 timers, for each library](${PLOT_FILE})`, '');
  }
  parts.push(
    '## Method',
    '',
    '- Each library runs in its own worker thread, so it has its own copy of every module:',
    "  tapemeasure's hdr-histogram-js and the raw floor's never share code or inline caches.",
    '- Each (library, operation) pair has its own loop, compiled from source with `new Function`, so',
    '  every call site in it sees one shape. Every result is consumed (summed and sent back).',
    `- Warm-up: the batch grows until it takes ${run.config.batchMs} ms, then runs for ${run.config.warmMs} ms more.`,
    `- Then ${run.config.rounds} rounds, round-robin across the libraries with the first library rotated each round.`,
    '  A cell is the median ns/op over the rounds; the ratio is the median over rounds of',
    '  (peer / tapemeasure) measured in the same round.',
    '- The floors: a plain JS number (a field of an object) for counters, gauges and meters; a raw',
    '  `hdr-histogram-js` histogram (32-bit counts, 2 significant digits, ms scaled to µs) for records;',
    '  two `performance.now()` reads plus one record for `time(fn)`.',
    '- Peers: prom-client (histograms, default buckets), measured-core, hot-shots (batched,',
    '  `maxBufferSize` 8192, over UDP to a loopback sink), @opentelemetry/sdk-metrics 2.x (explicit-bucket',
    '  histograms, one pull reader). A dash: the library has no such operation. OpenTelemetry and the',
    '  floor have no timer, so `time(fn)` is written by hand.',
    '- Export: every library holds the same timers, each fed the same 100 values (0.01 ms to 1.5 s,',
    '  log-spaced). tapemeasure runs the paths users run: `registry.snapshot()` of every timer (all',
    '  statistics; compared with OpenTelemetry\'s `collect()`, which computes no quantiles),',
    '  `renderMetrics()` for each format, one `GET /metrics` from `serveMetrics()` over loopback (plain,',
    '  and gzipped as Prometheus asks for it; its output column is the compressed size), and',
    '  `report()` of a real `StatsdReporter` (its default interval statistics: the 100 values are',
    '  recorded again, untimed, before each report) and `GraphiteReporter`, over a transport that',
    '  counts each record\'s UTF-8 bytes and lets it go, as a socket does once it is sent.',
    '  Peers serialise in their own format. The event-loop stretch is the longest gap a',
    '  `setImmediate` probe saw during the export (the worst of the rounds); in brackets, the',
    '  longest gap less the time the thread waited for a core (Linux `/proc/thread-self/schedstat`):',
    '  what the stretch would be on a quiet machine. The targets are judged on the wall time.',
    '- Memory: a fresh process per library and case (`--expose-gc`), heap used plus array buffers',
    '  (HDR counts live off-heap), before and after creating the timers, divided by their number.',
    '- Scale: a fresh process per library and size creates and fills the timers (timed), measures',
    '  their memory, then runs each export once to compile it and three times measured (once',
    '  when a run takes over 10 s), keeping the run with the median stretch.',
    '',
  );
  for (const [title, body] of all) {
    parts.push(`## ${title}`, '', body.includes('|') || !body ? body : `\`\`\`\n${body}\n\`\`\``, '');
  }
  parts.push('## Reading', '', '<!-- READING -->', '');
  return parts.join('\n');
}
