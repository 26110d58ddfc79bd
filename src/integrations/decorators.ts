/**
 * TypeScript standard decorators (TypeScript 5+, no `experimentalDecorators`) that time,
 * meter or count method calls, and per-class metrics named from a template. Import from
 * `tapemeasure/decorators`.
 *
 * Names are templates: `{class}` is the class of the object the method is called on (a
 * subclass gets its own series) and `{method}` the method's name, each passed through
 * `encodeSegment`. A metric is created when a class first calls the method, never when
 * the decorator is applied, so an abstract base class gets no metric of its own.
 *
 * @module tapemeasure/decorators
 */
/// <reference types="node" preserve="true" />

import { InvalidArgumentError, show } from '../errors.js';
import { boolean, checkValue, oneOf, readOptions } from '../internal/options.js';
import { afterSettled } from '../internal/thenable.js';
import type { Counter } from '../metrics/counter.js';
import type { Meter } from '../metrics/meter.js';
import type { Timer } from '../metrics/timer.js';
import type { Tags } from '../names.js';
import { REGISTRY_OPTION, registryOf } from '../registry/registry-option.js';
import type { MetricRegistry } from '../registry/types.js';
import { fillTemplate, templateCheck } from './decorators/name-template.js';
import { classOf, className, PerClass } from './decorators/per-class.js';
import { tagsCheck } from './name-checks.js';

