/**
 * One-shot pushes for batch jobs and scripts that end before Prometheus could scrape
 * them: {@link pushMetrics} sends the registry to a Pushgateway group, and
 * {@link deleteMetrics} removes the group.
 *
 * @module
 */

import { func, readOptions } from '../internal/options.js';
import { WarningLimiter } from '../internal/warnings.js';
import { registryOf, REGISTRY_OPTION } from '../registry/registry-option.js';
import type { MetricRegistry } from '../registry/types.js';
import { pushBody } from './pushgateway-body.js';
import type { PushError, PushResult } from './pushgateway-error.js';
import {
  BODY_OPTIONS,
  resolveTarget,
  TARGET_OPTIONS,
  type PushBodyOptions,
  type PushgatewayTargetOptions,
} from './pushgateway-options.js';
import { sendToGroup } from './pushgateway-request.js';
import { systemTimers } from './pushgateway-retry.js';
import { prometheusSeriesOf } from '../formats/prometheus-read.js';
import { collectSeries } from './collect.js';
import { compileSelector, selectorCheck, type MetricSelector } from './select.js';

/** Options of {@link deleteMetrics}. */
export type DeleteMetricsOptions = PushgatewayTargetOptions & {
  /**
   * Called with the error when the call fails (after its retries); must not throw.
   *
   * @defaultValue a `process.emitWarning` with the error's code, at most one per code
   *   per minute
   */
  readonly onError?: (error: PushError) => void;
};

/** Options of {@link pushMetrics}. */
export type PushMetricsOptions = DeleteMetricsOptions &
  PushBodyOptions & {
    /**
     * The registry to push: a registry, a scope of one, or any object with the registry
     * brand.
     *
     * @defaultValue the default registry
     */
    readonly registry?: MetricRegistry;
    /**
     * Which metrics to push: a name prefix, a glob, a list of them, or a predicate.
     *
     * @defaultValue every metric
     */
    readonly filter?: MetricSelector;
  };

const CALL_OPTIONS = Object.freeze({ ...TARGET_OPTIONS, onError: func });
const PUSH_OPTIONS = Object.freeze({ ...CALL_OPTIONS, ...BODY_OPTIONS, ...REGISTRY_OPTION, filter: selectorCheck });

/** Default warnings of failed one-shot calls: a job pushing in a loop must not flood stderr. */
const warnings = new WarningLimiter();

function failed(onError: ((error: PushError) => void) | undefined, result: PushResult): PushResult {
  if (result.error === null) return result;
  if (onError === undefined) {
    warnings.warn(result.error);
    return result;
  }
  try {
    onError(result.error);
  } catch {
    // onError must not throw; if it does, the job still must not see it.
  }
  return result;
}

/**
 * Pushes the registry (Prometheus text format 0.0.4) to the Pushgateway group
 * `job` + `groupingKey`: `'put'` (the default) replaces the group, `'post'` replaces only
 * the metric names pushed. Callback gauges are read first (each within its timeout).
 * Failed requests are retried with exponential backoff and jitter, within `retries` and
 * `totalTimeoutMs`.
 *
 * The result is a value, not an exception: the promise never rejects, so a push that
 * fails cannot fail the job it measures. Test `result.ok`; `result.error` is a coded
 * {@link PushError} (`ERR_TAPEMEASURE_CONNECTION_FAILED`, `..._LOOKUP_FAILED`,
 * `..._PUSH_REJECTED`, `..._PUSH_TIMEOUT`), also handed to `onError` (by default a
 * warning). Bad options are a bug in the caller and throw at once, before any I/O.
 *
 * @param options - where to push (`url`, `job`, `groupingKey`), what (`registry`,
 *   `filter`, `prefix`), how (`method`, `compress`, `headers`), and the retry bounds.
 * @returns what happened; never rejects.
 * @throws {@link InvalidOptionError} (synchronously) for a bad or missing option, such as
 *   an invalid grouping-key label name; {@link UnknownOptionError} for an unknown key.
 * @example
 * ```ts
 * const result = await pushMetrics({ url: 'http://127.0.0.1:9091', job: 'nightly-backup', registry });
 * if (!result.ok) console.error(`metrics not pushed: ${result.error.code}`);
 * ```
 */
export function pushMetrics(options: PushMetricsOptions): Promise<PushResult> {
  const where = 'pushMetrics';
  const o = readOptions(where, options, PUSH_OPTIONS);
  const target = resolveTarget(where, o);
  const registry = registryOf(o);
  const filter = compileSelector(o.filter, where);
  const onError = o.onError as ((error: PushError) => void) | undefined;
  const timers = systemTimers(false);
  const startedMs = timers.nowMs();
  return (async () => {
    let filterErrors = 0;
    const series =
      (await collectSeries(registry, {
        filter,
        onFilterError: () => {
          filterErrors++;
        },
        read: prometheusSeriesOf,
      })) ?? [];
    const body = await pushBody(series, o.prefix ?? '', o.compress ?? false);
    const dropped = filterErrors + body.collisions;
    return failed(onError, await sendToGroup(target, o.method ?? 'put', body, dropped, startedMs, { timers, unref: false }));
  })();
}

/**
 * Deletes the Pushgateway group `job` + `groupingKey` (every metric pushed to it),
 * retrying like {@link pushMetrics}. Deleting a group that does not exist succeeds.
 *
 * @param options - which group (`url`, `job`, `groupingKey`), `headers`, the retry bounds.
 * @returns what happened; never rejects (see {@link pushMetrics}).
 * @throws {@link InvalidOptionError} (synchronously) for a bad or missing option;
 *   {@link UnknownOptionError} for an unknown key.
 * @example
 * ```ts
 * await deleteMetrics({ url: 'http://127.0.0.1:9091', job: 'nightly-backup' });
 * ```
 */
export function deleteMetrics(options: DeleteMetricsOptions): Promise<PushResult> {
  const where = 'deleteMetrics';
  const o = readOptions(where, options, CALL_OPTIONS);
  const target = resolveTarget(where, o);
  const onError = o.onError as ((error: PushError) => void) | undefined;
  const timers = systemTimers(false);
  const startedMs = timers.nowMs();
  return sendToGroup(target, 'delete', null, 0, startedMs, { timers, unref: false }).then((result) => failed(onError, result));
}
