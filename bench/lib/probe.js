/**
 * Runs one export while a `setImmediate` probe watches the event loop: how long it took
 * (wall and CPU time), the longest stretch during which the loop could not turn, and the
 * output.
 */

import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setImmediate } from 'node:timers';

/**
 * Runs `fn` under the probe.
 *
 * @returns `{ ms, cpuMs, maxGapMs, out }`, `out` what `fn` resolved with.
 */
export async function probe(fn) {
  let last = performance.now();
  let maxGapMs = 0;
  let probing = true;
  const tick = () => {
    const now = performance.now();
    if (now - last > maxGapMs) maxGapMs = now - last;
    last = now;
    if (probing) setImmediate(tick);
  };
  setImmediate(tick);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await fn();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  probing = false;
  const now = performance.now();
  if (now - last > maxGapMs) maxGapMs = now - last;
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, maxGapMs, out };
}

/**
 * @param op - `{ run, prepare? }`: `prepare()` runs first, untimed; `run()` returns the
 *   output (a string) or its size in bytes (a number).
 * @returns `{ ms, maxGapMs, size }`.
 */
export async function probeExport(op) {
  await op.prepare?.();
  const { ms, maxGapMs, out } = await probe(() => op.run());
  const size = typeof out === 'string' ? out.length : Number(out);
  return { ms, maxGapMs, size };
}
