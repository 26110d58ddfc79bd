/**
 * What OTLP says about who sends: the resource attributes tapemeasure sets by default
 * and its instrumentation scope
 * (https://opentelemetry.io/docs/specs/semconv/resource/#telemetry-sdk).
 *
 * @module
 */

import { randomUUID } from 'node:crypto';
import type { OtlpAttributes, OtlpScope } from './model.js';

/** The package version, sent as `telemetry.sdk.version` and the scope version (a test keeps it equal to package.json). */
export const TAPEMEASURE_VERSION = '0.1.0';

/** The instrumentation scope of every metric tapemeasure exports. */
export const OTLP_SCOPE: OtlpScope = Object.freeze({ name: 'tapemeasure', version: TAPEMEASURE_VERSION });

/** The `service.name` of a service that did not name itself (as the specification says for Node.js). */
export const UNKNOWN_SERVICE_NAME = 'unknown_service:node';

let instanceId: string | undefined;

/** A random UUID made once per process: its `service.instance.id`. */
export function processInstanceId(): string {
  instanceId ??= randomUUID();
  return instanceId;
}

/**
 * The default resource: `service.name` (`unknown_service:node`), `service.instance.id`
 * (a random UUID per process), and `telemetry.sdk.name` / `.language` / `.version`
 * naming tapemeasure.
 */
export function defaultResource(): OtlpAttributes {
  return {
    'service.name': UNKNOWN_SERVICE_NAME,
    'service.instance.id': processInstanceId(),
    'telemetry.sdk.name': 'tapemeasure',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.version': TAPEMEASURE_VERSION,
  };
}
