/**
 * The listeners of a registry, told of every series added and removed. A listener that
 * throws cannot undo the change nor stop the other listeners: it is reported by an
 * `ERR_TAPEMEASURE_LISTENER_FAILED` warning, at most one a minute.
 *
 * @module
 */

import { ErrorCodes, MetricsError, show } from '../errors.js';
import { WarningLimiter } from '../internal/warnings.js';
import type { AddedReason, Metric, RegistryListener, RemovedReason } from './types.js';

/** @internal */
export class Listeners {
  readonly #listeners = new Set<RegistryListener>();
  #warnings: WarningLimiter | null = null;

  /** Registers `listener`; returns the function that unregisters it. */
  add(listener: RegistryListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Tells every listener; never throws. */
  notify(event: 'onAdded', metric: Metric, reason: AddedReason): void;
  notify(event: 'onRemoved', metric: Metric, reason: RemovedReason): void;
  notify(event: 'onAdded' | 'onRemoved', metric: Metric, reason: AddedReason | RemovedReason): void {
    for (const listener of this.#listeners) {
      try {
        (listener[event] as ((metric: Metric, reason: string) => void) | undefined)?.call(listener, metric, reason);
      } catch (error) {
        this.#warnings ??= new WarningLimiter();
        this.#warnings.warn(
          new MetricsError(
            ErrorCodes.LISTENER_FAILED,
            `a registry listener's ${event}() threw for ${metric.type} ${show(metric.name)}; ` +
              `the series was ${event === 'onAdded' ? 'added' : 'removed'} (${reason}) all the same`,
            { cause: error },
          ),
        );
      }
    }
  }
}
