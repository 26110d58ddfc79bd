import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../src/errors.js';
import { checkValue } from '../src/internal/options.js';
import { decodeSegment, encodeSegment, MAX_NAME_LENGTH, name, NO_TAGS, normalizeTags, tagsCheck, validateName } from '../src/names.js';

const SEGMENT = /^[A-Za-z0-9_-]+$/;
/** Any JS string: every code point, unpaired surrogates included. */
const anyText = fc.string({ unit: 'binary', maxLength: 40 });

describe('encodeSegment / decodeSegment', () => {
  it('round-trips any string, unicode included', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        expect(decodeSegment(encodeSegment(s))).toBe(s);
      }),
      { numRuns: 2_000 },
    );
  });

  it('round-trips graphemes, route templates and dotted names', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), (s) => {
        expect(decodeSegment(encodeSegment(s))).toBe(s);
      }),
    );
    for (const s of ['/users/:id', 'GET /api/v1/items/{id}', 'a.b.c', 'Class::method', '  ', '_', '__', '-', '\u0000', '\u{1f600}', 'e\u0301']) {
      expect(decodeSegment(encodeSegment(s))).toBe(s);
    }
  });

  it('always yields one valid segment, and a valid name when short enough', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        const seg = encodeSegment(s);
        expect(seg).toMatch(SEGMENT);
        expect(seg).not.toContain('.');
        if (seg.length <= MAX_NAME_LENGTH) expect(() => validateName(seg)).not.toThrow();
      }),
      { numRuns: 2_000 },
    );
  });

  it('is injective: different strings never share an encoding', () => {
    fc.assert(
      fc.property(anyText, anyText, (a, b) => {
        fc.pre(a !== b);
        expect(encodeSegment(a)).not.toBe(encodeSegment(b));
      }),
      { numRuns: 2_000 },
    );
  });

  it('keeps ASCII letters, digits and "-" readable (golden)', () => {
    expect(encodeSegment('')).toBe('_');
    expect(encodeSegment('abc-XYZ-019')).toBe('abc-XYZ-019');
    expect(encodeSegment('/users/:id')).toBe('_2Fusers_2F_3Aid');
    expect(encodeSegment('a.b')).toBe('a_2Eb');
    expect(encodeSegment('a_b')).toBe('a_5Fb');
    expect(encodeSegment('caf\u00e9')).toBe('caf_C3_A9');
    expect(encodeSegment('\u{1f600}')).toBe('_F0_9F_98_80');
  });

  it('decodes only what it encodes: anything else throws ERR_TAPEMEASURE_INVALID_NAME', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/), (seg) => {
        let decoded: string;
        try {
          decoded = decodeSegment(seg);
        } catch (error) {
          expect(error).toMatchObject({ code: ErrorCodes.INVALID_NAME });
          return;
        }
        // A segment that decodes is the canonical encoding of what it decodes to.
        expect(encodeSegment(decoded)).toBe(seg);
      }),
      { numRuns: 2_000 },
    );
    for (const bad of ['', 'a.b', 'a b', '_', '_2', '_2f', '_ZZ', '_C3', '_C3_28', '_41', 'x_2D']) {
      if (bad === '_') continue; // the encoding of ''
      expect(() => decodeSegment(bad), bad).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_NAME }));
    }
  });

  // Regression: a string holding an unpaired UTF-16 surrogate (a route cut in the middle of
  // an emoji) used to be encoded through UTF-8 as U+FFFD, so it did not come back.
  it('round-trips strings with unpaired surrogates', () => {
    for (const s of ['x\ud83d', '\ude00', '\ud83d\ud83d', 'a\udfffb\ud800']) {
      expect(decodeSegment(encodeSegment(s))).toBe(s);
    }
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(decodeSegment(encodeSegment(s))).toBe(s);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('name()', () => {
  it('joins with dots, skipping empty, undefined and null parts', () => {
    expect(name('http', '', 'requests', undefined, null, 'get')).toBe('http.requests.get');
    expect(name()).toBe('');
    expect(name('a.b', 'c')).toBe('a.b.c');
  });

  it('joins encoded segments into a valid name that splits back into the originals', () => {
    fc.assert(
      fc.property(fc.array(anyText, { minLength: 1, maxLength: 5 }), (parts) => {
        const joined = name(...parts.map(encodeSegment));
        expect(joined.split('.').map(decodeSegment)).toEqual(parts);
        if (joined.length <= MAX_NAME_LENGTH) expect(() => validateName(joined)).not.toThrow();
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('tags', () => {
  const read = (tags: unknown): unknown => checkValue('timer "t"', "option 'tags'", tags, tagsCheck);
  const codeOf = (fn: () => unknown): unknown => {
    try {
      fn();
    } catch (error) {
      return (error as { code?: unknown }).code;
    }
    return undefined;
  };

  it('reads a tags option sorted and frozen, and {} as no tags', () => {
    const tags = read({ b: '2', a: '1' });
    expect(Object.keys(tags as object)).toEqual(['a', 'b']);
    expect(Object.isFrozen(tags)).toBe(true);
    expect(read({})).toBe(NO_TAGS);
    expect(normalizeTags({ b: '2', a: '1' }, 'm')).toEqual(tags);
    expect(normalizeTags(undefined, 'm')).toBe(NO_TAGS);
  });

  it('rejects a tags option that is not an object (INVALID_OPTION) and bad keys or values (INVALID_TAG)', () => {
    for (const bad of [5, 'x', [], null, true]) expect(codeOf(() => read(bad))).toBe(ErrorCodes.INVALID_OPTION);
    for (const bad of [{ '1x': 'v' }, { 'a-b': 'v' }, { k: '' }, { k: 'a\nb' }, { k: 5 }, { k: 'x'.repeat(257) }, { ['k'.repeat(101)]: 'v' }]) {
      expect(codeOf(() => read(bad))).toBe(ErrorCodes.INVALID_TAG);
      expect(codeOf(() => normalizeTags(bad, 'm'))).toBe(ErrorCodes.INVALID_TAG);
    }
  });

  // issue 11 #11: `out[key] = value` with the key `__proto__` set the prototype of the copy,
  // so JSON-parsed `{"__proto__": "x"}` tags vanished without a word.
  it('regression: refuses a JSON-parsed __proto__ tag key with INVALID_TAG instead of dropping it', () => {
    const parsed: unknown = JSON.parse('{"__proto__":"x","a":"1"}');
    expect(codeOf(() => normalizeTags(parsed, 'm'))).toBe(ErrorCodes.INVALID_TAG);
    expect(codeOf(() => read(parsed))).toBe(ErrorCodes.INVALID_TAG);
    // keys that are Object.prototype's own names are plain keys
    expect(normalizeTags({ constructor: 'c', toString: 't', hasOwnProperty: 'h' }, 'm')).toEqual({ constructor: 'c', hasOwnProperty: 'h', toString: 't' });
  });

  // Every wire writes UTF-8, where every unpaired surrogate becomes U+FFFD: two series would merge.
  it('regression: refuses tag values with unpaired surrogates', () => {
    for (const bad of ['\ud800', 'a\udc00', '\ud83d', '\ude00\ud83d']) {
      expect(codeOf(() => normalizeTags({ k: bad }, 'm'))).toBe(ErrorCodes.INVALID_TAG);
    }
    expect(normalizeTags({ k: 'caf\u00e9 \ud83d\ude00' }, 'm')).toEqual({ k: 'caf\u00e9 \ud83d\ude00' });
  });
});
