import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeLabelValue, labelName } from '../../src/formats/prometheus-names.js';

describe('labelName', () => {
  // `quantile` was written `tag_quantile`, the same label as a tag really named `tag_quantile`.
  it('regression: a renamed reserved key never meets a tag that starts with tag_', () => {
    expect(labelName('quantile')).toBe('tag_quantile');
    expect(labelName('tag_quantile')).toBe('tag_tag_quantile');
    expect(labelName('le')).not.toBe(labelName('tag_le'));
    expect(labelName('__name__')).not.toBe(labelName('tag___name__'));
    expect(labelName('route')).toBe('route');
    expect(labelName('tagx')).toBe('tagx');
  });

  it('is one-to-one on tag keys (strip one tag_ to read a key back)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/), (key) => {
        const label = labelName(key);
        expect(label).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
        expect(label.startsWith('__')).toBe(false);
        expect(label.startsWith('tag_') ? label.slice(4) : label).toBe(key);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('escapeLabelValue', () => {
  it('escapes backslash, double quote and line feed only', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeLabelValue('/users/:id {x="1"}')).toBe('/users/:id {x=\\"1\\"}');
  });
});
