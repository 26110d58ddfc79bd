import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Registry, type Counter, type Histogram } from '../../src/index.js';
import { FleetState, type Link } from '../../src/cluster/fleet-state.js';
import { ByteReader, ByteWriter } from '../../src/cluster/bytes.js';
import { BucketScratch, decodeFrame, readSlice, writeSlice } from '../../src/cluster/protocol.js';
import { frameBytes, type TestSeries } from './wire.js';

function fleet(): { state: FleetState; registry: Registry; link: Link } {
  const registry = new Registry();
  const state = new FleetState({ registry, maxMessageBytes: 1 << 20, staleAfterMs: undefined, sessionTtlMs: 60_000, nowMs: () => 0 });
  return { state, registry, link: { reconnects: false } };
}

/** A valid frame: counters c0..cN with known totals and one histogram of known values. */
function validFrame(totals: readonly number[], seq = 1): Uint8Array {
  const series: TestSeries[] = totals.map((t, i) => ['c', `c${i}`, { k: `v${i}` }, t]);
  // Two values, 1 and 3, in one slice (HDR 2 digits, resolution 1: indexes 1 and 3).
  series.push(['h', 'h', 0, 2, 1, 3, 4, 2, 4, [[0, 2, 4, 1, 3, 1, 2, 4, [1, 2], [1, 1]]]]);
  return frameBytes({ seq, series });
}

/** Runs `fn`: what it threw, or a warning that the fleet failed to merge (a bug, never the data's fault); `null` if neither. */
const errorsOf = async (fn: () => Promise<void>): Promise<unknown> => {
  const bugs: Error[] = [];
  const onWarning = (w: Error): void => {
    if (w.message.includes('failed to merge')) bugs.push(w);
  };
  process.on('warning', onWarning);
  try {
    await fn();
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    return bugs[0] ?? null;
  } catch (error) {
    return error;
  } finally {
    process.off('warning', onWarning);
  }
};

describe('wire v2 primitives', () => {
  it('round-trips varints, numbers and strings', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.maxSafeNat(), fc.double(), fc.constant(-0), fc.string({ minLength: 1, maxLength: 300 })), { maxLength: 50 }),
        (values) => {
          const w = new ByteWriter(1);
          for (const v of values) {
            if (typeof v === 'string') w.str(v);
            else if (Number.isSafeInteger(v) && v >= 0 && !Object.is(v, -0)) {
              w.uv(v);
              w.num(v);
            } else w.num(v);
          }
          const r = new ByteReader(w.bytes.slice());
          for (const v of values) {
            if (typeof v === 'string') expect(r.str(1_000)).toBe(new TextDecoder().decode(new TextEncoder().encode(v)));
            else if (Number.isSafeInteger(v) && v >= 0 && !Object.is(v, -0)) {
              expect(r.uv()).toBe(v);
              expect(r.num()).toBe(v);
            } else expect(Object.is(r.num(), v)).toBe(true);
          }
          expect(r.pos).toBe(r.end);
        },
      ),
    );
  });
});

