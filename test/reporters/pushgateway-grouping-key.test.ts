import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { checkValue } from '../../src/internal/options.js';
import { groupingKeyCheck, groupingKeyPath, isGroupingLabelName, jobCheck } from '../../src/reporters/pushgateway-grouping-key.js';

/**
 * What Pushgateway 1.5.1 makes of a path (handler/push.go): the router's decoded path is
 * split on `/`; a name ending in `@base64` has a value in RFC 4648 URL-safe base64 with
 * any trailing `=` ignored.
 */
function gatewayDecode(path: string): Record<string, string> {
  const decoded = decodeURIComponent(new URL(`http://gateway${path}`).pathname);
  const parts = decoded.split('/').slice(2); // '', 'metrics'
  expect(parts.length % 2).toBe(0);
  const out: Record<string, string> = {};
  for (let i = 0; i < parts.length; i += 2) {
    const name = parts[i]!;
    const value = parts[i + 1]!;
    if (name.endsWith('@base64')) {
      const raw = value.replace(/=+$/, '');
      expect(raw).toMatch(/^[A-Za-z0-9_-]*$/);
      out[name.slice(0, -'@base64'.length)] = Buffer.from(raw, 'base64url').toString('utf8');
    } else out[name] = value;
  }
  return out;
}

describe('groupingKeyPath', () => {
  it.each([
    ['directory_cleaner', { path: '/var/tmp' }, '/metrics/job/directory_cleaner/path@base64/L3Zhci90bXA'],
    ['example', { first_label: '', second_label: 'foobar' }, '/metrics/job/example/first_label@base64/=/second_label/foobar'],
    ['titan', { name: 'Προμηθεύς' }, '/metrics/job/titan/name@base64/zqDPgc6_zrzOt864zrXPjc-C'],
    ['plain-job_1.2', { instance: 'web-1', zone: 'eu~west' }, '/metrics/job/plain-job_1.2/instance/web-1/zone/eu~west'],
    ['a/b', {}, '/metrics/job@base64/YS9i'],
    ['..', { x: '.' }, '/metrics/job@base64/Li4/x@base64/Lg'],
    ['j', { space: 'a b', percent: '%2F' }, '/metrics/job/j/space@base64/YSBi/percent@base64/JTJG'],
  ])('%s %j -> %s (the Pushgateway README examples and more)', (job, key, path) => {
    expect(groupingKeyPath(job, key)).toBe(path);
    expect(gatewayDecode(path)).toEqual({ job, ...key });
  });

  it('keeps the labels in the order given', () => {
    expect(groupingKeyPath('j', { b: '1', a: '2' })).toBe('/metrics/job/j/b/1/a/2');
  });

  it('round-trips any job and grouping key through what the gateway decodes, untouched by URL normalisation', () => {
    const labelName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/).filter(isGroupingLabelName);
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
        fc.dictionary(labelName, fc.string({ unit: 'grapheme', maxLength: 12 }), { maxKeys: 4 }),
        (job, key) => {
          const path = groupingKeyPath(job, key);
          expect(new URL(`http://gateway${path}`).pathname).toBe(path);
          expect(gatewayDecode(path)).toEqual({ ...key, job });
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('grouping-key label names', () => {
  it.each([
    ['instance', true],
    ['_x', true],
    ['A1_b', true],
    ['job', false],
    ['__name__', false],
    ['__x', false],
    ['1a', false],
    ['a-b', false],
    ['a.b', false],
    ['', false],
    ['é', false],
  ])('%j is valid: %s', (name, valid) => {
    expect(isGroupingLabelName(name)).toBe(valid);
  });
});

describe('groupingKeyCheck and jobCheck', () => {
  const read = (value: unknown): unknown => checkValue('test', "option 'groupingKey'", value, groupingKeyCheck);
  it.each([
    [{ job: 'x' }],
    [{ __x: 'x' }],
    [{ 'a-b': 'x' }],
    [{ a: 1 }],
    [{ a: '\uD800' }],
    [['a']],
    [null],
    ['a=b'],
  ])('rejects %j with a coded error', (value) => {
    expect(() => read(value)).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
  });

  it('accepts empty and hostile values, and returns a frozen copy', () => {
    const given = { a: '', b: '/x y', c: '☃' };
    const out = read(given);
    expect(out).toEqual(given);
    expect(out).not.toBe(given);
    expect(Object.isFrozen(out)).toBe(true);
  });

  it.each([[''], ['\uDC00x'], [1], [null]])('jobCheck rejects %j', (value) => {
    expect(() => checkValue('test', "option 'job'", value, jobCheck)).toThrow(
      expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }),
    );
  });
});
