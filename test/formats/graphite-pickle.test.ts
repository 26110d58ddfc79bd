import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GraphitePoint } from '../../src/formats/graphite-path.js';
import { CARBON_MAX_PICKLE_BYTES, encodeGraphitePickle } from '../../src/formats/graphite-pickle.js';
import { ErrorCodes } from '../../src/errors.js';
import { runSystemPython, skipWithoutCarbon } from '../helpers/carbon-server.js';

const noPython = skipWithoutCarbon();

function payloads(frames: readonly Buffer[]): Buffer[] {
  return frames.map((f) => {
    expect(f.readUInt32BE(0)).toBe(f.length - 4);
    return f.subarray(4);
  });
}

/** Hex of what CPython writes for these points, memo writes removed (pickletools.optimize). */
function cpythonPickleHex(points: readonly GraphitePoint[]): string {
  // values travel as the hex of their IEEE 754 bytes, so -0 and every bit survive
  const literal = JSON.stringify(
    points.map((p) => {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(p.value);
      return [p.path, Math.floor(p.timestampS), b.toString('hex')];
    }),
  );
  return runSystemPython(
    `
import json, pickle, pickletools, struct, sys
pts = json.loads(sys.stdin.read())
obj = [(p, (int(t), struct.unpack('>d', bytes.fromhex(v))[0])) for p, t, v in pts]
sys.stdout.write(pickletools.optimize(pickle.dumps(obj, protocol=2)).hex())
`,
    literal,
  );
}

/** Decodes frames with carbon's own safe unpickler; returns the points as JSON. */
function carbonDecode(frames: readonly Buffer[]): [string, [number, number]][][] {
  const input = payloads(frames).map((p) => p.toString('hex')).join('\n');
  return JSON.parse(
    runSystemPython(
      `
import json, sys
from carbon.util import get_unpickler
u = get_unpickler(insecure=False)
out = []
for line in sys.stdin.read().split():
    out.append(u.loads(bytes.fromhex(line)))
print(json.dumps(out))
`,
      input,
    ),
  ) as [string, [number, number]][][];
}

describe('encodeGraphitePickle', () => {
  it('writes protocol-2 opcodes for one point (golden bytes)', () => {
    const { frames, points, droppedPoints } = encodeGraphitePickle([{ path: 'a.b', value: 1.5, timestampS: 1_700_000_000 }]);
    expect(points).toBe(1);
    expect(droppedPoints).toBe(0);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.toString('hex')).toBe(
      [
        '0000001d', // payload length 29
        '8002', // PROTO 2
        '5d', // EMPTY_LIST
        '5803000000' + Buffer.from('a.b').toString('hex'), // BINUNICODE "a.b"
        '4a00f15365', // BININT 1700000000 (LE)
        '47' + '3ff8000000000000', // BINFLOAT 1.5 (BE)
        '86', // TUPLE2 (ts, value)
        '86', // TUPLE2 (path, (ts, value))
        '61', // APPEND
        '2e', // STOP
      ].join(''),
    );
  });

  it('writes an empty report as no frame', () => {
    expect(encodeGraphitePickle([]).frames).toEqual([]);
  });

  it('never writes NaN, infinities or non-integer-safe timestamps', () => {
    const r = encodeGraphitePickle([
      { path: 'a', value: Number.NaN, timestampS: 1 },
      { path: 'b', value: Number.POSITIVE_INFINITY, timestampS: 1 },
      { path: 'c', value: 1, timestampS: Number.NaN },
      { path: 'd', value: 2, timestampS: 1.9 },
    ]);
    expect(r.points).toBe(1);
    expect(r.frames[0]!.includes(Buffer.from('d'))).toBe(true);
  });

  it.each([0, 63, 1.5, Number.NaN, '1024', 2 ** 31])('rejects maxFrameBytes %s (not an integer from 64 to 2^30)', (bad) => {
    expect(() => encodeGraphitePickle([], { maxFrameBytes: bad as number })).toThrow(
      expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }),
    );
  });

  it('rejects an unknown option with a suggestion', () => {
    expect(() => encodeGraphitePickle([], { maxFrameByte: 1024 } as never)).toThrow(
      expect.objectContaining({ code: ErrorCodes.UNKNOWN_OPTION, suggestion: 'maxFrameBytes' }),
    );
    expect(() => encodeGraphitePickle([], 5 as never)).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
  });

  it('drops and counts a point that cannot fit in an empty frame', () => {
    const r = encodeGraphitePickle(
      [
        { path: 'x'.repeat(100), value: 1, timestampS: 1 },
        { path: 'ok', value: 1, timestampS: 1 },
      ],
      { maxFrameBytes: 64 },
    );
    expect(r.droppedPoints).toBe(1);
    expect(r.points).toBe(1);
  });

  it('keeps every frame within the limit, in order, each as full as it can be', () => {
    const huge = { maxFrameBytes: 2 ** 30 };
    fc.assert(
      fc.property(
        fc.array(fc.record({ path: fc.string({ minLength: 1, maxLength: 40 }), value: fc.double(), timestampS: fc.nat() }), {
          maxLength: 120,
        }),
        fc.integer({ min: 64, max: 1_500 }),
        (points, maxFrameBytes) => {
          const r = encodeGraphitePickle(points, { maxFrameBytes });
          const kept = points.filter((p) => encodeGraphitePickle([p], { maxFrameBytes }).points === 1);
          expect(r.points).toBe(kept.length);
          expect(r.points + r.droppedPoints).toBe(points.filter((p) => Number.isFinite(p.value)).length);
          let at = 0;
          for (const frame of r.frames) {
            expect(frame.length - 4).toBeLessThanOrEqual(maxFrameBytes);
            let n = 1;
            while (!encodeGraphitePickle(kept.slice(at, at + n), huge).frames[0]!.equals(frame)) {
              n++;
              expect(at + n).toBeLessThanOrEqual(kept.length);
            }
            at += n;
            if (at < kept.length) {
              const bigger = encodeGraphitePickle(kept.slice(at - n, at + 1), huge).frames[0]!;
              expect(bigger.length - 4).toBeGreaterThan(maxFrameBytes);
            }
          }
          expect(at).toBe(kept.length);
        },
      ),
    );
  });

  it('fills carbon-sized frames: 50,000 points stay under 1 MiB per frame', () => {
    const points: GraphitePoint[] = [];
    for (let i = 0; i < 50_000; i++) points.push({ path: `app.series${i}.p99;host=web-${i % 7}`, value: i / 7, timestampS: 1_700_000_000 });
    const r = encodeGraphitePickle(points);
    expect(r.points).toBe(50_000);
    expect(r.frames.length).toBeGreaterThan(1);
    for (const p of payloads(r.frames)) expect(p.length).toBeLessThanOrEqual(CARBON_MAX_PICKLE_BYTES);
    expect(r.frames[0]!.length - 4).toBeGreaterThan(CARBON_MAX_PICKLE_BYTES - 100);
  });
});

