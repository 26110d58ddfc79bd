import { describe, expect, it } from 'vitest';
import { formatStatsdNumber, sanitizeStatsdName, sanitizeStatsdSetMember, sanitizeStatsdTag } from '../../src/formats/statsd-sanitize.js';

describe('StatsD sanitisers', () => {
  it('sanitises names, tags and set members', () => {
    expect(sanitizeStatsdName('a:1|c\nb:2|c')).toBe('a_1_c_b_2_c');
    expect(sanitizeStatsdName('')).toBe('_');
    expect(sanitizeStatsdName('ok.name-1_x')).toBe('ok.name-1_x');
    expect(sanitizeStatsdTag('v,x:y|#z;w=q r')).toBe('v_x_y__z_w_q_r');
    expect(sanitizeStatsdSetMember('user@example.com')).toBe('user@example.com');
    expect(sanitizeStatsdSetMember('a:b|s\n')).toBe('a_b_s_');
  });

  it('convert what is not a string instead of throwing', () => {
    expect(sanitizeStatsdName(undefined as unknown as string)).toBe('undefined');
    expect(sanitizeStatsdTag(3.5 as unknown as string)).toBe('3.5');
    expect(sanitizeStatsdSetMember(Symbol('m') as unknown as string)).toBe('Symbol_m_');
  });

  it('write numbers in the shortest exact form, never NaN or infinities', () => {
    expect(formatStatsdNumber(0.1)).toBe('0.1');
    expect(formatStatsdNumber(Number.NaN)).toBeNull();
    expect(formatStatsdNumber(Number.NEGATIVE_INFINITY)).toBeNull();
  });
});
