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
  const prometheus = await optional('prometheus.js');
  if (typeof prometheus?.formatPrometheus === 'function') {
    out['export.prometheus'] = {
      run: () => {
        const series = [];
        for (const m of registry.metrics()) series.push({ name: m.name, tags: m.tags, snapshot: m.snapshot() });
        return prometheus.formatPrometheus(series, 'prometheus');
      },
    };
  }
  const statsd = await optional('statsd.js');
  if (typeof statsd?.StatsdFormat === 'function') {
    const format = new statsd.StatsdFormat();
    out['export.statsd'] = {
      run: () => {
        const lines = [];
        for (const m of registry.metrics()) {
          const s = m.snapshot();
          const series = format.series(m.name, m.tags);
          format.meter(lines, series, s.count, s);
          format.distribution(lines, series, s.count, s, true);
        }
        return lines.join('\n');
      },
    };
  }
  // Graphite plaintext and pickle, built the way GraphiteReporter builds them (bench/formats/graphite.js).
  Object.assign(out, await graphiteExports(registry, clock));
  // The proposal for the event-loop line of the bar: series by series, yielding every 8 ms.
  out['export.json-lines-yielding'] = {
    run: async () => {
      const pause = yielder(8);
      let text = '';
      for (const m of registry.metrics()) {
        text += `${JSON.stringify({ name: m.name, tags: m.tags, ...m.snapshot() })}\n`;
        await pause();
      }
      return text;
    },
  };
  return out;
}
