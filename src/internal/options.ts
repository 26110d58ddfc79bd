/**
 * The one options reader. Every public constructor and function reads its options
 * object here, so every one of them rejects unknown keys (with the nearest valid key as
 * a suggestion), checks each value's type and range, and words its errors alike:
 *
 * - `StatsdReporter: unknown option 'prefx'; did you mean 'prefix'?`
 * - `StatsdReporter: option 'port' must be an integer from 1 to 65535, received "abc"`
 *
 * A schema maps each option key to a {@link Check}; composite options spread their
 * parts' schemas (`{ ...REPORTER_OPTIONS, ...STATSD_OPTIONS }`), so a key is known
 * exactly when some part reads it.
 *
 * @module
 * @internal
 */

import { InvalidOptionError, UnknownOptionError, show } from '../errors.js';

/** Where a value is being checked: for messages and nested schemas. */
export type CheckContext = {
  /** Who reads the options (`'StatsdReporter'`, `'timer "db.query"'`). */
  readonly where: string;
  /** The option's path: its key, with indices into arrays (`port`, `tags[1]`, `intervalMs`). */
  readonly path: string;
  /** The option's label in messages (`option 'port'`, `intervalMs`). */
  readonly label: string;
  /** Whether the value is a key of an options object (labelled `option '<path>'`) or a positional argument. */
  readonly isOption: boolean;
  /** Throws the one invalid-option error: `<where>: <label> must be <expected>, received <value>`. */
  fail(expected: string): never;
};

/**
 * Checks one value and returns it (possibly normalised), or calls `context.fail()`.
 * `expected` describes what it accepts, for messages of combinators.
 */
export type Check<T> = {
  (value: unknown, context: CheckContext): T;
  readonly expected: string;
};

/** Option key to its check. */
export type Schema = Readonly<Record<string, Check<unknown>>>;

const NO_SCHEMA: Schema = Object.freeze({});

/** What {@link readOptions} returns: every key of the schema, `undefined` where not given. */
export type Read<S extends Schema> = { readonly [K in keyof S]: ReturnType<S[K]> | undefined };

/** Builds a {@link Check} from a predicate: the value is returned as it is when accepted. */
export function is<T>(expected: string, accepts: (value: unknown) => value is T): Check<T> {
  return check(expected, (value, context) => (accepts(value) ? value : context.fail(expected)));
}

/** Builds a {@link Check} from a function that returns the (normalised) value or calls `context.fail()`. */
export function check<T>(expected: string, read: (value: unknown, context: CheckContext) => T): Check<T> {
  const run = ((value: unknown, context: CheckContext): T => read(value, context)) as Check<T>;
  Object.defineProperty(run, 'expected', { value: expected });
  return run;
}

function contextFor(where: string, path: string, value: unknown, isOption: boolean): CheckContext {
  const label = isOption ? `option '${path}'` : path;
  return {
    where,
    path,
    label,
    isOption,
    fail(expected: string): never {
      throw new InvalidOptionError(`${where}: ${label} must be ${expected}, received ${show(value)}`, path);
    },
  };
}

/**
 * Checks a single value that is not in an options object (a positional argument such as
 * `start(intervalMs)`), with the same message template.
 *
 * @throws {@link InvalidOptionError} when `check` rejects it.
 */
export function checkValue<T>(where: string, label: string, value: unknown, valueCheck: Check<T>): T {
  return valueCheck(value, contextFor(where, label, value, false));
}

/**
 * Reads an options object against a schema.
 *
 * - `undefined` options read as `{}`; anything else that is not a plain object (null, an
 *   array, a number) is an {@link InvalidOptionError}.
 * - Every own enumerable string key must be in the schema, or an
 *   {@link UnknownOptionError} names it, where it was passed, and the nearest valid key.
 * - A key whose value is `undefined` counts as not given.
 * - `alsoKnown` names keys that are valid but read elsewhere (a base class's options
 *   read by the base class): they are neither rejected nor checked here.
 *
 * @throws {@link InvalidOptionError} or {@link UnknownOptionError}.
 */
export function readOptions<S extends Schema>(
  where: string,
  options: unknown,
  schema: S,
  alsoKnown: Schema = NO_SCHEMA,
): Read<S> {
  const out: Record<string, unknown> = {};
  if (options === undefined) {
    for (const key of Object.keys(schema)) out[key] = undefined;
    return out as Read<S>;
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidOptionError(`${where}: options must be an object, received ${show(options)}`);
  }
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(schema, key) && !Object.hasOwn(alsoKnown, key)) {
      throw unknownOption(where, key, [...Object.keys(schema), ...Object.keys(alsoKnown)]);
    }
  }
  for (const key of Object.keys(schema)) {
    const value = Object.hasOwn(given, key) ? given[key] : undefined;
    out[key] = value === undefined ? undefined : schema[key]!(value, contextFor(where, key, value, true));
  }
  return out as Read<S>;
}

/** The error for an unknown key, with the nearest valid key when one is close. */
export function unknownOption(where: string, key: string, known: readonly string[]): UnknownOptionError {
  const suggestion = nearest(key, known);
  const hint =
    suggestion !== undefined
      ? `; did you mean '${suggestion}'?`
      : known.length > 0
        ? `; valid options are ${known.map((k) => `'${k}'`).join(', ')}`
        : '; it takes no options';
  return new UnknownOptionError(key, suggestion, `${where}: unknown option ${show(key)}${hint}`);
}

