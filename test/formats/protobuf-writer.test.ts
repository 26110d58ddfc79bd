import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { ProtobufWriter, varintSize } from '../../src/formats/protobuf-writer.js';

/** A message with one field of every kind the writer writes, encoded by protobufjs as the oracle. */
const root = protobuf.Root.fromJSON({
  nested: {
    All: {
      fields: {
        u32: { type: 'uint32', id: 1 },
        u64: { type: 'uint64', id: 2 },
        i64: { type: 'int64', id: 3 },
        s32: { type: 'sint32', id: 4 },
        b: { type: 'bool', id: 5 },
        f32: { type: 'fixed32', id: 6 },
        f64: { type: 'fixed64', id: 7 },
        sf64: { type: 'sfixed64', id: 8 },
        d: { type: 'double', id: 9 },
        s: { type: 'string', id: 10 },
        by: { type: 'bytes', id: 11 },
        child: { type: 'All', id: 12 },
        pv: { type: 'uint64', id: 13, rule: 'repeated' },
        pf: { type: 'fixed64', id: 14, rule: 'repeated' },
        pd: { type: 'double', id: 15, rule: 'repeated' },
        big: { type: 'uint32', id: 300 },
      },
    },
  },
});
const All = root.lookupType('All');
const opts = { longs: Number, defaults: false, arrays: false };

function decode(bytes: Uint8Array): Record<string, unknown> {
  return All.toObject(All.decode(bytes), opts);
}

describe('ProtobufWriter', () => {
  it('writes every scalar as protobufjs reads it', () => {
    const w = new ProtobufWriter(16);
    w.uint32(1, 300);
    w.uint64(2, 2 ** 53 - 1);
    w.int64(3, -5);
    w.sint32(4, -3);
    w.bool(5, true);
    w.fixed32(6, 0xdead_beef);
    w.fixed64(7, 2 ** 40 + 7);
    w.sfixed64(8, -(2 ** 35) - 1);
    w.double(9, -0.125);
    w.string(10, 'héllo ✓ 𝄞');
    w.bytes(11, new Uint8Array([1, 2, 3]));
    w.uint32(300, 1);
    expect(decode(w.finish())).toEqual({
      u32: 300, u64: 2 ** 53 - 1, i64: -5, s32: -3, b: true, f32: 0xdead_beef, f64: 2 ** 40 + 7,
      sf64: -(2 ** 35) - 1, d: -0.125, s: 'héllo ✓ 𝄞', by: new Uint8Array([1, 2, 3]), big: 1,
    });
  });

  it('writes exact 64-bit values from two halves', () => {
    const w = new ProtobufWriter();
    w.fixed64Parts(7, 0xffff_ffff, 0x1234_5678);
    const message = All.decode(w.finish()) as unknown as { f64: { low: number; high: number; unsigned: boolean } };
    expect(BigInt.asUintN(64, (BigInt(message.f64.high >>> 0) << 32n) | BigInt(message.f64.low >>> 0))).toBe(0x1234_5678_ffff_ffffn);
  });

  it('nests messages of any length, moving them when the length takes more than one byte', () => {
    for (const size of [1, 127, 128, 16_383, 16_384, 70_000]) {
      const w = new ProtobufWriter(8);
      w.begin(12);
      w.string(10, 'x'.repeat(size));
      w.begin(12);
      w.uint32(1, 7);
      w.end();
      w.end();
      w.uint32(1, 9);
      expect(decode(w.finish())).toEqual({ child: { s: 'x'.repeat(size), child: { u32: 7 } }, u32: 9 });
    }
  });

  it('writes packed repeated fields, and nothing for empty ones', () => {
    const w = new ProtobufWriter();
    w.packedVarint(13, [0, 1, 300, 2 ** 40]);
    w.packedFixed64(14, [0, 2 ** 33 + 1]);
    w.packedDouble(15, [1.5, -2]);
    w.packedVarint(13, []);
    expect(decode(w.finish())).toEqual({ pv: [0, 1, 300, 2 ** 40], pf: [0, 2 ** 33 + 1], pd: [1.5, -2] });
    const packed = All.encode(All.fromObject({ pv: [0, 1, 300, 2 ** 40] })).finish();
    const ours = new ProtobufWriter();
    ours.packedVarint(13, [0, 1, 300, 2 ** 40]);
    expect(Buffer.from(ours.finish())).toEqual(Buffer.from(packed));
  });

  it('matches protobufjs byte for byte on random messages', () => {
    fc.assert(
      fc.property(
        fc.record({
          u64: fc.maxSafeNat(),
          s32: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
          d: fc.double({ noNaN: true }),
          s: fc.string({ unit: 'binary', maxLength: 60 }),
          pv: fc.array(fc.maxSafeNat(), { maxLength: 20 }),
        }),
        (m) => {
          const w = new ProtobufWriter(4);
          if (m.u64 !== 0) w.uint64(2, m.u64);
          if (m.s32 !== 0) w.sint32(4, m.s32);
          if (!Object.is(m.d, 0)) w.double(9, m.d);
          if (m.s !== '') w.string(10, m.s);
          w.packedVarint(13, m.pv);
          const expected = All.encode(All.fromObject({ u64: m.u64, s32: m.s32, d: m.d, s: m.s, pv: m.pv })).finish();
          expect(Buffer.from(w.finish())).toEqual(Buffer.from(expected));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('is reusable after reset() and refuses unbalanced nesting', () => {
    const w = new ProtobufWriter();
    w.uint32(1, 1);
    w.finish();
    w.reset();
    w.uint32(1, 2);
    expect(decode(w.finish())).toEqual({ u32: 2 });
    w.begin(12);
    expect(() => w.finish()).toThrow(RangeError);
    w.end();
    expect(() => w.end()).toThrow(RangeError);
  });

  it('sizes varints', () => {
    for (const v of [0, 127, 128, 16_383, 16_384, 2 ** 28 - 1, 2 ** 28, 2 ** 35, 2 ** 53 - 1]) {
      const w = new ProtobufWriter();
      w.uint64(1, v);
      expect(varintSize(v)).toBe(w.length - 1);
    }
  });
});
