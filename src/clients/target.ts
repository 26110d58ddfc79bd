/**
 * Where a sender sends: host, port, protocol and name prefix, from the options first,
 * then the environment (`STATSD_*` or `GRAPHITE_*`), then the defaults. The one reader
 * of these four for StatsD and Graphite alike; the environment is the injected `env`.
 *
 * @module
 * @internal
 */

import { checkValue, oneOf, type Check } from '../internal/options.js';
import { hostCheck, portCheck } from '../transports/transport.js';

/** The options a target is read from (already checked by the options reader). */
export type TargetOptions<P extends string> = {
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  readonly protocol?: P | undefined;
  readonly prefix?: string | undefined;
};

/** What a kind of sender expects of its target. */
export type TargetSpec<P extends string> = {
  /** The environment variables' prefix: `STATSD` reads `STATSD_HOST`, `STATSD_PORT`, ... */
  readonly envPrefix: 'STATSD' | 'GRAPHITE';
  /** The check of a protocol. */
  readonly protocolCheck: Check<P>;
  /** The protocol when neither the options nor the environment name one. */
  readonly defaultProtocol: P;
  /** The port when neither the options nor the environment name one. */
  readonly defaultPort: (protocol: P) => number;
};

/** A resolved target. */
export type Target<P extends string> = {
  readonly host: string;
  readonly port: number;
  readonly protocol: P;
  /** The prefix, `''` for none. */
  readonly prefix: string;
};

/** The check of a protocol of several choices. @internal */
export function protocolCheck<const P extends readonly string[]>(...protocols: P): Check<P[number]> {
  return oneOf(...protocols);
}

/**
 * Resolves a target: each of host, port, protocol and prefix from the options, else the
 * environment, else the default. A bad environment value throws the options reader's
 * error, naming the variable (`StatsdReporter: environment variable STATSD_PORT must be
 * an integer from 1 to 65535, received "abc"`).
 *
 * @throws {@link InvalidOptionError} for a bad environment variable.
 */
export function resolveTarget<P extends string>(
  where: string,
  options: TargetOptions<P>,
  env: Readonly<Record<string, string | undefined>>,
  spec: TargetSpec<P>,
): Target<P> {
  const variable = (name: string): { label: string; value: string | undefined } => {
    const key = `${spec.envPrefix}_${name}`;
    const raw = env[key];
    return { label: `environment variable ${key}`, value: raw === undefined || raw.trim() === '' ? undefined : raw.trim() };
  };
  const host = options.host ?? fromEnv(where, variable('HOST'), hostCheck) ?? '127.0.0.1';
  const protocolVar = variable('PROTOCOL');
  const protocol =
    options.protocol ??
    (protocolVar.value === undefined
      ? spec.defaultProtocol
      : checkValue(where, protocolVar.label, protocolVar.value.toLowerCase(), spec.protocolCheck));
  const portVar = variable('PORT');
  const port =
    options.port ??
    (portVar.value === undefined
      ? spec.defaultPort(protocol)
      : checkValue(where, portVar.label, /^\d+$/.test(portVar.value) ? Number(portVar.value) : portVar.value, portCheck));
  const prefix = options.prefix ?? variable('PREFIX').value ?? '';
  return { host, port, protocol, prefix };
}

function fromEnv<T>(where: string, variable: { label: string; value: string | undefined }, valueCheck: Check<T>): T | undefined {
  return variable.value === undefined ? undefined : checkValue(where, variable.label, variable.value, valueCheck);
}
