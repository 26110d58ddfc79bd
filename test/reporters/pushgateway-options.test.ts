/**
 * Table-driven options tests of pushMetrics, deleteMetrics and PushgatewayReporter: every
 * option's bad values, missing required options, and typos, asserting `err.code` (and
 * the suggestion for a typo). Bad options throw synchronously, before any I/O.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { Registry } from '../../src/registry/registry.js';
import { deleteMetrics, pushMetrics } from '../../src/reporters/pushgateway-push.js';
import { PushgatewayReporter } from '../../src/reporters/pushgateway-reporter.js';

const INVALID = ErrorCodes.INVALID_OPTION;
const UNKNOWN = ErrorCodes.UNKNOWN_OPTION;

/** A base that is valid on its own; each row overrides one key. Nothing listens on port 9. */
const base = { url: 'http://127.0.0.1:9', job: 'j' };

/** Bad values of the options every call shares. */
const TARGET_ROWS: [string, unknown][] = [
  ['url', 'not a url'],
  ['url', 'ftp://127.0.0.1/'],
  ['url', 'http://127.0.0.1:9091/?x=1'],
  ['url', 'http://127.0.0.1:9091/#top'],
  ['url', 9091],
  ['url', null],
  ['job', ''],
  ['job', 42],
  ['job', '\uD800'],
  ['groupingKey', 'instance=a'],
  ['groupingKey', { job: 'x' }],
  ['groupingKey', { __name__: 'x' }],
  ['groupingKey', { 'bad-name': 'x' }],
  ['groupingKey', { '1st': 'x' }],
  ['groupingKey', { instance: 1 }],
  ['groupingKey', ['a']],
  ['headers', 'x'],
  ['headers', { 'Content-Type': 'text/plain' }],
  ['headers', { 'content-length': '1' }],
  ['headers', { 'bad header': 'x' }],
  ['headers', { 'X-Ok': 'line\nbreak' }],
  ['headers', { 'X-Ok': 1 }],
  ['timeoutMs', 0],
  ['timeoutMs', 1.5],
  ['timeoutMs', '100'],
  ['timeoutMs', 2 ** 31],
  ['retries', -1],
  ['retries', 101],
  ['retries', 0.5],
  ['initialBackoffMs', 0],
  ['initialBackoffMs', Number.NaN],
  ['maxBackoffMs', -5],
  ['maxBackoffMs', '1s'],
  ['totalTimeoutMs', 0],
  ['totalTimeoutMs', Number.POSITIVE_INFINITY],
  ['onError', 'log'],
];

/** Bad values of the options of a push body. */
const BODY_ROWS: [string, unknown][] = [
  ['method', 'delete'],
  ['method', 'PUT'],
  ['prefix', 'my-app'],
  ['prefix', '1app'],
  ['prefix', 7],
  ['compress', 'yes'],
];

const READ_ROWS: [string, unknown][] = [
  ['registry', {}],
  ['registry', 'default'],
  ['filter', 42],
];

const TYPOS: [string, string][] = [
  ['jbo', 'job'],
  ['groupingkey', 'groupingKey'],
  ['retires', 'retries'],
  ['timeout', 'timeoutMs'],
  ['methd', 'method'],
];

const calls = {
  pushMetrics: (options: object) => pushMetrics(options as never),
  deleteMetrics: (options: object) => deleteMetrics(options as never),
  PushgatewayReporter: (options: object) => new PushgatewayReporter(options as never),
};

describe.each([
  ['pushMetrics', calls.pushMetrics, [...TARGET_ROWS, ...BODY_ROWS, ...READ_ROWS]],
  ['deleteMetrics', calls.deleteMetrics, TARGET_ROWS],
  [
    'PushgatewayReporter',
    calls.PushgatewayReporter,
    [
      ...TARGET_ROWS,
      ...BODY_ROWS,
      ...READ_ROWS,
      ['deleteOnStop', 'true'],
      ['stopTimeoutMs', 0],
      ['distribution', 'lifetime'],
      ['selfMetrics', 'yes'],
    ] as [string, unknown][],
  ],
] as const)('%s options', (_name, call, rows) => {
  it.each(rows)('%s = %j throws ERR_TAPEMEASURE_INVALID_OPTION synchronously', (key, value) => {
    expect(() => call({ ...base, [key]: value })).toThrow(expect.objectContaining({ code: INVALID }));
  });

  it.each([['url'], ['job']])('a missing %s throws ERR_TAPEMEASURE_INVALID_OPTION', (key) => {
    const options = Object.fromEntries(Object.entries(base).filter(([k]) => k !== key));
    expect(() => call(options)).toThrow(expect.objectContaining({ code: INVALID }));
  });

  it('options that are not an object throw ERR_TAPEMEASURE_INVALID_OPTION', () => {
    for (const options of [null, 42, 'http://127.0.0.1:9091', []]) {
      expect(() => call(options as object)).toThrow(expect.objectContaining({ code: INVALID }));
    }
  });

  it.each(TYPOS.filter(([, valid]) => _name !== 'deleteMetrics' || valid !== 'method'))(
    'the typo %s throws ERR_TAPEMEASURE_UNKNOWN_OPTION suggesting %s',
    (typo, suggestion) => {
      expect(() => call({ ...base, [typo]: 1 })).toThrow(expect.objectContaining({ code: UNKNOWN, option: typo, suggestion }));
    },
  );
});

describe('options that do not apply', () => {
  it('deleteMetrics takes no body or registry options', () => {
    for (const key of ['registry', 'method', 'prefix', 'compress', 'filter']) {
      expect(() => deleteMetrics({ ...base, [key]: undefined })).toThrow(expect.objectContaining({ code: UNKNOWN, option: key }));
    }
  });

  it.each([['rateUnit', 'min'], ['durationUnit', 's'], ['statistics', ['p99']]])(
    'PushgatewayReporter rejects %s (Prometheus text has its own units) as unknown',
    (key, value) => {
      expect(() => new PushgatewayReporter({ ...base, [key]: value })).toThrow(expect.objectContaining({ code: UNKNOWN, option: key }));
    },
  );
});

describe('valid options', () => {
  it('are accepted, with a scope as the registry', async () => {
    const registry = new Registry();
    const full = {
      ...base,
      registry: registry.scope('batch'),
      groupingKey: { instance: '', path: '/a b/☃' },
      headers: { Authorization: 'Bearer x' },
      timeoutMs: 5_000,
      retries: 0,
      initialBackoffMs: 1,
      maxBackoffMs: 1,
      totalTimeoutMs: 10_000,
      method: 'post' as const,
      prefix: 'p',
      compress: true,
      filter: ['a.', 'b.*'],
      onError: () => {},
    };
    const result = await pushMetrics(full);
    expect(result.error?.code).toBe(ErrorCodes.CONNECTION_FAILED);
    const { registry: _r, method: _m, prefix: _p, compress: _c, filter: _f, ...target } = full;
    expect((await deleteMetrics(target)).ok).toBe(false);
    const reporter = new PushgatewayReporter({ ...full, deleteOnStop: false, url: new URL(base.url), stopTimeoutMs: 500 });
    await reporter.stop();
  });
});
