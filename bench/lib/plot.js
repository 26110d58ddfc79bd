/**
 * The scale plot of docs/benchmarks.md, as a self-contained SVG (no library): bytes per
 * timer and export time per 1,000 timers against the number of timers (log scale), one
 * line per library, from one run's scale phase.
 */

const COLORS = { tapemeasure: '#0b6bcb', 'prom-client': '#d9480f', opentelemetry: '#2b8a3e', 'measured-core': '#862e9c' };
const W = 360;
const H = 240;
const M = { left: 58, right: 12, top: 30, bottom: 40 };

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
const fmt = (v) => (v === 0 ? '0' : v >= 10_000 ? `${Math.round(v / 1000)}k` : v >= 1000 ? `${(v / 1000).toFixed(1)}k` : v >= 10 ? v.toFixed(0) : v.toFixed(1));

/** A round axis maximum at or above `v`. */
function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** One panel: `series` is `[{ name, points: [[x, y], ...] }]`, x on a log scale. */
function panel(x0, title, yLabel, series, xs) {
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const lo = Math.log10(Math.min(...xs));
  const hi = Math.log10(Math.max(...xs));
  const yMax = niceMax(Math.max(...series.flatMap((s) => s.points.map((p) => p[1]))));
  const px = (x) => x0 + M.left + (hi === lo ? pw / 2 : ((Math.log10(x) - lo) / (hi - lo)) * pw);
  const py = (y) => M.top + ph - (y / yMax) * ph;
  const out = [`<text x="${x0 + W / 2}" y="16" text-anchor="middle" font-weight="bold">${esc(title)}</text>`];
  for (let i = 0; i <= 4; i++) {
    const y = (yMax * i) / 4;
    out.push(`<line x1="${x0 + M.left}" x2="${x0 + W - M.right}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/>`);
    out.push(`<text x="${x0 + M.left - 6}" y="${py(y) + 4}" text-anchor="end">${fmt(y)}</text>`);
  }
  for (const x of xs) out.push(`<text x="${px(x)}" y="${H - M.bottom + 16}" text-anchor="middle">${fmt(x)}</text>`);
  out.push(`<text x="${x0 + M.left + pw / 2}" y="${H - 6}" text-anchor="middle">timers (log scale)</text>`);
  out.push(`<text transform="translate(${x0 + 14} ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  for (const s of series) {
    const color = COLORS[s.lib] ?? '#555';
    const d = s.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    for (const p of s.points) out.push(`<circle cx="${px(p[0]).toFixed(1)}" cy="${py(p[1]).toFixed(1)}" r="3" fill="${color}"/>`);
  }
  return out.join('\n');
}

/**
 * The SVG of a run's scale phase (`run.scale`: `{ [count]: { [library]: result } }`).
 *
 * @param exportOf - which export each library is drawn with: `{ library: op }`.
 */
export function scalePlot(scale, exportOf) {
  const xs = Object.keys(scale).map(Number).sort((a, b) => a - b);
  const libs = [...new Set(xs.flatMap((n) => Object.keys(scale[n])))];
  const memory = libs.map((lib) => ({ lib, name: lib, points: xs.filter((n) => scale[n][lib]).map((n) => [n, scale[n][lib].bytesPerTimer]) }));
  const time = [];
  for (const lib of libs) {
    for (const op of exportOf[lib] ?? []) {
      const points = xs.filter((n) => scale[n][lib]?.exports[op]).map((n) => [n, (scale[n][lib].exports[op].ms / n) * 1000]);
      if (points.length > 0) time.push({ lib, name: `${lib} ${op.replace('export.', '')}`, points, dashed: time.some((t) => t.lib === lib) });
    }
  }
  const legend = [...memory.map((s) => ({ ...s, dashed: false })), ...time.filter((t) => t.dashed)];
  const legendY = H + 8;
  const items = legend.map((s, i) => {
    const x = 20 + (i % 4) * 180;
    const y = legendY + Math.floor(i / 4) * 18;
    const color = COLORS[s.lib] ?? '#555';
    const label = s.dashed ? s.name : s.lib;
    return `<line x1="${x}" x2="${x + 24}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/><text x="${x + 30}" y="${y + 4}">${esc(label)}</text>`;
  });
  const height = legendY + Math.ceil(legend.length / 4) * 18 + 6;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${height}" viewBox="0 0 ${2 * W} ${height}" font-family="sans-serif" font-size="11">`,
    '<rect width="100%" height="100%" fill="#fff"/>',
    panel(0, 'Memory per timer holding 100 values', 'bytes per timer', memory, xs),
    panel(W, 'Export time per 1,000 timers', 'ms per 1,000 timers', time, xs),
    ...items,
    '</svg>',
    '',
  ].join('\n');
}
