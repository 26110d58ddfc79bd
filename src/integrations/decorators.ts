/**
 * TypeScript standard decorators (TypeScript 5+, no `experimentalDecorators`) that time,
 * meter or count method calls, and per-class metrics named from a template.
 *
 * Names are templates: `{class}` is the class of the object the method is called on (a
 * subclass gets its own series) and `{method}` the method's name, each passed through
 * {@link encodeSegment}. A metric is created when a class first calls the method, never
 * when the decorator is applied, so an abstract base class gets no metric of its own.
 *
 * @module tapemeasure/decorators
 */
/// <reference types="node" preserve="true" />

import { defaultRegistry } from '../registry/default-registry.js';
import { InvalidOptionError, show } from '../errors.js';
import type { Counter } from '../metrics/counter.js';
import type { Meter } from '../metrics/meter.js';
import type { Timer } from '../metrics/timer.js';
import { encodeSegment, validateName, type Tags } from '../names.js';
import type { MetricFactory } from '../registry/types.js';

/** Options of the method decorators and of {@link classMetric}. */
export type DecoratorOptions = {
  /**
   * Where the metrics go: a registry or a scope of one.
   *
   * @defaultValue the default registry
   */
  readonly registry?: MetricFactory;
  /** Tags of the series. */
  readonly tags?: Tags;
};

/** Options of {@link counted}. */
export type CountedOptions = DecoratorOptions & {
  /**
   * Count calls in progress (incremented on entry, decremented when the call returns,
   * throws or its promise settles) instead of all calls ever made.
   *
   * @defaultValue false
   */
  readonly inFlight?: boolean;
};

/** The kinds of metric {@link classMetric} can name per class. */
export type ClassMetricKind = 'timer' | 'meter' | 'counter';

/** The metric type of each {@link ClassMetricKind}. */
export type ClassMetricOf<K extends ClassMetricKind> = K extends 'timer' ? Timer : K extends 'meter' ? Meter : Counter;

/** A standard method decorator that keeps the method's type. */
export type MetricMethodDecorator = <This, Args extends unknown[], Return>(
  value: (this: This, ...args: Args) => Return,
  context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => Return>,
) => (this: This, ...args: Args) => Return;

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** Checks a template once, when the decorator is created. */
function checkTemplate(template: unknown, what: string, allowMethod: boolean): string {
  if (typeof template !== 'string') {
    throw new InvalidOptionError(`${what}: the name template must be a string, received ${show(template)}`);
  }
  const sample = template.replace(PLACEHOLDER, (whole: string, key: string) => {
    if (key === 'class' || (allowMethod && key === 'method')) return 'x';
    throw new InvalidOptionError(
      `${what}: unknown placeholder ${show(whole)} in ${show(template)}; expected {class}${allowMethod ? ' or {method}' : ''}`,
    );
  });
  try {
    validateName(sample);
  } catch (error) {
    throw new InvalidOptionError(`${what}: ${show(template)} does not make a valid name: ${(error as Error).message}`);
  }
  return template;
}

function checkOptions(options: DecoratorOptions | undefined, what: string): MetricFactory {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new InvalidOptionError(`${what}: options must be an object, received ${show(options)}`);
  }
  const registry = options?.registry ?? defaultRegistry;
  if (typeof registry.timer !== 'function') {
    throw new InvalidOptionError(`${what}: registry must be a Registry or a scope, received ${show(options?.registry)}`);
  }
  return registry;
}

function fill(template: string, className: string, methodName: string): string {
  return template.replace(PLACEHOLDER, (_whole: string, key: string) =>
    key === 'class' ? encodeSegment(className) : encodeSegment(methodName),
  );
}

/** The class a call is made on: the receiver's constructor, or the receiver for static methods. */
function classOf(receiver: unknown): object | undefined {
  if (typeof receiver === 'function') return receiver;
  if (receiver !== null && typeof receiver === 'object') {
    const ctor = (receiver as { constructor?: unknown }).constructor;
    return typeof ctor === 'function' ? ctor : undefined;
  }
  return undefined;
}

function methodNameOf(context: { readonly name: string | symbol }): string {
  const key = context.name;
  return typeof key === 'symbol' ? (key.description ?? 'symbol') : key;
}

let warned = false;

