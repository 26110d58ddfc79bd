/**
 * Counter: a number that goes up (and down). Reading never resets it; reporters that
 * send deltas remember what they last sent.
 *
 * @module
 */

import type { Tags } from '../names.js';
import type { CounterSnapshot } from './snapshot.js';
import type { InvalidValueTally, MetricContext } from './metric.js';

/**
 * A counter. Get one from `registry.counter(name)`; hold the handle on hot paths.
 *
 * @example
 * ```ts
 * const errors = registry.counter('http.errors', { tags: { route: '/users/:id' } });
 * errors.inc();
 * ```
 */
export class Counter {
  /** Always `'counter'` (on the prototype: one less field per counter). */
  declare readonly type: 'counter';
  /** The dotted name. */
  readonly name: string;
  /** The tags, sorted by key and frozen. */
  readonly tags: Tags;
  #count = 0;
  readonly #invalid: InvalidValueTally;

  /** @internal Use `registry.counter()`. */
  constructor(context: MetricContext) {
    this.name = context.name;
    this.tags = context.tags;
    this.#invalid = context.env.invalid;
  }

  /**
   * Adds `n`. A non-finite `n`, or one that would make the count non-finite
   * (`inc(1e308)` twice), is dropped and counted in `registry.invalidValues`; never throws.
   *
   * @param n - the amount, default 1.
   */
  inc(n = 1): void {
    // The sum is checked too: finite inputs can overflow to Infinity, which every
    // backend would then show for ever (Prometheus serves `+Inf`).
    if (Number.isFinite(n) && Number.isFinite(this.#count + n)) this.#count += n;
    else this.#invalid.count++;
  }

  /**
   * Subtracts `n`. A non-finite `n`, or one that would make the count non-finite, is
   * dropped and counted; never throws.
   *
   * @param n - the amount, default 1.
   */
  dec(n = 1): void {
    if (Number.isFinite(n) && Number.isFinite(this.#count - n)) this.#count -= n;
    else this.#invalid.count++;
  }

  /** The current count. */
  get count(): number {
    return this.#count;
  }

  /** The JSON snapshot of this counter. */
  snapshot(): CounterSnapshot {
    return { type: 'counter', count: this.#count };
  }
}
Object.defineProperty(Counter.prototype, 'type', { value: 'counter', enumerable: false, writable: false, configurable: false });
