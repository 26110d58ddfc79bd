/**
 * The budget of a reporter's `stop()`: how its phases share `stopTimeoutMs`
 * ({@link STOP_BUDGET}), and the bound that cuts it off.
 *
 * @module
 */

/**
 * How `stop()` shares its budget (`stopTimeoutMs`) between the phases of the final
 * report, as fractions of the whole:
 *
 * - `gauges`: a callback gauge is awaited at most this share (and never past the close
 *   reserve), however long its own `timeoutMs`: 40 %, 2 s of the default 5 s;
 * - `read`: once this share has passed since `stop()` was called, the histograms and
 *   timers not yet read send only their counts (reported as `stop-timeout`), in the
 *   final report and in one still running: 60 %;
 * - `close`: kept for flushing and closing the transport; a send stops adding what can
 *   wait (statistics, gauges) and a final send stops waiting for a full queue to drain
 *   when only this share is left: 20 %.
 */
export const STOP_BUDGET: Readonly<{
  /** The most a callback gauge is awaited, as a share of `stopTimeoutMs`. */
  gauges: number;
  /** When reading starts to leave out distribution statistics, as a share of `stopTimeoutMs`. */
  read: number;
  /** What is kept for the close, as a share of `stopTimeoutMs`. */
  close: number;
}> = Object.freeze({ gauges: 0.4, read: 0.6, close: 0.2 });

/** Resolves `true` if `promise` settles within `ms`, `false` otherwise; never rejects. @internal */
export function withTimeout(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(resolve, ms, false);
    timer.unref();
  });
  return Promise.race([promise.then(() => true, () => true), timeout]).finally(() => {
    clearTimeout(timer);
  });
}
