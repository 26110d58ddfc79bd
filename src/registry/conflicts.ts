/**
 * The errors of a registration that conflicts with what a registry holds: another type
 * under the name, other options for the same metric (said in words:
 * `timer "t" already exists with significantDigits 2; asked for 3`), or a name that
 * would be both a leaf and a branch of the tree.
 *
 * @module
 */

import { ErrorCodes, MetricConflictError, show } from '../errors.js';
import type { GaugeConfig } from '../metrics/gauge.js';
import { gaugeDifferences } from '../metrics/gauge.js';
import { bucketDifferences } from '../metrics/buckets.js';
import { windowDifferences } from '../metrics/distribution.js';
import type { MetricType, OptionDifference } from '../metrics/metric.js';
import type { WindowedHistogramConfig } from '../stats/windowed-histogram.js';

/**
 * The options the series of one name share, interned (equal options are one object, so
 * they compare by identity): a window config for histograms and timers, a gauge config
 * for gauges, {@link NO_OPTIONS} for counters and meters.
 *
 * @internal
 */
export type FamilyOptions = WindowedHistogramConfig | GaugeConfig | typeof NO_OPTIONS;

/** The options of counters and meters: none. @internal */
export const NO_OPTIONS = Object.freeze({ none: true as const });

/** `ERR_TAPEMEASURE_TYPE_CONFLICT`: `name` is already a metric of `existing` type. @internal */
export function typeConflict(name: string, existing: MetricType, asked: MetricType): MetricConflictError {
  return new MetricConflictError(
    ErrorCodes.TYPE_CONFLICT,
    `${show(name)} is already a ${existing}; cannot register it as a ${asked}`,
  );
}

/**
 * `ERR_TAPEMEASURE_OPTIONS_CONFLICT`, naming each differing option with both values.
 *
 * @internal
 */
export function optionsConflict(
  type: MetricType,
  name: string,
  existing: FamilyOptions,
  asked: FamilyOptions,
): MetricConflictError {
  const differences: OptionDifference[] =
    type === 'gauge'
      ? gaugeDifferences(existing as GaugeConfig, asked as GaugeConfig)
      : type === 'histogram' || type === 'timer'
        ? [
            ...windowDifferences(
              existing as WindowedHistogramConfig,
              asked as WindowedHistogramConfig,
              type === 'timer' ? 'resolutionMs' : 'resolution',
            ),
            ...bucketDifferences(existing as WindowedHistogramConfig, asked as WindowedHistogramConfig),
          ]
        : [];
  const what = `${type} ${show(name)} already exists`;
  const message =
    differences.length === 1
      ? `${what} ${differences[0]!.existing}; asked for ${differences[0]!.asked}`
      : `${what} with other options: ${differences.map((d) => d.pair).join(', ')}`;
  return new MetricConflictError(ErrorCodes.OPTIONS_CONFLICT, message);
}

/** `ERR_TAPEMEASURE_TREE_CONFLICT`: `name` is a branch already. @internal */
export function branchConflict(name: string, type: MetricType): MetricConflictError {
  return new MetricConflictError(
    ErrorCodes.TREE_CONFLICT,
    `${show(name)} is already a branch of the metric tree (a metric named ${show(name + '.')}... exists); ` +
      `it cannot also be a ${type}`,
  );
}

/** `ERR_TAPEMEASURE_TREE_CONFLICT`: `name` would make the metric `prefix` a branch. @internal */
export function leafConflict(name: string, prefix: string): MetricConflictError {
  return new MetricConflictError(
    ErrorCodes.TREE_CONFLICT,
    `${show(name)} would make the metric ${show(prefix)} a branch of the tree; a name cannot be both a leaf and a branch`,
  );
}
