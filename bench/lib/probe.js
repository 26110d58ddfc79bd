/**
 * Runs one export while a `setImmediate` probe watches the event loop: how long it took
 * (wall and CPU time), the longest stretch during which the loop could not turn, and the
 * output.
 *
 * A stretch is measured twice: in wall time (what the application felt on this machine)
 * and in the calling thread's own time on a CPU, read from Linux's
 * `/proc/thread-self/schedstat` (nanoseconds; it leaves out the time the thread waited for
 * a core, and V8's helper threads). On a loaded machine the wall time of a stretch holds
 * the waits of other processes; the CPU time is what the stretch would be on a quiet one.
 * Elsewhere than Linux, the CPU figure is `undefined`.
 */

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setImmediate } from 'node:timers';

const SCHEDSTAT = '/proc/thread-self/schedstat';

/** The calling thread's time on a CPU, in ms; `undefined` where Linux's schedstat is missing. */
export function threadCpuMs() {
  try {
    const text = readFileSync(SCHEDSTAT, 'latin1');
    return Number(text.slice(0, text.indexOf(' '))) / 1e6;
  } catch {
    return undefined;
  }
}

/**
 * Watches the event loop until the returned `stop()`: the longest gap between two turns of a
 * `setImmediate` loop, in wall time (`maxGapMs`) and in this thread's CPU time
 * (`maxCpuGapMs`, the most CPU time any one gap held).
 *
 * @returns `stop()`, which returns `{ maxGapMs, maxCpuGapMs }`.
 */
export function watchLoop() {
  const hasCpu = threadCpuMs() !== undefined;
  let last = performance.now();
  let lastCpu = hasCpu ? threadCpuMs() : 0;
  let maxGapMs = 0;
  let maxCpuGapMs = 0;
  let watching = true;
  const note = () => {
    const now = performance.now();
    if (now - last > maxGapMs) maxGapMs = now - last;
    last = now;
    if (hasCpu) {
      const cpu = threadCpuMs();
      if (cpu - lastCpu > maxCpuGapMs) maxCpuGapMs = cpu - lastCpu;
      lastCpu = cpu;
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
