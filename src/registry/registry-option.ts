/**
 * The `registry` option every reporter, endpoint, client and integration reads: a
 * registry, a scope, or any object with the registry brand; the default registry when
 * not given.
 *
 * @module
 */

import { InvalidOptionError } from '../errors.js';
import { is, type Check } from '../internal/options.js';
import { defaultRegistry } from './default-registry.js';
import { isRegistry, type MetricRegistry } from './types.js';

/** The check of `options.registry`: recognised by its brand, never by `instanceof`. */
export const registryCheck: Check<MetricRegistry> = is(
  'a Registry or a scope of one (an object with the tapemeasure registry brand)',
  isRegistry,
);

/** The schema fragment `{ registry }`, spread into an options schema. */
export const REGISTRY_OPTION = Object.freeze({ registry: registryCheck });

/** The registry an options object named, or the default registry. */
export function registryOf(read: { readonly registry?: MetricRegistry | undefined }): MetricRegistry {
  return read.registry ?? defaultRegistry;
}

/**
 * Throws when a registry is passed where an options object is expected (the 0.1 form
 * `new JsonStreamReporter(registry)`), which would otherwise read as options and report
 * the default registry.
 *
 * @throws {@link InvalidOptionError} if `options` carries the registry brand.
 */
export function rejectRegistryAsOptions(where: string, options: unknown): void {
  if (isRegistry(options)) {
    throw new InvalidOptionError(`${where}: options must be an options object, received a registry; pass it as { registry }`);
  }
}
