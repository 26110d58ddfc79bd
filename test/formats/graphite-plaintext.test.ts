import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { graphitePath, graphitePathProblem } from '../../src/formats/graphite-path.js';
import { encodeGraphitePlaintext, formatGraphiteLine, formatGraphiteLines } from '../../src/formats/graphite-plaintext.js';
import { runSystemPython, skipWithoutCarbon } from '../helpers/carbon-server.js';

describe('formatGraphiteLine', () => {
  it('writes path, value and whole-second timestamp (golden)', () => {
    expect(formatGraphiteLine('a.b', 1.5, 1_700_000_000)).toBe('a.b 1.5 1700000000');
    expect(formatGraphiteLine('a.b', 42, 1_700_000_000.999)).toBe('a.b 42 1700000000');
    expect(formatGraphiteLine('a.b', -3, 0)).toBe('a.b -3 0');
  });

  it('keeps full precision (no rounding to 2 decimals)', () => {
    expect(formatGraphiteLine('x', 0.1 + 0.2, 1)).toBe('x 0.30000000000000004 1');
    expect(formatGraphiteLine('x', 1 / 3, 1)).toBe('x 0.3333333333333333 1');
    expect(formatGraphiteLine('x', 1e-7, 1)).toBe('x 1e-7 1');
    expect(formatGraphiteLine('x', 1.7976931348623157e308, 1)).toBe('x 1.7976931348623157e+308 1');
  });

  it('never writes NaN or infinities, nor a timestamp that is not a safe integer', () => {
    expect(formatGraphiteLine('x', Number.NaN, 1)).toBe('');
    expect(formatGraphiteLine('x', Number.POSITIVE_INFINITY, 1)).toBe('');
    expect(formatGraphiteLine('x', Number.NEGATIVE_INFINITY, 1)).toBe('');
    expect(formatGraphiteLine('x', 1, Number.NaN)).toBe('');
    expect(formatGraphiteLine('x', 1, 1e300)).toBe('');
  });

  it('encodes points as the wire text, one line each, dropping non-finite values', () => {
    expect(
      encodeGraphitePlaintext([
        { path: 'a', value: 1, timestampS: 10 },
        { path: 'b', value: Number.NaN, timestampS: 10 },
        { path: 'c;k=v', value: 2.25, timestampS: 10 },
      ]),
    ).toBe('a 1 10\nc;k=v 2.25 10\n');
  });
});

describe('formatGraphiteLines', () => {
  it('formats a batch exactly as formatGraphiteLine formats each point', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            path: fc.string({ minLength: 1, maxLength: 8 }),
            value: fc.double(),
            timestampS: fc.oneof(fc.constant(1_700_000_000), fc.double({ min: -1e16, max: 1e16 }), fc.constant(Number.NaN)),
          }),
          { maxLength: 30 },
        ),
        (points) => {
          const one = points.map((p) => formatGraphiteLine(p.path, p.value, p.timestampS)).filter((l) => l !== '');
          expect(formatGraphiteLines(points)).toEqual(one);
        },
      ),
    );
  });
});

const anyString = fc.string({ unit: 'binary', maxLength: 24 });

describe('no user string can forge the wire (checked by carbon itself)', () => {
  it('every line holds exactly one newline, at the end', () => {
    fc.assert(
      fc.property(anyString, fc.dictionary(anyString, anyString, { maxKeys: 3 }), fc.double(), (n, tags, v) => {
        const wire = encodeGraphitePlaintext([{ path: graphitePath(n === '' ? 'x' : n, tags), value: v, timestampS: 1 }]);
        if (wire === '') return !Number.isFinite(v);
        return wire.indexOf('\n') === wire.length - 1 && wire.split(' ').length === 3;
      }),
    );
  });

  it.skipIf(skipWithoutCarbon())(
    "carbon's own line parsing and tag parsing read exactly our path, value and timestamp",
    () => {
      const cases = fc.sample(
        fc.record({
          name: anyString.filter((s) => s !== ''),
          tags: fc.dictionary(anyString, anyString, { maxKeys: 3 }),
          value: fc.double({ noNaN: true, noDefaultInfinity: true }),
        }),
        { numRuns: 300, seed: 6 },
      );
      // Paths carbon could not store (an empty segment, an empty tag value) are what the
      // senders drop and count; every other one must reach carbon exactly as written.
      const expected = cases
        .map((c) => ({ path: graphitePath(c.name, c.tags), value: c.value }))
        .filter((e) => graphitePathProblem(e.path) === null);
      expect(expected.length).toBeGreaterThan(100);
      const payload = encodeGraphitePlaintext(expected.map((e) => ({ ...e, timestampS: 1_700_000_000 })));
      // What carbon 1.1.7 does: MetricLineReceiver (lines split on \n), MetricDatagramReceiver
      // (str.splitlines()), then `line.strip().split()` into 3 fields and TaggedSeries.parse.
      const out = runSystemPython(
        `
import sys, json
from carbon.util import TaggedSeries
data = sys.stdin.buffer.read().decode('utf-8')
tcp = [l for l in data.split('\\n') if l != '']
udp = data.splitlines()
assert tcp == udp, 'a line splits differently over UDP'
res = []
for line in tcp:
    metric, value, ts = line.strip().split()
    # what carbon's cache stores the point under (it raises on an invalid tag)
    stored = TaggedSeries.parse(metric).path
    res.append([metric, float(value), float(ts), stored])
print(json.dumps(res))
`,
        Buffer.from(payload, 'utf8'),
      );
      const parsed = JSON.parse(out) as [string, number, number, string][];
      expect(parsed.length).toBe(expected.length);
      for (let i = 0; i < expected.length; i++) {
        // the path is ASCII-safe and well-formed (unpaired surrogates are escaped), and carbon
        // stores it under exactly that name: no OpenMetrics tags, no stripped `~`
        expect(parsed[i]![0]).toBe(expected[i]!.path);
        expect(parsed[i]![3]).toBe(expected[i]!.path);
        expect(parsed[i]![1]).toBe(expected[i]!.value === 0 ? 0 : expected[i]!.value);
        expect(parsed[i]![2]).toBe(1_700_000_000);
      }
    },
  );
});
