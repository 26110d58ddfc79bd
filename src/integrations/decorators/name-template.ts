/**
 * Name templates of the decorators: `{class}` and `{method}` placeholders, checked once
 * when a decorator is created and filled with encoded names when a class first calls.
 *
 * @module
 * @internal
 */

import { check, type Check } from '../../internal/options.js';
import { encodeSegment, validateName } from '../../names.js';

const PLACEHOLDER = /\{([^{}]*)\}/g;

/**
 * The check of a name template: a string that makes a valid metric name once its
 * placeholders (`{class}`, and `{method}` when `allowMethod`) are filled.
 *
 * @internal
 */
export function templateCheck(allowMethod: boolean): Check<string> {
  const expected = `a name template (a metric name whose segments may hold {class}${allowMethod ? ' and {method}' : ''})`;
  return check(expected, (value, context) => {
    if (typeof value !== 'string') return context.fail(expected);
    let known = true;
    const sample = value.replace(PLACEHOLDER, (_whole: string, key: string) => {
      if (key !== 'class' && !(allowMethod && key === 'method')) known = false;
      return 'x';
    });
    if (!known) return context.fail(expected);
    try {
      validateName(sample);
    } catch {
      return context.fail(expected);
    }
    return value;
  });
}

/**
 * Fills a checked template: `{class}` and `{method}` become the encoded class and method
 * names (`encodeSegment`), so any class or method name makes a valid name.
 *
 * @internal
 */
export function fillTemplate(template: string, className: string, methodName: string): string {
  return template.replace(PLACEHOLDER, (_whole: string, key: string) =>
    key === 'class' ? encodeSegment(className) : encodeSegment(methodName),
  );
}
