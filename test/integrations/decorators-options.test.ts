/**
 * Table-driven options tests of the decorators: each option's bad values, bad templates
 * and kinds, and a typo of each key, asserting the code (and the suggestion for a typo).
 */

import { describe, expect, it } from 'vitest';
import { classMetric, counted, metered, timed } from '../../src/integrations/decorators.js';
import { Registry } from '../../src/registry/registry.js';
import { optionTableTests, thrown } from '../helpers/option-table.js';

type Attempt = (template: unknown, options: unknown) => unknown;

const DECORATORS: [string, Attempt, boolean][] = [
  ['@timed', (t, o) => timed(t as never, o as never), false],
  ['@metered', (t, o) => metered(t as never, o as never), false],
  ['@counted', (t, o) => counted(t as never, o as never), true],
  ['classMetric()', (t, o) => classMetric('timer', (t === undefined ? 'a.{class}' : t) as string, o as never), false],
];

const BAD: Record<string, readonly unknown[]> = {
  registry: [null, {}, 'default', { timer() {} }],
  tags: ['x', [], { 'bad key': 'v' }, { k: '' }, { k: 1 }, { k: 'x'.repeat(257) }, null],
};

const TYPOS: readonly [string, string][] = [
  ['registy', 'registry'],
  ['tag', 'tags'],
];

const BAD_TEMPLATES: readonly unknown[] = ['bad name', 'a.{klass}', 'a..b', '', 42, null];

describe.each(DECORATORS)('%s options', (_where, attempt, takesInFlight) => {
  optionTableTests((options) => attempt(undefined, options), { bad: BAD, typos: TYPOS, notObjects: ['x', 42, []] });

  it.each(BAD_TEMPLATES.map((t) => [t]))('rejects the template %o', (template) => {
    const error = thrown(() => attempt(template, undefined));
    expect(error.code).toBe('ERR_TAPEMEASURE_INVALID_OPTION');
    expect(error.option).toBe('the name template');
  });

  if (takesInFlight) {
    it.each([['yes'], [1], [null]])('rejects inFlight: %o', (inFlight) => {
      expect(thrown(() => attempt(undefined, { inFlight })).code).toBe('ERR_TAPEMEASURE_INVALID_OPTION');
    });
    it('rejects the typo inflight, suggesting inFlight', () => {
      expect(thrown(() => attempt(undefined, { inflight: true })).suggestion).toBe('inFlight');
    });
  } else {
    it('has no inFlight option', () => {
      expect(thrown(() => attempt(undefined, { inFlight: true })).code).toBe('ERR_TAPEMEASURE_UNKNOWN_OPTION');
    });
  }

  it('accepts good values and a scope', () => {
    const registry = new Registry();
    const good = { registry: registry.scope('svc', { team: 'core' }), tags: { kind: 'x' }, ...(takesInFlight ? { inFlight: true } : {}) };
    expect(() => attempt(undefined, good)).not.toThrow();
  });
});

describe('classMetric() positional arguments', () => {
  it.each([['gauge'], [1], [undefined]])('rejects the kind %o', (kind) => {
    const error = thrown(() => classMetric(kind as 'timer', 'a.{class}'));
    expect(error.code).toBe('ERR_TAPEMEASURE_INVALID_OPTION');
    expect(error.option).toBe('kind');
  });

  it('rejects a {method} placeholder, which has no meaning per class', () => {
    expect(thrown(() => classMetric('meter', 'a.{method}')).code).toBe('ERR_TAPEMEASURE_INVALID_OPTION');
  });

  it('refuses a target that is neither an object nor a class, with a coded error', () => {
    const metric = classMetric('counter', 'a.{class}', { registry: new Registry() });
    expect(thrown(() => metric(42 as unknown as object)).code).toBe('ERR_TAPEMEASURE_INVALID_ARGUMENT');
  });
});
