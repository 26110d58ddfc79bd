import { afterEach, describe, expect, it, vi } from 'vitest';
import { SLICE_MS, slicedPieces, sliceYielder } from '../../src/internal/slicer.js';

/** Drives `performance.now()` by hand: the slicer reads no other clock. */
function manualNow(start = 1_000): { advance: (ms: number) => void } {
  let now = start;
  vi.spyOn(performance, 'now').mockImplementation(() => now);
  return { advance: (ms) => void (now += ms) };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('sliceYielder', () => {
  it('slices 5 ms by default', () => {
    expect(SLICE_MS).toBe(5);
    const { advance } = manualNow();
    const yieldNow = sliceYielder();
    advance(4.9);
    expect(yieldNow()).toBeUndefined();
    advance(0.1);
    expect(yieldNow()).toBeInstanceOf(Promise);
  });

  it('returns undefined (no promise, no await needed) while the slice lasts', () => {
    const { advance } = manualNow();
    const yieldNow = sliceYielder(5);
    for (let i = 0; i < 4; i++) {
      expect(yieldNow()).toBeUndefined();
      advance(1);
    }
    expect(yieldNow()).toBeUndefined(); // 4 ms in
  });

  it('yields to the event loop once the slice is over, then starts a new slice', async () => {
    const { advance } = manualNow();
    const yieldNow = sliceYielder(5);
    advance(5);
    const order: string[] = [];
    setImmediate(() => order.push('other work'));
    const pending = yieldNow();
    expect(pending).toBeInstanceOf(Promise);
    await pending;
    order.push('resumed');
    expect(order).toEqual(['other work', 'resumed']); // the queued callback ran first
    // The new slice starts when the yield ends.
    advance(4.9);
    expect(yieldNow()).toBeUndefined();
    advance(0.1);
    expect(yieldNow()).toBeInstanceOf(Promise);
  });

  it('measures the slice from its creation', () => {
    const { advance } = manualNow();
    advance(100);
    const yieldNow = sliceYielder(5);
    expect(yieldNow()).toBeUndefined();
  });

  it('yields every time with a 0 ms slice, and never with an infinite one', async () => {
    manualNow();
    const always = sliceYielder(0);
    const never = sliceYielder(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 3; i++) {
      const pending = always();
      expect(pending).toBeInstanceOf(Promise);
      await pending;
      expect(never()).toBeUndefined();
    }
  });

  it('keeps a long loop from holding the event loop (real clock)', async () => {
    vi.restoreAllMocks();
    const yieldNow = sliceYielder(1);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    try {
      const until = performance.now() + 30;
      while (performance.now() < until) await yieldNow();
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0); // timers ran during the loop
  });
});

describe('slicedPieces', () => {
  it('joins text into pieces of about pieceChars, hands bytes on after the text before them, and loses nothing', async () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const chunks = ['ab', 'cd', '', 'ef', bytes, 'gh', 'ij', 'k'];
    const got: (string | Uint8Array)[] = [];
    const done = await slicedPieces(chunks, 4, (piece) => {
      got.push(piece);
      return undefined;
    });
    expect(done).toBe(true);
    expect(got).toEqual(['abcd', 'ef', bytes, 'ghij', 'k']);
  });

  it('waits for the promise take returns (backpressure) before the next chunk', async () => {
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const run = slicedPieces(['aa', 'bb'], 2, (piece) => {
      order.push(`take ${piece as string}`);
      return piece === 'aa' ? held : undefined;
    });
    await Promise.resolve();
    expect(order).toEqual(['take aa']);
    release();
    await run;
    expect(order).toEqual(['take aa', 'take bb']);
  });

  it('stops at a pause once aborted, and says so', async () => {
    let aborted = false;
    const got: string[] = [];
    const done = await slicedPieces(
      ['a', 'b', 'c'],
      1,
      (piece) => {
        got.push(piece as string);
        aborted = true;
        return undefined;
      },
      { pause: () => Promise.resolve(), aborted: () => aborted },
    );
    expect(done).toBe(false);
    expect(got).toEqual(['a']);
  });
});
