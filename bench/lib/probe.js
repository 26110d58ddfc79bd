/**
 * Runs one export while a `setImmediate` probe watches the event loop: how long it took,
 * the longest stretch during which the loop could not turn, and the output's size.
 */

import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers';

/**
 * @param op - `{ run, prepare? }`: `prepare()` runs first, untimed; `run()` returns the
 *   output (a string) or its size in bytes (a number).
 * @returns `{ ms, maxGapMs, size }`.
 */
export async function probeExport(op) {
  await op.prepare?.();
  let last = performance.now();
  let maxGapMs = 0;
  let probing = true;
  const probe = () => {
    const now = performance.now();
    if (now - last > maxGapMs) maxGapMs = now - last;
    last = now;
    if (probing) setImmediate(probe);
  };
  setImmediate(probe);
  const t0 = performance.now();
  const out = await op.run();
  const ms = performance.now() - t0;
  probing = false;
  const now = performance.now();
  if (now - last > maxGapMs) maxGapMs = now - last;
  const size = typeof out === 'string' ? out.length : Number(out);
  return { ms, maxGapMs, size };
}