function warnOnce(error: unknown): void {
  if (warned) return;
  warned = true;
  process.emitWarning(`a tapemeasure decorator could not create its metric and records nothing: ${String(error)}`, {
    code: 'TAPEMEASURE_DECORATOR',
  });
}

/**
 * Resolves a metric per class with a one-entry cache in front of a `WeakMap`: a method
 * called repeatedly on one class costs one comparison. `null` marks a class whose metric
 * the registry refused (warned once; the method then runs unmeasured).
 */
class PerClass<M> {
  readonly #create: (cls: object) => M;
  readonly #byClass = new WeakMap<object, M | null>();
  #lastClass: object | undefined = undefined;
  #lastMetric: M | null = null;

  constructor(create: (cls: object) => M) {
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
        warnOnce(error);
        metric = null;
      }
      this.#byClass.set(cls, metric);
    }
    this.#lastClass = cls;
    this.#lastMetric = metric;
    return metric;
  }
}

function className(cls: object): string {
  const n = (cls as { name?: unknown }).name;
  return typeof n === 'string' ? n : '';
}

/**
 * Calls `call`, then `done` once it has returned, thrown, or (for a promise) settled.
 * A promise comes back as a derived one that settles the same way, so a rejection
 * nobody handles is still reported as unhandled.
 */