describe('the fleet decoder on hostile input (fuzz)', () => {
  it('applies a valid frame exactly', async () => {
    const { state, registry, link } = fleet();
    state.receive(validFrame([5, 7]), link);
    await state.settled();
    expect((registry.get('c0', { k: 'v0' }) as Counter).count).toBe(5);
    expect((registry.get('c1', { k: 'v1' }) as Counter).count).toBe(7);
    expect((registry.get('h') as Histogram).statistics()).toMatchObject({ count: 2, windowCount: 2, min: 1, max: 3 });
    expect(state.droppedCount('malformed')).toBe(0);
  });

  it('a truncated frame never throws and never applies more than the frame holds', async () => {
    const totals = [3, 1, 4, 1, 5, 9, 2, 6];
    const whole = validFrame(totals);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: whole.length - 1 }), async (cut) => {
        const { state, registry, link } = fleet();
        const error = await errorsOf(async () => {
          state.receive(whole.slice(0, cut), link);
          await state.settled();
        });
        expect(error).toBeNull();
        // Whatever was applied is a prefix of the series, each exact; the rest is dropped and counted.
        let applied = 0;
        totals.forEach((t, i) => {
          const c = registry.get(`c${i}`, { k: `v${i}` }) as Counter | undefined;
          if (c !== undefined) {
            expect(c.count).toBe(t);
            expect(i).toBe(applied);
            applied++;
          }
        });
        expect(registry.get('h')).toBeUndefined();
        expect(state.droppedCount('malformed')).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 200 },
    );
  });

  it('garbled bytes never throw, never crash, and are dropped and counted (or applied, if they still decode)', async () => {
    const whole = validFrame([10, 20, 30]);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        async (flips) => {
          const bytes = whole.slice();
          for (const [at, value] of flips) bytes[at % bytes.length] = value;
          const { state, registry, link } = fleet();
          const error = await errorsOf(async () => {
            state.receive(bytes, link);
            await state.settled();
          });
          expect(error).toBeNull();
          // A frame whose envelope was hit is dropped whole and counted; any other series that
          // no longer decodes is dropped and counted, and the frame's other series still apply.
          const applied = [...registry.metrics()].filter((m) => m.name.startsWith('c') || m.name === 'h').length;
          const drops = (['malformed', 'version', 'conflict'] as const).reduce((n, r) => n + state.droppedCount(r), 0);
          // (Nothing applied and nothing dropped only for a frame that now says it holds no
          // series, or is a goodbye of a session never seen.)
          const envelope = decodeFrame(bytes);
          if (applied + drops === 0) {
            expect(typeof envelope !== 'string' && (envelope.series === 0 || envelope.type === 'bye')).toBe(true);
          }
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('random bytes (with or without the magic) never throw', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), fc.boolean(), async (tail, magic) => {
        const bytes = magic ? Uint8Array.of(0x54, 0x4d, 2, 1, ...tail) : tail;
        const { state, link } = fleet();
        const error = await errorsOf(async () => {
          state.receive(bytes, link);
          state.receive(Buffer.from(bytes).toString('base64'), link);
          await state.settled();
        });
        expect(error).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it('refuses an old or unknown version as "version", and a frame over the cap unparsed', async () => {
    const { state, link } = fleet();
    const v3 = validFrame([1]);
    v3[2] = 3;
    state.receive(v3, link);
    state.receive(Buffer.from('{"tapemeasure":1,"type":"push"}'), link);
    state.receive('A'.repeat(((1 << 20) / 3) * 4 + 16), link); // base64 over the cap: not even decoded
    await state.settled();
    expect(state.droppedCount('version')).toBe(2);
    expect(state.droppedCount('too_large')).toBe(1);
  });
});

describe('readSlice into a BucketScratch', () => {
  it('reads what it reads into arrays of its own, and earlier views survive the scratch growing', () => {
    const slices = [0, 1, 2].map((k) => {
      const n = 700; // three of these outgrow the first 1,024 buckets
      const indexes = Array.from({ length: n }, (_, i) => 3 * i + k);
      const counts = Array.from({ length: n }, (_, i) => 1 + ((i * 7 + k) % 5));
      const count = counts.reduce((a, b) => a + b, 0);
      return { count, sum: count * 2, min: 1, max: 9, shift: 1, s1: 3, s2: 4, indexes, counts };
    });
    const w = new ByteWriter(1 << 16);
    for (const [k, d] of slices.entries()) writeSlice(w, k, d);
    const bytes = w.bytes.slice();
    const scratch = new BucketScratch();
    const r = new ByteReader(bytes);
    const read = slices.map(() => readSlice(r, 1 << 20, scratch).delta);
    const plain = new ByteReader(bytes);
    for (const [k, d] of read.entries()) {
      const own = readSlice(plain, 1 << 20).delta;
      expect(Array.from(d.indexes)).toEqual(slices[k]!.indexes);
      expect(Array.from(d.counts)).toEqual(slices[k]!.counts);
      expect({ ...d, indexes: Array.from(d.indexes), counts: Array.from(d.counts) }).toEqual(own);
    }
  });
});
