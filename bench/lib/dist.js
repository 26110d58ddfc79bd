/**
 * Where the build under test is: `dist/` of this checkout, or the build given by
 * `node bench/run.js --compare=DIR/index.js` (a scratch build of a proposed change,
 * measured beside this one in the same run).
 */

import process from 'node:process';
import { pathToFileURL, URL } from 'node:url';
import { isMainThread, workerData } from 'node:worker_threads';

const distPath = (isMainThread ? undefined : workerData?.options?.dist) ?? process.env.TAPEMEASURE_DIST;

/** The dist/ directory of the build under test. */
export const distDir = distPath === undefined ? new URL('../../dist/', import.meta.url) : new URL('./', pathToFileURL(distPath));

/** Imports a module of the build under test (`'index.js'`, `'formats/statsd.js'`). */
export function fromDist(file) {
  return import(new URL(file, distDir).href);
}
