/**
 * Export rows for the wire formats in dist/formats/: each is optional and loaded only
 * if built, so the harness runs whichever formats exist. Every row serialises every
 * series of the registry the way its reporter would, from the public metric API.
 */

import process from 'node:process';
import { existsSync } from 'node:fs';
import { URL } from 'node:url';
import { graphiteExports } from './graphite.js';
import { distDir, fromDist } from '../registry.js';

async function optional(file) {
  if (!existsSync(new URL(file, distDir))) return null;
  try {
    return await fromDist(file);
  } catch (error) {
    process.emitWarning(`bench: cannot load ${file} of the build: ${String(error)}`);
    return null;
  }
}

export async function formatExports(registry, clock) {
  const out = {};
  const { renderMetrics } = await fromDist('index.js');
  // What GET /metrics serves for Prometheus and OpenMetrics: read, formatted and encoded in 8 ms slices.
  out['export.prometheus'] = { run: () => renderMetrics({ registry, format: 'prometheus' }) };
  out['export.openmetrics'] = { run: () => renderMetrics({ registry, format: 'openmetrics' }) };
  const statsd = await optional('formats/statsd.js');
  // The one event-loop slicer of the build (8 ms slices).
  const slicer = await optional('internal/slicer.js');
  if (typeof statsd?.StatsdFormat === 'function' && typeof slicer?.sliceYielder === 'function') {
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
        const pause = slicer.sliceYielder();
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
          const wait = pause();
          if (wait !== undefined) await wait;
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
