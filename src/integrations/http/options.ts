/**
 * The options every HTTP integration shares, their schema, and their defaults.
 *
 * @module
 */

import { clockCheck, type Clock } from '../../clock.js';
import { boolean, integer, oneOf, readOptions, type Schema } from '../../internal/options.js';
import { REGISTRY_OPTION, registryOf } from '../../registry/registry-option.js';
import type { MetricRegistry } from '../../registry/types.js';
import { metricNameCheck } from '../name-checks.js';

/**
 * How the response status is recorded: `'class'` (`2xx`, `4xx`...), `'code'` (`200`,
 * `404`...) or `'none'` (not at all). Requests whose client went away before the response
 * finished are `aborted` unless `'none'`; codes outside 100 to 599 are `other`.
 */
export type HttpStatusTag = 'class' | 'code' | 'none';

/**
 * Where a request's route, method and status go: `'tags'` (one series family per
 * measurement, `http.server.requests{method, route, status}`) or `'name'` (segments of
 * the name, `http.server.users._id.GET.2xx.requests`, for backends without tags: plain
 * Graphite, StatsD without tags).
 */
export type HttpDimensions = 'tags' | 'name';

/** Options shared by every HTTP integration. */
export type HttpMetricsOptions = {
  /**
   * Where the metrics go: a registry, a scope of one, or any registry with the
   * tapemeasure brand.
   *
   * @defaultValue the default registry
   */
  readonly registry?: MetricRegistry;
  /**
   * The prefix of every series name.
   *
   * @defaultValue `'http.server'`
   */
  readonly prefix?: string;
  /**
   * Where the route, method and status of a request go: tags (`'tags'`) or name segments
   * (`'name'`, for backends without tags).
   *
   * @defaultValue `'tags'`
   */
  readonly dimensions?: HttpDimensions;
  /**
   * How the response status is recorded.
   *
   * @defaultValue `'class'`
   */
  readonly statusTag?: HttpStatusTag;
  /**
   * Whether the request method is recorded (the nine standard methods; any other is
   * `OTHER`).
   *
   * @defaultValue true
   */
  readonly methodTag?: boolean;
  /**
   * Whether request and response sizes (from `Content-Length`, when known) are recorded,
   * in bytes.
   *
   * @defaultValue true
   */
  readonly sizes?: boolean;
  /**
   * The most distinct routes one integration records; requests of further routes are
   * recorded under the route `other_routes`, with a warning (`ERR_TAPEMEASURE_ROUTE_LIMIT`).
   * A guard against raw paths used as templates: real templates are far fewer.
   *
   * @defaultValue 1000
   */
  readonly maxRoutes?: number;
  /**
   * The clock that times requests (its monotonic milliseconds).
   *
   * @defaultValue the clock of `registry`
   */
  readonly clock?: Clock;
};

/** The longest prefix, in characters: room is left for the route, method, status and leaf. */
const MAX_PREFIX_LENGTH = 256;

/**
 * The schema of {@link HttpMetricsOptions}.
 *
 * @internal
 */
export const HTTP_OPTIONS = Object.freeze({
  ...REGISTRY_OPTION,
  prefix: metricNameCheck(MAX_PREFIX_LENGTH),
  dimensions: oneOf('tags', 'name'),
  statusTag: oneOf('class', 'code', 'none'),
  methodTag: boolean,
  sizes: boolean,
  maxRoutes: integer(1, 1_000_000),
  clock: clockCheck,
});

/**
 * {@link HttpMetricsOptions} read and checked, with the defaults applied.
 *
 * @internal
 */
export type HttpSettings = {
  readonly registry: MetricRegistry;
  readonly prefix: string;
  readonly dimensions: HttpDimensions;
  readonly statusTag: HttpStatusTag;
  readonly methodTag: boolean;
  readonly sizes: boolean;
  readonly maxRoutes: number;
  readonly clock: Clock;
};

/**
 * Reads the shared HTTP options.
 *
 * @param where - the integration, for messages (`'expressMetrics()'`).
 * @param alsoKnown - the integration's own keys, read by the integration.
 * @throws `InvalidOptionError` or `UnknownOptionError` for a bad or unknown option.
 * @internal
 */
export function readHttpOptions(where: string, options: unknown, alsoKnown?: Schema): HttpSettings {
  const o = readOptions(where, options, HTTP_OPTIONS, alsoKnown);
  const registry = registryOf(o);
  return {
    registry,
    prefix: o.prefix ?? 'http.server',
    dimensions: o.dimensions ?? 'tags',
    statusTag: o.statusTag ?? 'class',
    methodTag: o.methodTag ?? true,
    sizes: o.sizes ?? true,
    maxRoutes: o.maxRoutes ?? 1000,
    clock: o.clock ?? registry.clock,
  };
}
