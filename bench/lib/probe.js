/**
 * Runs one export while a `setImmediate` probe watches the event loop: how long it took
 * (wall and CPU time), the longest stretch during which the loop could not turn, and the
 * output.
 *
 * A stretch is measured twice: in wall time (what the application felt on this machine)
 * and without the time the thread waited for a core: the wall time minus the growth of
 * the thread's run-queue delay, read from Linux's `/proc/thread-self/schedstat` (second
 * field, nanoseconds, exact at each switch-in; the first field, time on a CPU, is only
 * updated every scheduler tick, 4 ms here). On a loaded machine the wall time of a stretch
 * holds the waits for a core that other processes caused; the other figure is what the
 * stretch would be on a quiet machine (called "CPU" in the tables: the thread's own work,
 * including any time it was blocked, e.g. on the garbage collector's helper threads).
 * Elsewhere than Linux, that figure is `undefined`.
 */

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setImmediate } from 'node:timers';

const SCHEDSTAT = '/proc/thread-self/schedstat';

/** How long the calling thread has waited for a core so far, in ms; `undefined` where Linux's schedstat is missing. */
export function threadRunDelayMs() {
  try {
    const fields = readFileSync(SCHEDSTAT, 'latin1').split(' ');
    return Number(fields[1]) / 1e6;
  } catch {
    return undefined;
  }
}

/**
 * Watches the event loop until the returned `stop()`: the longest gap between two turns of a
 * `setImmediate` loop, in wall time (`maxGapMs`) and less the time this thread waited for
 * a core (`maxCpuGapMs`: the longest gap as it would be on a quiet machine).
 *
 * @returns `stop()`, which returns `{ maxGapMs, maxCpuGapMs }`.
 */
export function watchLoop() {
  const hasCpu = threadRunDelayMs() !== undefined;
  let last = performance.now();
  let lastDelay = hasCpu ? threadRunDelayMs() : 0;
  let maxGapMs = 0;
  let maxCpuGapMs = 0;
  let watching = true;
  const note = () => {
    const now = performance.now();
    const gap = now - last;
    if (gap > maxGapMs) maxGapMs = gap;
    last = now;
    if (hasCpu) {
      const delay = threadRunDelayMs();
      const own = gap - (delay - lastDelay);
      if (own > maxCpuGapMs) maxCpuGapMs = own;
      lastDelay = delay;
    }
  };
  const tick = () => {
    note();
    if (watching) setImmediate(tick);
  };
  setImmediate(tick);
  return () => {
    watching = false;
    note();
    return { maxGapMs, maxCpuGapMs: hasCpu ? maxCpuGapMs : undefined };
  };
}

/**
 * Runs `fn` under the probe.
 *
 * @returns `{ ms, cpuMs, maxGapMs, maxCpuGapMs, out }`, `out` what `fn` resolved with
 *   (`cpuMs` counts every thread of the process).
 */
export async function probe(fn) {
  const stop = watchLoop();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await fn();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const { maxGapMs, maxCpuGapMs } = stop();
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, maxGapMs, maxCpuGapMs, out };
}

/**
 * @param op - `{ run, prepare? }`: `prepare()` runs first, untimed; `run()` returns the
 *   output (a string) or its size in bytes (a number).
 * @returns `{ ms, maxGapMs, maxCpuGapMs, size }`.
 */
export async function probeExport(op) {
  await op.prepare?.();
  const { ms, maxGapMs, maxCpuGapMs, out } = await probe(() => op.run());
  const size = typeof out === 'string' ? out.length : Number(out);
  return { ms, maxGapMs, maxCpuGapMs, size };
}
