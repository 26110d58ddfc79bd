import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeRouteSegments,
  PUNCTUATION,
  RESERVED_SEGMENTS,
  routeSegments,
  routeTagValue,
} from '../../../src/integrations/http/route-names.js';
import { isTagValue, validateName } from '../../../src/names.js';

const ROOM = 700;

/** Templates as frameworks write them, plus arbitrary strings. */
const piece = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/),
  fc.stringMatching(/^:[a-zA-Z][a-zA-Z0-9_]{0,6}$/),
  fc.constantFrom('*', '', 'requests', 'errors', 'unmatched', 'root', '_search', ':id.json', '{:opt}', '(.*)', '*splat', '_', '-'),
  fc.string({ maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 4 }),
);
const template = fc.oneof(
  fc.array(piece, { maxLength: 6 }).map((pieces) => `/${pieces.join('/')}`),
  fc.array(piece, { minLength: 1, maxLength: 4 }).map((pieces) => pieces.join('/')),
  fc.string({ maxLength: 20 }),
);

describe('routeSegments', () => {
  it('reads well for the templates frameworks write', () => {
    const examples: [string, string][] = [
      ['/users/:id', 'users._id'],
      ['/api/orgs/:org/repos/:repo', 'api.orgs._org.repos._repo'],
      ['/user_profile/:user_id', 'user_profile._user_id'],
      ['/', 'root'],
      ['/_search', '__search'],
      ['/files/:name.json', 'files._-_cname_djson'],
      ['/static/*', 'static._-_s'],
      ['/users/requests', 'users._-requests'],
      ['/v1.2/health', '_-v1_d2.health'],
      ['users', '_.users'],
      ['/users/', 'users._-'],
    ];
    for (const [input, expected] of examples) expect([input, routeSegments(input, ROOM)]).toEqual([input, expected]);
  });

  it('is reversible, so two different templates never make the same name', () => {
    fc.assert(
      fc.property(template, (t) => {
        expect(decodeRouteSegments(routeSegments(t, ROOM))).toBe(t);
      }),
      { numRuns: 5_000 },
    );
    fc.assert(
      fc.property(template, template, (a, b) => {
        fc.pre(a !== b);
        expect(routeSegments(a, ROOM)).not.toBe(routeSegments(b, ROOM));
      }),
      { numRuns: 5_000 },
    );
  });

  it('makes valid names whose segments are never a reserved word, so no series is a branch of another', () => {
    fc.assert(
      fc.property(template, (t) => {
        const joined = routeSegments(t, ROOM);
        validateName(`http.server.${joined}.GET.2xx.response_bytes`);
        if (t === '/') return; // 'root': the one template that owns its reserved word
        for (const segment of joined.split('.')) expect(RESERVED_SEGMENTS.has(segment)).toBe(false);
      }),
      { numRuns: 5_000 },
    );
  });

  it('cuts a name that would be too long, ending it with a hash of the template', () => {
    const long = `/${'x'.repeat(300)}/a`;
    const joined = routeSegments(long, ROOM);
    expect(joined).toMatch(/^_0[0-9a-f]{8}$/);
    const deep = `/${'segment/'.repeat(200)}end`;
    const cut = routeSegments(deep, ROOM);
    expect(cut.length).toBeLessThanOrEqual(ROOM);
    expect(cut).toMatch(/^(segment\.)+_0[0-9a-f]{8}$/);
    expect(routeSegments(`${deep}2`, ROOM)).not.toBe(cut);
  });

  it('spells every printable ASCII punctuation character with its own letter', () => {
    const letters = Object.values(PUNCTUATION);
    expect(new Set(letters).size).toBe(letters.length);
    expect(letters).not.toContain('u');
    for (let c = 0x21; c < 0x7f; c++) {
      const char = String.fromCharCode(c);
      if (/[A-Za-z0-9_-]/.test(char)) continue;
      expect(PUNCTUATION[char]).toMatch(/^[A-Za-z]$/);
    }
  });
});

describe('routeTagValue', () => {
  it('is the template itself when it is a valid tag value', () => {
    expect(routeTagValue('/users/:id')).toBe('/users/:id');
    expect(routeTagValue('')).toBe('(empty)');
    expect(routeTagValue('/a\nb')).toBe('/a\\x0ab');
    const long = routeTagValue(`/${'x'.repeat(300)}`);
    expect(long).toHaveLength(256);
    expect(long).toMatch(/-[0-9a-f]{8}$/);
  });

  // Tag values must now be well-formed UTF-16: a template with an unpaired surrogate, or one
  // cut inside a surrogate pair, would make the recorder's timer lookup throw INVALID_TAG.
  it('is always a valid tag value, unpaired surrogates and cut surrogate pairs included', () => {
    expect(routeTagValue('/a\ud800b')).toBe('/a\\ud800b');
    expect(isTagValue(routeTagValue(`/${'x'.repeat(245)}\ud83d\ude00${'y'.repeat(20)}`))).toBe(true);
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(fc.constantFrom('\ud83d', '\ude00', '\ud83d\ude00', 'x', '\n'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 300 }), (t) => {
        expect(isTagValue(routeTagValue(t))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