/** Options of the method decorators and of {@link classMetric}. */
export type DecoratorOptions = {
  /**
   * Where the metrics go: a registry, a scope of one, or any registry with the
   * tapemeasure brand.
   *
   * @defaultValue the default registry
   */
  readonly registry?: MetricRegistry;
  /**
   * Tags of the series.
   *
   * @defaultValue none
   */
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

const DECORATOR_OPTIONS = Object.freeze({ ...REGISTRY_OPTION, tags: tagsCheck });
const COUNTED_OPTIONS = Object.freeze({ ...DECORATOR_OPTIONS, inFlight: boolean });
const METHOD_TEMPLATE = templateCheck(true);
const CLASS_TEMPLATE = templateCheck(false);
const KIND = oneOf('timer', 'meter', 'counter');

type Setup = {
  readonly template: string;
  readonly registry: MetricRegistry;
  readonly options: { tags: Tags } | undefined;
  readonly inFlight: boolean;
};

/** Reads a decorator's template and options, once, when the decorator is created. */
function setup(where: string, template: unknown, options: unknown, schema: typeof COUNTED_OPTIONS | typeof DECORATOR_OPTIONS): Setup {
  const checked = checkValue(where, 'the name template', template, METHOD_TEMPLATE);
  const o: { registry?: MetricRegistry | undefined; tags?: Tags | undefined; inFlight?: boolean | undefined } = readOptions(
    where,
    options,
    schema,
  );
  return {
    template: checked,
    registry: registryOf(o),
    options: o.tags === undefined ? undefined : { tags: o.tags },
    inFlight: o.inFlight ?? false,
  };
}

function methodNameOf(context: { readonly name: string | symbol }): string {
  const key = context.name;
  return typeof key === 'symbol' ? (key.description ?? 'symbol') : key;
}

/**
 * Times every call of a method (sync or async) in a {@link Timer}. For an async method the
 * duration runs until the returned promise settles; the method returns a promise that
 * settles the same way, after the duration is recorded, so a rejection nobody handles is
 * still reported as unhandled. A throw is recorded, then rethrown.
 *
 * @param template - the timer's name: `{class}` and `{method}` are replaced by the
 *   encoded class and method names.
 *   Default: `'{class}.{method}.timer'`.
 * @param options - registry and tags.
 * @throws `InvalidOptionError` (`ERR_TAPEMEASURE_INVALID_OPTION`) when the decorator is
 *   created, for a template that cannot make a valid name or a bad option;
 *   `UnknownOptionError` (`ERR_TAPEMEASURE_UNKNOWN_OPTION`) for an unknown option.
 *
 * @example
 * ```ts
 * import { timed } from 'tapemeasure/decorators';
 *
 * class OrderService {
 *   @timed('orders.{class}.{method}')
 *   async place(order: { id: string }): Promise<string> {
 *     return order.id;
 *   }
 * }
 * ```
 */
export function timed(template = '{class}.{method}.timer', options?: DecoratorOptions): MetricMethodDecorator {
  const s = setup('@timed', template, options, DECORATOR_OPTIONS);
  return <This, Args extends unknown[], Return>(
    value: (this: This, ...args: Args) => Return,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => Return>,
  ) => {
    const method = methodNameOf(context);
    const timers = new PerClass<Timer>('@timed', (cls) =>
      s.registry.timer(fillTemplate(s.template, className(cls), method), s.options),
    );
    return function (this: This, ...args: Args): Return {
      const timer = timers.get(this);
      if (timer === null) return value.apply(this, args);
      const stopwatch = timer.start();
      return afterSettled(
        () => value.apply(this, args),
        () => {
          stopwatch.stop();
        },
      );
    };
  };
}

/**
 * Marks a {@link Meter} on every call of a method (when it is called, before it runs).
 *
 * @param template - the meter's name, with `{class}` and `{method}` placeholders.
 *   Default: `'{class}.{method}.meter'`.
 * @param options - registry and tags.
 * @throws `InvalidOptionError` (`ERR_TAPEMEASURE_INVALID_OPTION`) when the decorator is
 *   created, for a bad template or option; `UnknownOptionError` for an unknown option.
 *
 * @example
 * ```ts
 * import { metered } from 'tapemeasure/decorators';
 *
 * class Mailer {
 *   @metered()
 *   send(to: string): void {}
 * }
 * ```
 */
export function metered(template = '{class}.{method}.meter', options?: DecoratorOptions): MetricMethodDecorator {
  const s = setup('@metered', template, options, DECORATOR_OPTIONS);
  return <This, Args extends unknown[], Return>(
    value: (this: This, ...args: Args) => Return,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => Return>,
  ) => {
    const method = methodNameOf(context);
    const meters = new PerClass<Meter>('@metered', (cls) =>
      s.registry.meter(fillTemplate(s.template, className(cls), method), s.options),
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
 * @param template - the counter's name, with `{class}` and `{method}` placeholders.
 *   Default: `'{class}.{method}.counter'`.
 * @param options - registry, tags and `inFlight`.
 * @throws `InvalidOptionError` (`ERR_TAPEMEASURE_INVALID_OPTION`) when the decorator is
 *   created, for a bad template or option; `UnknownOptionError` for an unknown option.
 *
 * @example
 * ```ts
 * import { counted } from 'tapemeasure/decorators';
 *
 * class Importer {
 *   @counted('imports.running', { inFlight: true })
 *   async run(): Promise<void> {}
 * }
 * ```
 */
export function counted(template = '{class}.{method}.counter', options?: CountedOptions): MetricMethodDecorator {
  const s = setup('@counted', template, options, COUNTED_OPTIONS);
  return <This, Args extends unknown[], Return>(
    value: (this: This, ...args: Args) => Return,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => Return>,
  ) => {
    const method = methodNameOf(context);
    const counters = new PerClass<Counter>('@counted', (cls) =>
      s.registry.counter(fillTemplate(s.template, className(cls), method), s.options),
    );
    if (!s.inFlight) {
      return function (this: This, ...args: Args): Return {
        counters.get(this)?.inc();
        return value.apply(this, args);
      };
    }
    return function (this: This, ...args: Args): Return {
      const counter = counters.get(this);
      if (counter === null) return value.apply(this, args);
      counter.inc();
      return afterSettled(
        () => value.apply(this, args),
        () => {
          counter.dec();
        },
      );
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
 * @param template - the name, with a `{class}` placeholder (encoded with `encodeSegment`).
 * @param options - registry and tags.
 * @throws `InvalidOptionError` (`ERR_TAPEMEASURE_INVALID_OPTION`) for a bad kind, a template
 *   that cannot make a valid name or a bad option; `UnknownOptionError` for an unknown
 *   option. The returned function throws `InvalidArgumentError` for a target that is
 *   neither an object nor a class, and what the registry throws (a name or type
 *   conflict) the first time a class asks.
 *
 * @example
 * ```ts
 * import { classMetric } from 'tapemeasure/decorators';
 *
 * const latency = classMetric('timer', 'handlers.{class}.latency');
 * abstract class Handler {
 *   handle(input: number): number {
 *     return latency(this).time(() => this.process(input));
 *   }
 *   abstract process(input: number): number;
 * }
 * class Doubler extends Handler {
 *   process(input: number): number {
 *     return input * 2;
 *   }
 * }
 * new Doubler().handle(21); // timed into handlers.Doubler.latency
 * ```
 */
export function classMetric<K extends ClassMetricKind>(
  kind: K,
  template: string,
  options?: DecoratorOptions,
): (target: object) => ClassMetricOf<K> {
  checkValue('classMetric()', 'kind', kind, KIND);
  const checked = checkValue('classMetric()', 'the name template', template, CLASS_TEMPLATE);
  const o = readOptions('classMetric()', options, DECORATOR_OPTIONS);
  const registry = registryOf(o);
  const opts = o.tags === undefined ? undefined : { tags: o.tags };
  const byClass = new WeakMap<object, ClassMetricOf<K>>();
  return (target: object): ClassMetricOf<K> => {
    const cls = classOf(target);
    if (cls === undefined) {
      throw new InvalidArgumentError(`classMetric(): expected an object or a class, received ${show(target)}`);
    }
    let metric = byClass.get(cls);
    if (metric === undefined) {
      const name = fillTemplate(checked, className(cls), '');
      metric = (
        kind === 'timer' ? registry.timer(name, opts) : kind === 'meter' ? registry.meter(name, opts) : registry.counter(name, opts)
      ) as ClassMetricOf<K>;
      byClass.set(cls, metric);
    }
    return metric;
  };
}
