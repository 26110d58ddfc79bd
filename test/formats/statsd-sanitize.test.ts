import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeUnderscore, hostileString } from '../servers/wire-strings.js';
import { formatStatsdNumber, sanitizeStatsdName, sanitizeStatsdSetMember, sanitizeStatsdTag } from '../../src/formats/statsd-sanitize.js';

describe('StatsD sanitisers', () => {
  it('sanitises names, tags and set members', () => {
    expect(sanitizeStatsdName('a:1|c\nb:2|c')).toBe('a_3A1_7Cc_0Ab_3A2_7Cc');
    expect(sanitizeStatsdName('')).toBe('');
    expect(sanitizeStatsdName('ok.name-1_x')).toBe('ok.name-1_x');
    expect(sanitizeStatsdTag('v,x:y|#z;w=q r')).toBe('v_2Cx_3Ay_7C_23z_3Bw_3Dq_20r');
    expect(sanitizeStatsdSetMember('user@example.com')).toBe('user@example.com');
    expect(sanitizeStatsdSetMember('a:b|s\n')).toBe('a_3Ab_7Cs_0A');
  });

  it('escape reversibly: what used to map to one `_` stays apart', () => {
    // the collision the review found: `/users/:id` and `/users/_id` were one tag value
    expect(sanitizeStatsdTag('/users/:id')).toBe('_2Fusers_2F_3Aid');
    expect(sanitizeStatsdTag('/users/_id')).toBe('_2Fusers_2F_id');
    // etsy StatsD turns `/` into `-`, so `/` is escaped and `-` is not
    expect(sanitizeStatsdTag('a-b')).toBe('a-b');
    expect(sanitizeStatsdTag('a/b')).toBe('a_2Fb');
    // a `_` that would read as an escape is escaped itself; others stay
    expect(sanitizeStatsdName('user_count')).toBe('user_count');
    expect(sanitizeStatsdName('a_3A')).toBe('a_5F3A');
    expect(sanitizeStatsdName('a:')).toBe('a_3A');
    expect(sanitizeStatsdName('_:')).toBe('__3A');
    expect(sanitizeStatsdName('\u00e9\ud83d\ude00')).toBe('_C3_A9_F0_9F_98_80');
    expect(sanitizeStatsdName('\ud800')).toBe('_ED_A0_80');
    expect(sanitizeStatsdSetMember('a b')).not.toBe(sanitizeStatsdSetMember('a_b'));
  });

  it('convert what is not a string instead of throwing', () => {
    expect(sanitizeStatsdName(undefined as unknown as string)).toBe('undefined');
    expect(sanitizeStatsdTag(3.5 as unknown as string)).toBe('3.5');
    expect(sanitizeStatsdSetMember(Symbol('m') as unknown as string)).toBe('Symbol_28m_29');
  });

  it('write numbers in the shortest exact form, never NaN or infinities', () => {
    expect(formatStatsdNumber(0.1)).toBe('0.1');
    expect(formatStatsdNumber(Number.NaN)).toBeNull();
    expect(formatStatsdNumber(Number.NEGATIVE_INFINITY)).toBeNull();
  });
});

describe('StatsD escape: reversible and inside the alphabet every StatsD keeps', () => {
  const any = fc.oneof(hostileString(20), fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom('_', 'A', 'F', '3', ':', 'x', '\ud800') }));
  it('names and tags decode back to exactly the string (so no two strings share a key)', () => {
    fc.assert(
      fc.property(any, (s) => {
        for (const escaped of [sanitizeStatsdName(s), sanitizeStatsdTag(s)]) {
          expect(escaped).toMatch(/^[A-Za-z0-9_.-]*$/);
          expect(decodeUnderscore(escaped)).toBe(s);
        }
        const member = sanitizeStatsdSetMember(s);
        expect(member).toMatch(/^[A-Za-z0-9_./@-]*$/);
        expect(decodeUnderscore(member)).toBe(s);
      }),
      { numRuns: 5000 },
    );
  });
});
