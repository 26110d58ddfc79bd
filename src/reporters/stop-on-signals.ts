/**
 * `stopOnSignals()`: an opt-in shutdown hook. On SIGTERM or SIGINT (or the signals you
 * name), it stops every reporter (each sends its final report, flushed, within its
 * `stopTimeoutMs`), then lets the signal do what it would have done.
 *
 * @module
 */

import { constants } from 'node:os';
import { arrayOf, integer, is, readOptions, type Check } from '../internal/options.js';
import { holdProcessFor, liveReporters, type LiveReporter } from './active-reporters.js';
import { MAX_TIMER_MS } from './reporter-options.js';

/** What {@link stopOnSignals} can stop: any reporter (anything with `stop()`). */
export interface Stoppable {
  /** Stops: a reporter sends its final report and closes; must not reject. */
  stop(): Promise<void>;
}

/** Options of {@link stopOnSignals}. */
export type StopOnSignalsOptions = {
  /**
   * The signals to act on.
   *
   * @defaultValue `['SIGTERM', 'SIGINT']`
   */
  readonly signals?: readonly NodeJS.Signals[];
  /**
   * The reporters to stop (anything with `stop()`).
   *
   * @defaultValue every reporter of this process started or used and not yet stopped,
   *   when the signal arrives
   */
  readonly reporters?: readonly Stoppable[];
  /**
   * The most time to wait for them all before the signal goes on, in milliseconds.
   *
   * @defaultValue the longest `stopTimeoutMs` of the reporters (5000 if none says), plus 100
   */
  readonly timeoutMs?: number;
};

const signalCheck: Check<NodeJS.Signals> = is(
  'a signal name such as "SIGTERM"',
  (v): v is NodeJS.Signals => typeof v === 'string' && v.startsWith('SIG') && Object.hasOwn(constants.signals, v) && v !== 'SIGKILL' && v !== 'SIGSTOP',
);

const reporterCheck: Check<Stoppable> = is(
  'a reporter (an object with stop())',
  (v): v is Stoppable => v !== null && typeof v === 'object' && typeof (v as { stop?: unknown }).stop === 'function',
);

const STOP_ON_SIGNALS_OPTIONS = Object.freeze({
  signals: arrayOf(signalCheck),
  reporters: arrayOf(reporterCheck),
  timeoutMs: integer(1, MAX_TIMER_MS),
});

const DEFAULT_STOP_MS = 5_000;
const SLACK_MS = 100;

/**
 * Stops reporters when the process is told to stop, then lets the signal go on: once every
 * `stop()` has settled (or `timeoutMs` has passed), its listeners are removed and, if no
 * other listener of that signal is left, the signal is raised again, so the process ends
 * as it would have without this hook (killed by the signal: exit status 128 + its
 * number, `signal` of a child process). If your own listener handles the signal too, it
 * stays in charge of exiting. A second signal while waiting goes on at once.
 *
 * Not installed by default: a listener of SIGTERM or SIGINT changes what those signals do.
 *
 * @param options - which signals, which reporters, how long to wait.
 * @returns a function that removes the listeners.
 * @throws {@link InvalidOptionError} or {@link UnknownOptionError} for a bad option.
 * @example
 * ```ts
 * import { Registry, StatsdReporter, stopOnSignals } from 'tapemeasure';
 *
 * const registry = new Registry();
 * const reporter = new StatsdReporter({ registry, host: '127.0.0.1', env: {} }).start(10_000);
 * const remove = stopOnSignals(); // SIGTERM, SIGINT: final report, then exit by the signal
 * remove(); // (only to undo it)
 * await reporter.stop();
 * ```
 */
export function stopOnSignals(options: StopOnSignalsOptions = {}): () => void {
  const o = readOptions('stopOnSignals', options, STOP_ON_SIGNALS_OPTIONS);
  const signals = [...new Set(o.signals ?? (['SIGTERM', 'SIGINT'] as const))];
  const given = o.reporters;
  let stopping = false;

  const remove = (): void => {
    for (const signal of signals) process.off(signal, onSignal);
  };
  const goOn = (signal: NodeJS.Signals): void => {
    remove();
    // Another listener has seen this signal too and decides what happens next.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  function onSignal(signal: NodeJS.Signals): void {
    if (stopping) {
      goOn(signal);
      return;
    }
    stopping = true;
    const reporters = given ?? liveReporters();
    const longestMs = Math.max(0, ...reporters.map(budgetOf));
    const waitMs = o.timeoutMs ?? (longestMs > 0 ? longestMs : DEFAULT_STOP_MS) + SLACK_MS;
    holdProcessFor(
      reporters.map((r) => r.stop()),
      waitMs,
      () => {
        goOn(signal);
      },
    );
  }
  for (const signal of signals) process.on(signal, onSignal);
  return remove;
}

function budgetOf(reporter: Stoppable | LiveReporter): number {
  const ms = (reporter as Partial<LiveReporter>).stopTimeoutMs;
  return typeof ms === 'number' ? ms : 0;
}
