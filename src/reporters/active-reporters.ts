/**
 * The reporters of this process that were started or used and not yet stopped, and the
 * one `beforeExit` hook that runs their final reports when the process exits naturally.
 *
 * A script that records and ends would otherwise send nothing: reporters' timers and
 * sockets are `unref()`ed, so nothing keeps the process alive for a last report. On
 * `beforeExit` (the event loop is empty; not on `process.exit()` nor on a signal), every
 * tracked reporter with `stopOnExit` runs `stop()`: its final report, flushed, within its
 * `stopTimeoutMs`. The hook is registered only while such a reporter exists, and a
 * reporter is stopped once: `beforeExit` fires again when those stops are done, and
 * then finds nothing to do, so the process exits.
 *
 * @module
 * @internal
 */

/** What the registry of live reporters needs of one. @internal */
export interface LiveReporter {
  /** Sends the final report and closes; never rejects; idempotent. */
  stop(): Promise<void>;
  /** The bound of `stop()`, in milliseconds. */
  readonly stopTimeoutMs: number;
  /** Whether a natural exit stops it. */
  readonly stopOnExit: boolean;
}

const live = new Set<LiveReporter>();
let hooked = false;

/** Tracks a reporter that was started or used (idempotent). @internal */
export function trackReporter(reporter: LiveReporter): void {
  live.add(reporter);
  if (reporter.stopOnExit && !hooked) {
    hooked = true;
    process.on('beforeExit', onBeforeExit);
  }
}

/** Forgets a reporter (it is stopping). @internal */
export function untrackReporter(reporter: LiveReporter): void {
  live.delete(reporter);
}

/** The reporters started or used and not yet stopped, in the order they were first used. @internal */
export function liveReporters(): LiveReporter[] {
  return [...live];
}

/**
 * Keeps the process alive while `stops` settle, for at most `ms` (each `stop()` is
 * bounded by its own budget; this only makes sure the event loop waits for them).
 *
 * @internal
 */
export function holdProcessFor(stops: readonly Promise<unknown>[], ms: number, then?: () => void): void {
  // Deliberately not unref()ed: it is what keeps the loop alive for the final reports.
  const hold = setTimeout(done, ms);
  let finished = false;
  function done(): void {
    if (finished) return;
    finished = true;
    clearTimeout(hold);
    then?.();
  }
  void Promise.allSettled(stops).then(done);
}

function onBeforeExit(): void {
  const due = [...live].filter((r) => r.stopOnExit);
  // Unhooked before stopping: a reporter started later hooks it again.
  process.off('beforeExit', onBeforeExit);
  hooked = false;
  if (due.length === 0) return;
  const longestMs = Math.max(...due.map((r) => r.stopTimeoutMs));
  holdProcessFor(due.map((r) => r.stop()), longestMs + EXIT_SLACK_MS);
}

/** Time beyond the longest stop budget the exit hook keeps the process, in milliseconds. */
const EXIT_SLACK_MS = 100;