describe.skipIf(noPython)('encodeGraphitePickle against CPython and carbon', () => {
  const shapes: Record<string, GraphitePoint[]> = {
    'one point': [{ path: 'a.b', value: 1.5, timestampS: 1_700_000_000 }],
    'two points (MARK ... APPENDS)': [
      { path: 'a', value: -0, timestampS: 0 },
      { path: 'b', value: 5e-324, timestampS: 255 },
    ],
    'every integer width': [256, 65_535, 65_536, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53 - 1, -1, -(2 ** 31), -(2 ** 31) - 1].map(
      (t, i) => ({ path: `t${i}`, value: i, timestampS: t }),
    ),
    'unicode and tags': [
      { path: 'caf\u00e9.\u6e2c\u5b9a;city=Z\u00fcrich', value: 1.7976931348623157e308, timestampS: 1 },
      { path: 'emoji.\u{1f600}', value: -2.5, timestampS: 2 },
    ],
    '1001 points (two batches, the second of one item)': Array.from({ length: 1001 }, (_, i) => ({
      path: `s.${i}`,
      value: i * 0.1,
      timestampS: 1_700_000_000 + i,
    })),
    '2500 points': Array.from({ length: 2500 }, (_, i) => ({ path: `s.${i}`, value: i / 3, timestampS: 1_700_000_000 })),
  };

  for (const [shape, points] of Object.entries(shapes)) {
    it(`writes exactly CPython's bytes: ${shape}`, () => {
      const { frames } = encodeGraphitePickle(points);
      expect(frames).toHaveLength(1);
      expect(frames[0]!.subarray(4).toString('hex')).toBe(cpythonPickleHex(points));
    });
  }

  it("carbon's safe unpickler reads every frame back, values bit for bit", () => {
    const points: GraphitePoint[] = fc
      .sample(fc.record({ path: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }), value: fc.double({ noNaN: true, noDefaultInfinity: true }), timestampS: fc.integer({ min: 0, max: 2 ** 33 }) }), {
        numRuns: 400,
        seed: 2,
      });
    const { frames } = encodeGraphitePickle(points, { maxFrameBytes: 4_096 });
    expect(frames.length).toBeGreaterThan(3);
    const decoded = carbonDecode(frames).flat();
    expect(decoded).toHaveLength(points.length);
    decoded.forEach(([path, [ts, value]], i) => {
      expect(path).toBe(points[i]!.path);
      expect(ts).toBe(points[i]!.timestampS);
      expect(value === 0 ? 0 : value).toBe(points[i]!.value === 0 ? 0 : points[i]!.value);
    });
  });
});
