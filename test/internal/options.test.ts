import { describe, expect, it } from 'vitest';
import { ErrorCodes, InvalidOptionError, UnknownOptionError } from '../../src/errors.js';
import {
  anyOf,
  anything,
  arrayOf,
  boolean,
  check,
  checkValue,
  env,
  func,
  integer,
  is,
  keysOnly,
  nearest,
  nonEmptyString,
  number,
  object,
  oneOf,
  positiveNumber,
  readOptions,
  shape,
  string,
  unknownOption,
  type Check,
} from '../../src/internal/options.js';

const INVALID = ErrorCodes.INVALID_OPTION;
const UNKNOWN = ErrorCodes.UNKNOWN_OPTION;

/** The error `run` throws (fails if it returns). */
function thrown(run: () => unknown): InvalidOptionError | UnknownOptionError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidOptionError || error instanceof UnknownOptionError) return error;
    throw error;
  }
  throw new Error('expected a throw');
}

/** Option keys of the public constructors, all in one schema: a suggestion must find the right one among all. */
const KEYS = [
  'registry',
  'filter',
  'prefix',
  'host',
  'port',
  'protocol',
  'intervalMs',
  'maxSeriesPerName',
  'maxSeries',
  'resolution',
  'significantDigits',
  'windowMs',
  'tags',
  'env',
  'onError',
  'statistics',
  'transport',
  'clock',
  'stopTimeoutMs',
  'selfMetrics',
  'durationUnit',
  'rateUnit',
  'retries',
];
const WIDE: Record<string, Check<unknown>> = Object.fromEntries(KEYS.map((k) => [k, anything('anything')]));

describe('readOptions: unknown keys', () => {
  it.each([
    ['prefx', 'prefix'],
    ['registy', 'registry'],
    ['maxSeriesPerNmae', 'maxSeriesPerName'],
    ['intervl', 'intervalMs'],
    ['protocl', 'protocol'],
    ['fliter', 'filter'],
    ['resolutin', 'resolution'],
    ['retry', 'retries'],
    ['interval', 'intervalMs'], // a missing unit suffix
    ['PREFIX', 'prefix'], // case
    ['hots', 'host'], // transposition
  ])('%s: suggests %s', (typo, suggestion) => {
    const error = thrown(() => readOptions('StatsdReporter', { [typo]: 1 }, WIDE));
    expect(error).toBeInstanceOf(UnknownOptionError);
    expect(error.code).toBe(UNKNOWN);
    expect(error.option).toBe(typo);
    expect((error as UnknownOptionError).suggestion).toBe(suggestion);
    expect(error.message).toContain('StatsdReporter');
    expect(error.message).toContain(suggestion);
  });

  it.each(['verbose', 'zzzzzzzz', 'x', 'maximumNumberOfThings', '__proto__'])('%s: far from every key, no suggestion', (key) => {
    const options = JSON.parse(`{${JSON.stringify(key)}: 1}`) as object; // an own "__proto__" key, as JSON gives it
    const error = thrown(() => readOptions('StatsdReporter', options, WIDE));
    expect(error.code).toBe(UNKNOWN);
    expect(error.option).toBe(key);
    expect((error as UnknownOptionError).suggestion).toBeUndefined();
    expect(error.message).toContain("'prefix'"); // lists the valid keys instead
  });

  it('says when there are no options at all', () => {
    const error = thrown(() => readOptions('thing', { a: 1 }, {}));
    expect(error.code).toBe(UNKNOWN);
    expect((error as UnknownOptionError).suggestion).toBeUndefined();
  });

  it('rejects the unknown key before checking known values', () => {
    expect(thrown(() => readOptions('R', { port: 'x', prefx: 'a' }, { port: integer(1, 65535), prefix: string })).code).toBe(UNKNOWN);
  });

  it('takes alsoKnown keys without checking or returning them, and suggests among them too', () => {
    const read = readOptions('R', { port: 1, registry: 'not checked here' }, { port: integer(1) }, { registry: object });
    expect(read).toEqual({ port: 1 });
    const error = thrown(() => readOptions('R', { registy: 1 }, { port: integer(1) }, { registry: object }));
    expect((error as UnknownOptionError).suggestion).toBe('registry');
  });

  it('ignores inherited and symbol keys', () => {
    const options = Object.assign(Object.create({ prefx: 'inherited' }) as object, { prefix: 'a', [Symbol('s')]: 1 });
    expect(readOptions('R', options, { prefix: string })).toEqual({ prefix: 'a' });
  });
});

