/**
 * Export rows for Graphite: plaintext and pickle, built the way GraphiteReporter builds
 * them (paths with tags built once per metric and suffix, Dropwizard's suffixes, one
 * timestamp per report, formatting in slices that yield to the event loop every 8 ms).
 * Loaded only if dist/formats/graphite-*.js are built.
 *
 * Wire it into bench/formats/index.js with:
 *   Object.assign(out, await graphiteExports(registry, clock));
 */

import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers';
import { URL } from 'node:url';

const DEFAULT_DIST = new URL('../../dist/', import.meta.url);

const RATES = [
  ['m1_rate', 'm1Rate'],
  ['m5_rate', 'm5Rate'],
  ['m15_rate', 'm15Rate'],
  ['mean_rate', 'meanRate'],
];
const DISTRIBUTION = ['min', 'max', 'mean', 'stddev', 'p50', 'p75', 'p95', 'p98', 'p99', 'p999'];
const SLICE_BUDGET_MS = 8;
const POINTS_PER_BATCH = 4096;

async function load(dist, file) {
  const url = new URL(`formats/${file}`, dist);
  return existsSync(url) ? import(url.href) : null;
}

/**
 * @param registry - the registry to export.
 * @param clock - its clock (for the timestamp).
 * @param dist - the build to load the formats from (a URL of a `dist/` directory).
 */
export async function graphiteExports(registry, clock, dist = DEFAULT_DIST) {
  const plaintext = await load(dist, 'graphite-plaintext.js');
  const pickle = await load(dist, 'graphite-pickle.js');
  if (plaintext === null || pickle === null) return {};
  // The path rules live in graphite-path.js (in graphite-plaintext.js in builds before it).
  const { graphitePath, graphiteSuffixed } = (await load(dist, 'graphite-path.js')) ?? plaintext;
  const { formatGraphiteLines } = plaintext;
  const { encodeGraphitePickle } = pickle;
  const cache = new WeakMap();

  const pathsOf = (metric) => {
    let paths = cache.get(metric);
    if (paths === undefined) {
      const base = graphitePath(metric.name, metric.tags);
      paths = { base, count: graphiteSuffixed(base, 'count') };
      for (const [suffix] of RATES) paths[suffix] = graphiteSuffixed(base, suffix);
      for (const s of DISTRIBUTION) paths[s] = graphiteSuffixed(base, s);
      cache.set(metric, paths);
    }
    return paths;
  };

  /** Calls `emit(points)` every POINTS_PER_BATCH points, yielding every 8 ms. */
  const walk = async (emit) => {
    const timestampS = Math.floor(clock.now() / 1000);
    let points = [];
    let since = performance.now();
    let n = 0;
    for (const metric of registry.metrics()) {
      const s = metric.snapshot();
      const paths = pathsOf(metric);
      points.push({ path: paths.count, value: s.count, timestampS });
      for (const [suffix, key] of RATES) points.push({ path: paths[suffix], value: s[key], timestampS });
      for (const key of DISTRIBUTION) {
        const v = s[key];
        if (v !== null && v !== undefined) points.push({ path: paths[key], value: v, timestampS });
      }
      if (points.length >= POINTS_PER_BATCH) {
        emit(points);
        points = [];
      }
      if ((++n & 31) === 0 && performance.now() - since >= SLICE_BUDGET_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        since = performance.now();
      }
    }
    if (points.length > 0) emit(points);
  };

  return {
    'export.graphite-plaintext': {
      run: async () => {
        // The bytes on the wire, one chunk per batch (the TCP transport writes in chunks too).
        let size = 0;
        await walk((points) => {
          size += `${formatGraphiteLines(points).join('\n')}\n`.length;
        });
        return size;
      },
    },
    'export.graphite-pickle': {
      run: async () => {
        let bytes = 0;
        await walk((points) => {
          for (const f of encodeGraphitePickle(points).frames) bytes += f.length;
        });
        return bytes;
      },
    },
  };
}
