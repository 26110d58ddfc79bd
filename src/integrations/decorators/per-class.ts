/**
 * One metric per class: the class a call is made on, and a cache from classes to their
 * metric that a registry refusal cannot break.
 *
 * @module
 * @internal
 */

import { ErrorCodes, MetricsError } from '../../errors.js';
import { WarningLimiter } from '../../internal/warnings.js';

/** One limiter for every decorator: a refused metric is worth a warning, not one per class. */
const warnings = new WarningLimiter();

/**
 * Warns (rate-limited, `ERR_TAPEMEASURE_DECORATOR_FAILED`) that a decorator could not create
 * its metric.
 *
 * @internal
 */
export function warnDecoratorFailed(where: string, cause: unknown): void {
  warnings.warn(
    new MetricsError(ErrorCodes.DECORATOR_FAILED, `${where}: could not create its metric; the method runs unmeasured`, { cause }),
  );
}

/**
 * The class a call is made on: the receiver's constructor, or the receiver itself for
 * static methods; `undefined` without a usable receiver.
 *
 * @internal
 */
export function classOf(receiver: unknown): object | undefined {
  if (typeof receiver === 'function') return receiver;
  if (receiver !== null && typeof receiver === 'object') {
    const ctor = (receiver as { constructor?: unknown }).constructor;
    return typeof ctor === 'function' ? ctor : undefined;
  }
  return undefined;
}

/**
 * A class's name, or `''`.
 *
 * @internal
 */
export function className(cls: object): string {
  const n = (cls as { name?: unknown }).name;
  return typeof n === 'string' ? n : '';
}

/**
 * Resolves a metric per class with a one-entry cache in front of a `WeakMap`: a method
 * called repeatedly on one class costs one comparison. `null` marks a class whose metric
 * the registry refused (warned; the method then runs unmeasured).
 *
 * @internal
 */
export class PerClass<M> {
  readonly #where: string;
  readonly #create: (cls: object) => M;
  readonly #byClass = new WeakMap<object, M | null>();
  #lastClass: object | undefined = undefined;
  #lastMetric: M | null = null;

  constructor(where: string, create: (cls: object) => M) {
    this.#where = where;
    this.#create = create;
  }

  get(receiver: unknown): M | null {
    const cls = classOf(receiver);
    if (cls === undefined) return null;
    if (cls === this.#lastClass) return this.#lastMetric;
    let metric = this.#byClass.get(cls);
    if (metric === undefined) {
      try {
        metric = this.#create(cls);
      } catch (error) {
        warnDecoratorFailed(this.#where, error);
        metric = null;
      }
      this.#byClass.set(cls, metric);
    }
    this.#lastClass = cls;
    this.#lastMetric = metric;
    return metric;
  }
}