describe('readOptions: the options object', () => {
  it.each([
    ['null', null],
    ['a number', 3],
    ['a string', 'prefix'],
    ['an array', [1]],
    ['a function', () => 1],
    ['true', true],
  ])('rejects %s as options', (_name, options) => {
    const error = thrown(() => readOptions('R', options, { a: string }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.code).toBe(INVALID);
    expect(error.option).toBeUndefined();
  });

  it('reads undefined options as none given: every key undefined', () => {
    expect(readOptions('R', undefined, { a: string, b: integer() })).toEqual({ a: undefined, b: undefined });
  });

  it('treats a key whose value is undefined as absent: not checked, read as undefined', () => {
    const read = readOptions('R', { port: undefined }, { port: integer(1, 65535), host: string });
    expect(read).toEqual({ port: undefined, host: undefined });
    expect(Object.keys(read).sort()).toEqual(['host', 'port']);
  });

  it('returns what the checks return (normalised values)', () => {
    const upper = check('a string', (v, c) => (typeof v === 'string' ? v.toUpperCase() : c.fail('a string')));
    expect(readOptions('R', { name: 'abc' }, { name: upper })).toEqual({ name: 'ABC' });
  });

  it('names the option in InvalidOptionError.option and the message', () => {
    const error = thrown(() => readOptions('StatsdReporter', { port: 'abc' }, { port: integer(1, 65535) }));
    expect(error.code).toBe(INVALID);
    expect(error.option).toBe('port');
    expect(error.message).toMatch(/^StatsdReporter: option 'port' must be an integer from 1 to 65535, received "abc"$/);
  });
});

/** [check, accepted values, rejected values]. */
const CHECKS: [string, Check<unknown>, unknown[], unknown[]][] = [
  ['string', string, ['', 'a'], [1, null, {}, [], true, Symbol('s')]],
  ['nonEmptyString', nonEmptyString, ['a', ' '], ['', 1, null]],
  ['boolean', boolean, [true, false], [0, 1, 'true', null]],
  ['func', func, [() => 1, function named() {}, class {}, async () => 1], [{}, 'f', null]],
  ['object', object, [{}, { a: 1 }, new Map(), Object.create(null) as object], [null, [], 'x', 1, () => 1]],
  ['integer()', integer(), [0, -3, 2 ** 40, Number.MIN_SAFE_INTEGER], [1.5, Number.NaN, Infinity, '1', 1n, Number.MIN_SAFE_INTEGER - 2]],
  ['integer(1, 65535)', integer(1, 65535), [1, 65535, 8125], [0, 65536, -1, 1.5]],
  ['number()', number(), [0, -1.5, 1e300], [Number.NaN, Infinity, -Infinity, '1', null]],
  ['number(0, 1)', number(0, 1), [0, 0.5, 1], [-0.01, 1.01]],
  ['number(0, 1, true)', number(0, 1, true), [0.001, 1], [0, -1, 1.5]],
  ['positiveNumber', positiveNumber, [1e-9, 1, 1e9], [0, -1, Infinity, Number.NaN]],
  ['oneOf', oneOf('udp', 'tcp', 1), ['udp', 'tcp', 1], ['UDP', 'pickle', '1', 2, null]],
  ['arrayOf(string)', arrayOf(string), [[], ['a', 'b']], ['a', [1], ['a', 2], {}, null]],
  ['anyOf(string, func)', anyOf(string, func), ['a', () => 1], [1, null, {}, ['a']]],
  ['env', env, [{}, { A: 'x', B: undefined }], [{ A: 1 }, null, [], 'A=1', { A: null }]],
  ['is', is('even', (v): v is number => typeof v === 'number' && v % 2 === 0), [0, 2], [1, '2']],
  ['anything', anything('anything'), [undefined, null, 0, 'x', {}], []],
];

describe('checks', () => {
  describe.each(CHECKS)('%s', (_name, c, accepted, rejected) => {
    it.each(accepted.map((v) => [v]))('accepts %s', (value) => {
      expect(checkValue('w', 'x', value, c)).toEqual(value);
    });

    it.each(rejected.map((v) => [v]))('rejects %s with ERR_TAPEMEASURE_INVALID_OPTION', (value) => {
      const error = thrown(() => readOptions('W', { key: value }, { key: c }));
      expect(error.code).toBe(INVALID);
      expect(error.option).toMatch(/^key/);
      expect(error.message).toContain(`W: option 'key`);
    });

    it('describes what it expects', () => {
      expect(typeof c.expected).toBe('string');
      expect(c.expected.length).toBeGreaterThan(0);
    });
  });

  it('arrayOf returns a frozen copy, and names the bad element', () => {
    const given = ['a', 'b'];
    const read = checkValue('w', 'tags', given, arrayOf(string));
    expect(read).toEqual(given);
    expect(read).not.toBe(given);
    expect(Object.isFrozen(read)).toBe(true);
    expect(thrown(() => checkValue('w', "option 'tags'", ['a', 2], arrayOf(string))).option).toBe("option 'tags'[1]");
  });

  it('arrayOf describes itself the same way in its own failure and inside anyOf', () => {
    expect(arrayOf(string).expected).toBe('an array of strings');
    const statistics = arrayOf(oneOf('count', 'p99'));
    expect(statistics.expected).toBe('an array of values, each one of "count", "p99"');
    expect(thrown(() => checkValue('w', 'x', 3, statistics)).message).toContain(statistics.expected);
    expect(anyOf(string, arrayOf(string), func).expected).toBe('a string or an array of strings or a function');
  });

  it('env accepts process.env itself', () => {
    expect(checkValue('w', 'env', process.env, env)).toBe(process.env);
  });

  it('checkValue checks a positional argument under its own label', () => {
    expect(checkValue('start()', 'intervalMs', 1000, positiveNumber)).toBe(1000);
    const error = thrown(() => checkValue('start()', 'intervalMs', -1, positiveNumber));
    expect(error.code).toBe(INVALID);
    expect(error.option).toBe('intervalMs');
    expect(error.message).toBe('start(): intervalMs must be a finite number > 0, received -1');
  });

  it('keysOnly knows the keys and accepts any value for them', () => {
    const schema = keysOnly('a', 'b');
    expect(readOptions('R', { a: 1, b: 'x' }, schema)).toEqual({ a: 1, b: 'x' });
    expect(thrown(() => readOptions('R', { c: 1 }, schema)).code).toBe(UNKNOWN);
  });
});

describe('anyOf', () => {
  const selector = anyOf(string, arrayOf(string), func);

  it('returns what the first accepting check returns', () => {
    const array = checkValue('w', 'f', ['a'], selector);
    expect(array).toEqual(['a']);
    expect(Object.isFrozen(array)).toBe(true); // from arrayOf, not the value as given
  });

  it('names every alternative when none accepts', () => {
    const error = thrown(() => readOptions('R', { filter: 3 }, { filter: selector }));
    expect(error.code).toBe(INVALID);
    expect(error.option).toBe('filter');
    expect(error.message).toContain('a string or an array of strings or a function');
  });

  it('lets a deeper, more precise error through (a bad array element)', () => {
    expect(thrown(() => readOptions('R', { filter: ['a', 2] }, { filter: selector })).option).toBe('filter[1]');
  });

  it('lets a nested shape error through (unknown key inside)', () => {
    const selfMetrics = anyOf(boolean, shape({ prefix: string }));
    const error = thrown(() => readOptions('R', { selfMetrics: { prefx: 'a' } }, { selfMetrics }));
    expect(error.code).toBe(UNKNOWN);
    expect((error as UnknownOptionError).suggestion).toBe('prefix');
  });

  it('does not swallow errors that are not invalid options', () => {
    const boom = check<never>('boom', () => {
      throw new RangeError('boom');
    });
    expect(() => checkValue('w', 'x', 1, anyOf(boom, string))).toThrow(RangeError);
  });
});

describe('shape', () => {
  const selfMetrics = shape({ prefix: nonEmptyString, intervalMs: positiveNumber }, 'an object of self-metrics options');

  it('reads a nested options object with its own schema', () => {
    expect(readOptions('R', { selfMetrics: { prefix: 'x' } }, { selfMetrics })).toEqual({
      selfMetrics: { prefix: 'x', intervalMs: undefined },
    });
  });

  it.each([['a string', 'yes'], ['null', null], ['an array', []], ['a number', 1]])('rejects %s as the nested object', (_n, value) => {
    const error = thrown(() => readOptions('R', { selfMetrics: value }, { selfMetrics }));
    expect(error.code).toBe(INVALID);
    expect(error.option).toBe('selfMetrics');
    expect(error.message).toContain('an object of self-metrics options');
  });

  it('checks nested values and names where they were', () => {
    const error = thrown(() => readOptions('StatsdReporter', { selfMetrics: { intervalMs: 0 } }, { selfMetrics }));
    expect(error.code).toBe(INVALID);
    expect(error.option).toBe('intervalMs');
    expect(error.message).toMatch(/^StatsdReporter option 'selfMetrics': option 'intervalMs' must be/);
  });

  it('rejects a nested unknown key with a suggestion', () => {
    const error = thrown(() => readOptions('R', { selfMetrics: { intervl: 5 } }, { selfMetrics }));
    expect(error.code).toBe(UNKNOWN);
    expect(error.option).toBe('intervl');
    expect((error as UnknownOptionError).suggestion).toBe('intervalMs');
  });
});

describe('nearest and unknownOption', () => {
  it('needs a key close enough to be a typo', () => {
    expect(nearest('prot', ['port', 'protocol'])).toBe('port');
    expect(nearest('hots', ['host', 'port'])).toBe('host');
    expect(nearest('ab', ['xy'])).toBe('xy'); // two edits are always close for short keys
    expect(nearest('abc', ['xyz'])).toBeUndefined();
    expect(nearest(`${'a'.repeat(70)}b`, [`${'a'.repeat(70)}c`])).toBe(`${'a'.repeat(70)}c`); // too long to compare, but a long common stem
    expect(nearest('a'.repeat(80), ['a'.repeat(79)])).toBe('a'.repeat(79)); // but a prefix still is
    expect(nearest('x', [])).toBeUndefined();
  });

  it('builds the one unknown-option error', () => {
    const error = unknownOption('Koa', 'rotues', ['routes', 'registry']);
    expect(error.code).toBe(UNKNOWN);
    expect(error.option).toBe('rotues');
    expect(error.suggestion).toBe('routes');
    expect(error.message).toBe(`Koa: unknown option "rotues"; did you mean 'routes'?`);
  });
});