function afterSettled<R>(call: () => R, done: () => unknown): R {
  let result: R;
  try {
    result = call();
  } catch (error) {
    done();
    throw error;
  }
  if (!isThenable(result)) {
    done();
    return result;
  }
  return result.then(
    (settled) => {
      done();
      return settled;
    },
    (error: unknown) => {
      done();
      throw error;
    },
  ) as R;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Times every call of a method (sync or async) in a {@link Timer}. For an async method the
 * duration runs until the returned promise settles; the method returns a promise that
 * settles the same way, after the duration is recorded, so an unhandled rejection is
 * still reported as one. A throw is recorded, then rethrown.
 *
 * The default template is `'{class}.{method}.timer'`.
 *
 * @param template - the timer's name: `{class}` and `{method}` are replaced by the
 *   encoded class and method names.
 * @param options - registry and tags.
 * @throws `InvalidOptionError` (`ERR_TAPEMEASURE_INVALID_OPTION`) when the decorator is created, for a template that
 *   cannot make a valid name or a bad option.
 *
 * @example
 * ```ts
 * class OrderService {
 *   @timed('orders.{class}.{method}')
 *   async place(order: Order) { ... }
 * }
 * ```
 */
export function timed(template = '{class}.{method}.timer', options?: DecoratorOptions): MetricMethodDecorator {
  checkTemplate(template, '@timed', true);
  const registry = checkOptions(options, '@timed');
  const tags = options?.tags;
  return <This, Args extends unknown[], Return>(
    value: (this: This, ...args: Args) => Return,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => Return>,
  ) => {
    const method = methodNameOf(context);
    const timers = new PerClass<Timer>((cls) =>
      registry.timer(fill(template, className(cls), method), tags === undefined ? undefined : { tags }),
    );
    return function (this: This, ...args: Args): Return {
      const timer = timers.get(this);
      if (timer === null) return value.apply(this, args);
      const stopwatch = timer.start();
      return afterSettled(() => value.apply(this, args), () => stopwatch.stop());
    };
  };
}

/**
 * Marks a {@link Meter} on every call of a method (when it is called, before it runs).
 *
 * The default template is `'{class}.{method}.meter'`.
 *
 * @param template - the meter's name, with `{class}` and `{method}` placeholders.
 * @param options - registry and tags.
 * @throws `InvalidOptionError` (`ERR_TAPEMEASURE_INVALID_OPTION`) when the decorator is created, for a bad template or option.
 *
 * @example
 * ```ts
 * class Mailer {
 *   @metered()
 *   send(mail: Mail) { ... }
 * }
 * ```
 */
export function metered(template = '{class}.{method}.meter', options?: DecoratorOptions): MetricMethodDecorator {
  checkTemplate(template, '@metered', true);
  const registry = checkOptions(options, '@metered');
  const tags = options?.tags;
  return <This, Args extends unknown[], Return>(
    value: (this: This, ...args: Args) => Return,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => Return>,
  ) => {
    const method = methodNameOf(context);
    const meters = new PerClass<Meter>((cls) =>
      registry.meter(fill(template, className(cls), method), tags === undefined ? undefined : { tags }),
    );
    return function (this: This, ...args: Args): Return {
      meters.get(this)?.mark();
      return value.apply(this, args);
    };
  };
}

/**
 * Counts calls of a method in a {@link Counter}: every call, or with `inFlight: true` the
 * calls in progress (async calls until their promise settles).
 *
 * The default template is `'{class}.{method}.counter'`.
 *
 * @param template - the counter's name, with `{class}` and `{method}` placeholders.
 * @param options - registry, tags and `inFlight`.
 * @throws `InvalidOptionError` (`ERR_TAPEMEASURE_INVALID_OPTION`) when the decorator is created, for a bad template or option.
 *
 * @example
 * ```ts
 * class Importer {
 *   @counted('imports.running', { inFlight: true })
 *   async run() { ... }
 * }
 * ```
 */
export function counted(template = '{class}.{method}.counter', options?: CountedOptions): MetricMethodDecorator {
  checkTemplate(template, '@counted', true);
  const registry = checkOptions(options, '@counted');
  const tags = options?.tags;
  const inFlight = options?.inFlight ?? false;
  if (typeof inFlight !== 'boolean') {
    throw new InvalidOptionError(`@counted: inFlight must be a boolean, received ${show(options?.inFlight)}`);
  }
  return <This, Args extends unknown[], Return>(
    value: (this: This, ...args: Args) => Return,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => Return>,
  ) => {
    const method = methodNameOf(context);
    const counters = new PerClass<Counter>((cls) =>
      registry.counter(fill(template, className(cls), method), tags === undefined ? undefined : { tags }),
    );
    if (!inFlight) {
      return function (this: This, ...args: Args): Return {
        counters.get(this)?.inc();
        return value.apply(this, args);
      };
    }
    return function (this: This, ...args: Args): Return {
      const counter = counters.get(this);
      if (counter === null) return value.apply(this, args);
      counter.inc();
      return afterSettled(() => value.apply(this, args), () => { counter.dec(); });
    };
  };
}

/**
 * A metric per class, named from a template with a `{class}` placeholder, as tapes'
 * `metered_meta` did, but created only when a class first asks for it: a base class gets
 * no metric unless it is used itself. Returns a function from an instance (or a class)
 * to its class's metric; the lookup is cached.
 *
 * @param kind - `'timer'`, `'meter'` or `'counter'`.
 * @param template - the name, with a `{class}` placeholder (encoded with {@link encodeSegment}).
 * @param options - registry and tags.
 * @throws `InvalidOptionError` (`ERR_TAPEMEASURE_INVALID_OPTION`) for a template that cannot make a valid name or a bad
 *   option. The returned function throws what the registry throws (a name or type conflict)
 *   the first time a class asks.
 *
 * @example
 * ```ts
 * const latency = classMetric('timer', 'handlers.{class}.latency');
 * abstract class Handler {
 *   handle(request: Request) {
 *     return latency(this).time(() => this.process(request));
 *   }
 *   abstract process(request: Request): Response;
 * }
 * class UserHandler extends Handler { ... } // times into handlers.UserHandler.latency
 * ```
 */
export function classMetric<K extends ClassMetricKind>(
  kind: K,
  template: string,
  options?: DecoratorOptions,
): (target: object) => ClassMetricOf<K> {
  if (kind !== 'timer' && kind !== 'meter' && kind !== 'counter') {
    throw new InvalidOptionError(`classMetric(): kind must be 'timer', 'meter' or 'counter', received ${show(kind)}`);
  }
  checkTemplate(template, 'classMetric()', false);
  const registry = checkOptions(options, 'classMetric()');
  const tags = options?.tags;
  const byClass = new WeakMap<object, ClassMetricOf<K>>();
  return (target: object): ClassMetricOf<K> => {
    const cls = classOf(target);
    if (cls === undefined) {
      throw new InvalidOptionError(`classMetric(): expected an object or a class, received ${show(target)}`);
    }
    let metric = byClass.get(cls);
    if (metric === undefined) {
      const name = fill(template, className(cls), '');
      const opts = tags === undefined ? undefined : { tags };
      metric = (
        kind === 'timer' ? registry.timer(name, opts) : kind === 'meter' ? registry.meter(name, opts) : registry.counter(name, opts)
      ) as ClassMetricOf<K>;
      byClass.set(cls, metric);
    }
    return metric;
  };
}