/** The known key nearest to `key` (case-insensitive edit distance, or a prefix), if close enough to be a typo. */
export function nearest(key: string, known: readonly string[]): string | undefined {
  const k = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const c = candidate.toLowerCase();
    let distance = editDistance(k, c);
    // 'interval' for 'intervalMs', 'timeout' for 'timeoutMs': a missing unit suffix.
    if (k.length >= 3 && (c.startsWith(k) || k.startsWith(c))) distance = Math.min(distance, 1);
    // 'retry' for 'retries': a long common stem counts as a near miss.
    if (commonPrefix(k, c) >= 4) distance = Math.min(distance, 2);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.ceil(key.length * 0.4)) ? best : undefined;
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
function editDistance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Number.POSITIVE_INFINITY;
  let prev2: number[] = [];
  let prev: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      row.push(d);
    }
    prev2 = prev;
    prev = row;
  }
  return prev[b.length]!;
}

// ---------------------------------------------------------------------------
// Checks

/** Any string. */
export const string: Check<string> = is('a string', (v): v is string => typeof v === 'string');

/** A non-empty string. */
export const nonEmptyString: Check<string> = is(
  'a non-empty string',
  (v): v is string => typeof v === 'string' && v.length > 0,
);

/** `true` or `false`. */
export const boolean: Check<boolean> = is('true or false', (v): v is boolean => typeof v === 'boolean');

/** A function. */
export const func: Check<(...args: never[]) => unknown> = is(
  'a function',
  (v): v is (...args: never[]) => unknown => typeof v === 'function',
);

/** A non-null object (not an array). */
export const object: Check<object> = is(
  'an object',
  (v): v is object => v !== null && typeof v === 'object' && !Array.isArray(v),
);

function range(min: number, max: number, integer: boolean, minExclusive: boolean): string {
  const kind = integer ? 'an integer' : 'a finite number';
  if (max === Number.POSITIVE_INFINITY) return `${kind} ${minExclusive ? '>' : '>='} ${min}`;
  if (!minExclusive) return `${kind} from ${min} to ${max}`;
  return `${kind} > ${min} and <= ${max}`;
}

/** An integer in `[min, max]`. */
export function integer(min = Number.MIN_SAFE_INTEGER, max = Number.POSITIVE_INFINITY): Check<number> {
  return is(
    range(min, max, true, false),
    (v): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max,
  );
}

/** A finite number in `[min, max]`, or `(min, max]` with `minExclusive`. */
export function number(
  min = Number.NEGATIVE_INFINITY,
  max = Number.POSITIVE_INFINITY,
  minExclusive = false,
): Check<number> {
  return is(
    range(min, max, false, minExclusive),
    (v): v is number =>
      typeof v === 'number' && Number.isFinite(v) && (minExclusive ? v > min : v >= min) && v <= max,
  );
}

/** A finite number > 0. */
export const positiveNumber: Check<number> = number(0, Number.POSITIVE_INFINITY, true);

/** One of the given values. */
export function oneOf<const T extends readonly (string | number | boolean)[]>(...values: T): Check<T[number]> {
  const expected = `one of ${values.map((v) => show(v)).join(', ')}`;
  return is(expected, (v): v is T[number] => (values as readonly unknown[]).includes(v));
}

/** `an array of strings` for `a string`; `an array of values, each one of "a", "b"` otherwise. */
function arrayExpected(element: string): string {
  const noun = /^an? (\w+)$/.exec(element)?.[1];
  return noun !== undefined ? `an array of ${noun}s` : `an array of values, each ${element}`;
}

/** An array whose every element passes `element`; returned frozen. */
export function arrayOf<T>(element: Check<T>): Check<readonly T[]> {
  const expected = arrayExpected(element.expected);
  return check(expected, (value, context) => {
    if (!Array.isArray(value)) return context.fail(expected);
    const out: T[] = [];
    for (let i = 0; i < value.length; i++) {
      out.push(element(value[i], contextFor(context.where, `${context.path}[${i}]`, value[i], context.isOption)));
    }
    return Object.freeze(out);
  });
}

/** The first of `checks` that accepts the value (tried in order), or a failure naming them all. */
export function anyOf<T extends readonly Check<unknown>[]>(...checks: T): Check<ReturnType<T[number]>> {
  const expected = checks.map((c) => c.expected).join(' or ');
  return check(expected, (value, context) => {
    for (const c of checks) {
      try {
        return c(value, context) as ReturnType<T[number]>;
      } catch (error) {
        if (!(error instanceof InvalidOptionError) || error.option !== context.path) throw error;
      }
    }
    return context.fail(expected);
  });
}

/** A nested options object read against its own schema (unknown keys rejected too). */
export function shape<S extends Schema>(schema: S, description = 'an object'): Check<Read<S>> {
  return check(description, (value, context) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return context.fail(description);
    return readOptions(`${context.where} ${context.label}`, value, schema);
  });
}

/** An environment: an object whose values are strings or `undefined` (like `process.env`). */
export const env: Check<Readonly<Record<string, string | undefined>>> = is(
  'an object of strings (like process.env)',
  (v): v is Readonly<Record<string, string | undefined>> => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
    for (const value of Object.values(v)) if (value !== undefined && typeof value !== 'string') return false;
    return true;
  },
);

/** Any value the caller checks itself (for options whose check lives with their owner). */
export function anything<T>(expected: string): Check<T> {
  return is(expected, (_v): _v is T => true);
}

/**
 * A schema that knows these keys and leaves their checks to the code that reads them.
 * A step on the way to a full schema; prefer real checks.
 */
export function keysOnly(...keys: readonly string[]): Schema {
  const schema: Record<string, Check<unknown>> = {};
  for (const key of keys) schema[key] = anything('anything');
  return Object.freeze(schema);
}
