/**
 * Export rows for the wire formats in dist/formats/: each is optional and loaded only
 * if built, so the harness runs whichever formats exist. Every row serialises every
 * series of the registry the way its reporter would, from the public metric API.
 */

import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setImmediate } from 'node:timers';
import { URL } from 'node:url';
import { graphiteExports } from './graphite.js';
import { existsSync } from 'node:fs';

const dist = new URL('../../dist/formats/', import.meta.url);

async function optional(file) {
  const url = new URL(file, dist);
  if (!existsSync(url)) return null;
  try {
    return await import(url.href);
  } catch (error) {
    process.emitWarning(`bench: cannot load dist/formats/${file}: ${String(error)}`);
    return null;
  }
}

/** Yields to the event loop whenever `budgetMs` has passed since the last yield. */
function yielder(budgetMs) {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < budgetMs) return;
    await new Promise((resolve) => setImmediate(resolve));
    since = performance.now();
  };
}

export async function formatExports(registry, clock) {
  const out = {};
  // What GET /metrics serves for Prometheus: read, formatted and encoded in 8 ms slices.
  const http = await import('../../dist/exposition/handler.js').catch(() => null);
  if (typeof http?.renderMetrics === 'function') {
    out['export.prometheus'] = { run: () => http.renderMetrics(registry, 'prometheus') };
  }
  const statsd = await optional('statsd.js');
  if (typeof statsd?.StatsdFormat === 'function') {
    const format = new statsd.StatsdFormat();
    const SUFFIXES = [
      ['m1Rate', '.m1_rate'],
      ['m5Rate', '.m5_rate'],
      ['m15Rate', '.m15_rate'],
      ['meanRate', '.mean_rate'],
      ...['min', 'max', 'mean', 'stddev', 'p50', 'p75', 'p95', 'p98', 'p99', 'p999'].map((s) => [s, `.${s}`]),
    ];
    // As StatsdReporter formats a report: series by series, yielding every 8 ms.
    out['export.statsd'] = {
      run: async () => {
        // Lines leave in batches (as the transport packs them into datagrams), never as
        // one 5 MB string.
        const pause = yielder(8);
        const batches = [];
        let lines = [];
        for (const m of registry.metrics()) {
          const s = m.snapshot();
          const series = format.series(m.name, m.tags);
          lines.push(format.line(series, '.count', s.count, 'c'));
          for (const [key, suffix] of SUFFIXES) {
            const v = s[key];
            if (v !== null && v !== undefined) {
              const record = format.gauge(series, suffix, v);
              if (record !== null) lines.push(record);
            }
          }
          if (lines.length >= 1000) {
            batches.push(lines.join('\n'));
            lines = [];
          }
          await pause();
        }
        batches.push(lines.join('\n'));
        return batches.reduce((bytes, batch) => bytes + batch.length + 1, 0);
      },
    };
  }
  // Graphite plaintext and pickle, built the way GraphiteReporter builds them (bench/formats/graphite.js).
  Object.assign(out, await graphiteExports(registry, clock));
  return out;
}
