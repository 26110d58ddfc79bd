/**
 * The one runner of table-driven options tests: each option's bad values, a typo of each
 * key (and the key it should suggest), and options that are not an object, each asserted
 * by `err.code` (and `err.option`, `err.suggestion`). Call it inside a `describe`.
 */

import { expect, it } from 'vitest';

/** What a coded options error carries. */
export type ThrownOptionError = { readonly code?: string; readonly option?: string; readonly suggestion?: string };

/** The error `attempt` throws; fails the test when it throws nothing. */
export function thrown(attempt: () => unknown): ThrownOptionError {
  try {
    attempt();
  } catch (error) {
    return error as ThrownOptionError;
  }
  throw new Error('expected a throw');
}

/** The tables of {@link optionTableTests}. */
export type OptionTable = {
  /** Per option, values that must be refused with ERR_TAPEMEASURE_INVALID_OPTION naming that option (or a part of it). */
  readonly bad?: Readonly<Record<string, readonly unknown[]>>;
  /** `[typo, suggestion]`: refused with ERR_TAPEMEASURE_UNKNOWN_OPTION suggesting `suggestion` (none when undefined). */
  readonly typos?: readonly (readonly [string, string | undefined])[];
  /** Whole options values that must be refused with ERR_TAPEMEASURE_INVALID_OPTION. */
  readonly notObjects?: readonly unknown[];
};

/** Declares the tests of `table` for `attempt(options)`, inside the current `describe`. */
export function optionTableTests(attempt: (options: unknown) => unknown, table: OptionTable): void {
  for (const [key, values] of Object.entries(table.bad ?? {})) {
    it.each(values.map((v) => [v]))(`rejects ${key}: %o`, (value) => {
      const error = thrown(() => attempt({ [key]: value }));
      expect(error.code).toBe('ERR_TAPEMEASURE_INVALID_OPTION');
      // The option named, or a part of it (`filter[0]`, `tags.k`).
      expect(error.option === key || error.option?.startsWith(`${key}[`) === true || error.option?.startsWith(`${key}.`) === true, `option ${error.option}`).toBe(true);
    });
  }
  if (table.typos !== undefined && table.typos.length > 0) {
    it.each(table.typos.map(([typo, suggestion]) => [typo, suggestion]))('rejects the typo %s, suggesting %s', (typo, suggestion) => {
      const error = thrown(() => attempt({ [typo]: 1 }));
      expect(error.code).toBe('ERR_TAPEMEASURE_UNKNOWN_OPTION');
      expect(error.suggestion).toBe(suggestion);
    });
  }
  if (table.notObjects !== undefined && table.notObjects.length > 0) {
    it.each(table.notObjects.map((v) => [v]))('rejects options that are not an object: %o', (options) => {
      expect(thrown(() => attempt(options)).code).toBe('ERR_TAPEMEASURE_INVALID_OPTION');
    });
  }
}
