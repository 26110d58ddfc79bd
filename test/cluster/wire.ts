/**
 * Hand-made frames of the binary wire (src/cluster/protocol.ts) for tests: series are
 * given in a readable array form and encoded with the protocol's own writer.
 *
 * - `['c' | 'm', name, tags | 0, total]`
 * - `['g', name, tags | 0, policy, value | null]`
 * - `['h' | 't', name, tags | 0, digits, resolution, ticksPerSlice, slices, count, sum,
 *   [[slice, count, sum, min, max, shift, s1, s2, indexGaps, counts], …]]`
 * - a `Uint8Array`: a series body sent as is (garbage on purpose).
 */
import { ByteWriter } from '../../src/cluster/bytes.js';
import { BYE, encodeHead, policyCode, PUSH, writeEnvelope } from '../../src/cluster/protocol.js';
import type { GaugeAggregation } from '../../src/metrics/gauge.js';

export type TestSeries = readonly unknown[] | Uint8Array;

export type TestFrame = {
  readonly type?: 'push' | 'bye';
  readonly session?: string;
  readonly worker?: string;
  readonly seq: number;
  readonly intervalMs?: number;
  readonly series?: readonly TestSeries[];
};

function body(entry: readonly unknown[]): Uint8Array {
  const w = new ByteWriter();
  const [kind, name, tags] = entry as ['c' | 'm' | 'g' | 'h' | 't', string, Record<string, string> | 0];
  w.raw(encodeHead(kind, name, tags === 0 ? {} : tags));
  switch (kind) {
    case 'c':
    case 'm':
      w.num(entry[3] as number);
      break;
    case 'g': {
      w.u8(policyCode(entry[3] as GaugeAggregation));
      const value = entry[4] as number | null;
      if (value === null) w.u8(0);
      else {
        w.u8(1);
        w.f64(value);
      }
      break;
    }
    default: {
      const [, , , digits, resolution, ticksPerSlice, slices, count, sum, list] = entry as [
        unknown, unknown, unknown, number, number, number, number, number, number, unknown[][],
      ];
      w.u8(digits);
      w.num(resolution);
      w.uv(ticksPerSlice);
      w.uv(slices);
      w.num(count);
      w.f64(sum);
      w.uv(list.length);
      for (const s of list) {
        const [slice, n, ssum, min, max, shift, s1, s2, gaps, counts] = s as [
          number, number, number, number, number, number, number, number, number[], number[],
        ];
        w.num(slice);
        w.uv(n);
        for (const x of [ssum, min, max, shift, s1, s2]) w.f64(x);
        w.uv(gaps.length);
        gaps.forEach((g, i) => {
          w.uv(g);
          w.uv(counts[i]!);
        });
      }
    }
  }
  return w.bytes.slice();
}

/** The bytes of one frame. */
export function frameBytes(f: TestFrame): Uint8Array {
  const series = f.series ?? [];
  const w = new ByteWriter();
  writeEnvelope(w, f.type === 'bye' ? BYE : PUSH, f.session ?? 's1', f.worker ?? 'w1', f.seq, f.intervalMs ?? 1000, series.length);
  for (const s of series) {
    const b = s instanceof Uint8Array ? s : body(s);
    w.uv(b.length);
    w.raw(b);
  }
  return w.bytes.slice();
}
