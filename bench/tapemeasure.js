/**
 * The library module for tapemeasure itself, loaded from dist/ in its own worker.
 * Every library module (this one and bench/peers/*.js) exports `name`,
 * `microOps()`, optionally `exportOps(timers)`, and `memory` (`idle`, `full`).
 */

import { fromDist } from './lib/dist.js';

// `node bench/run.js --compare=DIR/index.js` loads a second copy from elsewhere (a
// scratch build of a proposed change) to measure before and after in one run.
const { ManualClock, Registry } = await fromDist('index.js');
import { HUNDRED_MS } from './lib/values.js';
import { counterOps } from './metrics/counter.js';
import { gaugeOps } from './metrics/gauge.js';
import { meterOps } from './metrics/meter.js';
import { histogramOps } from './metrics/histogram.js';
import { timerOps } from './metrics/timer.js';
import { fillTimers, registryExports } from './registry/export.js';
import { expositionExports } from './exposition/render.js';
import { reporterExports } from './reporters/export.js';

export const name = 'tapemeasure';

export async function microOps() {
  const registry = new Registry();
  const frozen = new Registry({ clock: new ManualClock() });
  return {
    ...counterOps(registry),
    ...gaugeOps(registry),
    ...meterOps(registry),
    ...histogramOps(registry, frozen),
    ...timerOps(registry),
  };
}

export async function exportOps(timers) {
  // A clock that never moves: the 100 values stay in the window however long the run.
  const clock = new ManualClock({ nowMs: Date.now(), monotonicMs: 1_000_000 });
  // Above the default cap of 50,000 series: the scale phase goes to 100,000 timers.
  const registry = new Registry({ clock, maxSeries: 1_000_000 });
  fillTimers(registry, timers);
  return { ...registryExports(registry), ...(await expositionExports(registry)), ...(await reporterExports(registry)) };
}

export const memory = {
  init: () => new Registry({ clock: new ManualClock(), maxSeries: 1_000_000 }),
  idle: (registry, metricName) => registry.timer(metricName),
  full: (registry, metricName) => {
    const t = registry.timer(metricName);
    for (const v of HUNDRED_MS) t.update(v);
    return t;
  },
};
