import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ByteQueue, type ByteQueueOptions } from '../../src/transports/byte-queue.js';
import type { Chunk } from '../../src/transports/coalesce.js';
import { MutableTransportStats, TransportErrorCodes, type TransportError } from '../../src/transports/transport.js';

function queue(options: Partial<ByteQueueOptions> = {}) {
  const stats = new MutableTransportStats();
  const errors: TransportError[] = [];
  let ready = 0;
  const q = new ByteQueue({
    maxBytes: 1_000,
    maxChunkBytes: 100,
    dropPolicy: 'newest',
    framing: 'lines',
    oversize: 'drop',
    flushIntervalMs: 10,
    onReady: () => ready++,
    onError: (e) => errors.push(e),
    stats,
    name: 'test',
    ...options,
  });
  return { q, stats, errors, ready: () => ready };
}

/** Takes every ready chunk. */
function drain(q: ByteQueue): Chunk[] {
  const out: Chunk[] = [];
  for (let c = q.take(); c !== null; c = q.take()) out.push(c);
  return out;
}

const text = (chunks: readonly Chunk[]): string[] => chunks.map((c) => c.bytes.toString());

afterEach(() => {
  vi.useRealTimers();
});

describe('ByteQueue coalescing', () => {
  it('builds chunks of whole records up to maxChunkBytes, full ones first', () => {
    const { q, ready } = queue({ maxChunkBytes: 35 });
    for (let i = 0; i < 10; i++) q.push(`record-${i}`); // 9 bytes with the newline: 3 fit in 35
    expect(ready()).toBeGreaterThan(0); // a full chunk is ready
    const full = drain(q);
    expect(text(full)).toEqual(['record-0\nrecord-1\nrecord-2\n', 'record-3\nrecord-4\nrecord-5\n', 'record-6\nrecord-7\nrecord-8\n']);
    expect(full.map((c) => c.records)).toEqual([3, 3, 3]);
    expect(q.take()).toBeNull(); // record-9 waits for more, or for the timer
    q.flush();
    expect(text(drain(q))).toEqual(['record-9\n']);
  });

  it('lets a partial chunk leave when the flush timer fires', () => {
    vi.useFakeTimers();
    const { q, ready } = queue({ flushIntervalMs: 10 });
    q.push('a');
    q.push('b');
    expect(ready()).toBe(0);
    expect(q.take()).toBeNull();
    vi.advanceTimersByTime(9);
    expect(ready()).toBe(0);
    vi.advanceTimersByTime(1);
    expect(ready()).toBe(1);
    expect(text(drain(q))).toEqual(['a\nb\n']);
    // Once everything was taken, the next record starts a new timer.
    q.push('c');
    expect(q.take()).toBeNull();
    vi.advanceTimersByTime(10);
    expect(text(drain(q))).toEqual(['c\n']);
  });

  it('writes raw frames as they are, and mixes strings and bytes', () => {
    const { q } = queue({ framing: 'raw', oversize: 'alone' });
    const frame = Uint8Array.of(0, 0, 0, 1, 0x2e);
    q.push(frame);
    q.push('ab');
    q.flush();
    const [chunk] = drain(q);
    expect([...chunk!.bytes]).toEqual([0, 0, 0, 1, 0x2e, 0x61, 0x62]);
    expect(chunk!.records).toBe(2);
  });

  it('counts multi-byte characters as bytes', () => {
    const { q, stats } = queue();
    q.push('é€');
    expect(stats.queuedBytes).toBe(2 + 3 + 1);
  });

  it("drops a record larger than a chunk with oversize 'drop', sends it alone with 'alone'", () => {
    const dropping = queue({ maxChunkBytes: 10 });
    expect(dropping.q.push('x'.repeat(10))).toBe(false); // 10 + newline
    expect(dropping.stats.droppedLines).toBe(1);
    expect(dropping.stats.droppedBytes).toBe(11);
    expect(dropping.errors.map((e) => e.code)).toEqual([TransportErrorCodes.RECORD_TOO_LARGE]);
    const alone = queue({ maxChunkBytes: 10, oversize: 'alone' });
    alone.q.push('small');
    expect(alone.q.push('x'.repeat(20))).toBe(true);
    alone.q.flush();
    expect(text(drain(alone.q))).toEqual(['small\n', `${'x'.repeat(20)}\n`]);
  });

  it('drops a record larger than the whole queue, whatever the policy', () => {
    for (const dropPolicy of ['newest', 'oldest'] as const) {
      const { q, stats, errors } = queue({ maxBytes: 50, maxChunkBytes: 100, oversize: 'alone', dropPolicy });
      expect(q.push('y'.repeat(50))).toBe(false);
      expect(stats.droppedLines).toBe(1);
      expect(errors.map((e) => e.code)).toEqual([TransportErrorCodes.RECORD_TOO_LARGE]);
    }
  });
});

describe('ByteQueue bound and drop policies', () => {
  it("'newest' refuses what does not fit, counts it, and reports QUEUE_FULL once until it drains", () => {
    const { q, stats, errors } = queue({ maxBytes: 50, maxChunkBytes: 50 });
    const results = Array.from({ length: 10 }, (_, i) => q.push(`r${i}:1|c`)); // 7 bytes each
    expect(results).toEqual([true, true, true, true, true, true, true, false, false, false]);
    expect(stats.queuedBytes).toBe(49);
    expect(stats.droppedLines).toBe(3);
    expect(stats.droppedBytes).toBe(21);
    expect(errors.map((e) => e.code)).toEqual([TransportErrorCodes.QUEUE_FULL]);
    q.flush();
    const chunks = drain(q);
    for (const c of chunks) q.settle(c, true);
    expect(text(chunks)).toEqual(['r0:1|c\nr1:1|c\nr2:1|c\nr3:1|c\nr4:1|c\nr5:1|c\nr6:1|c\n']);
    expect(stats.queuedBytes).toBe(0);
    // Drained: a new episode is reported again.
    for (let i = 0; i < 8; i++) q.push(`s${i}:1|c`);
    expect(errors.map((e) => e.code)).toEqual([TransportErrorCodes.QUEUE_FULL, TransportErrorCodes.QUEUE_FULL]);
  });

  it("'oldest' drops the oldest records to make room, and keeps the newest", () => {
    const { q, stats, errors } = queue({ maxBytes: 50, maxChunkBytes: 50, dropPolicy: 'oldest' });
    for (let i = 0; i < 10; i++) expect(q.push(`r${i}:1|c`)).toBe(true);
    expect(stats.queuedBytes).toBe(49);
    expect(stats.droppedLines).toBe(3);
    expect(errors.map((e) => e.code)).toEqual([TransportErrorCodes.QUEUE_FULL]);
    q.flush();
    expect(text(drain(q))).toEqual(['r3:1|c\nr4:1|c\nr5:1|c\nr6:1|c\nr7:1|c\nr8:1|c\nr9:1|c\n']);
  });

  it("'oldest' drops a chunk put back for a retry first, but never bytes in flight", () => {
    const { q, stats } = queue({ maxBytes: 30, maxChunkBytes: 14, dropPolicy: 'oldest' });
    q.push('aaaaaa'); // 7
    q.push('bbbbbb'); // 7: a full chunk
    const first = q.take()!;
    expect(first.records).toBe(2);
    q.requeue(first); // the connection broke: it goes back to the head
    q.push('cccccc');
    q.push('dddddd'); // 28 held
    expect(q.push('eeeeee')).toBe(true); // the retried chunk (the oldest) makes room
    expect(stats.droppedLines).toBe(2);
    const inFlight = q.take()!; // c and d
    expect(inFlight.bytes.toString()).toBe('cccccc\ndddddd\n');
    q.push('ffffff');
    q.push('gggggg'); // 14 in flight + 21 queued > 30: e goes
    expect(stats.droppedLines).toBe(3);
    expect(stats.queuedBytes).toBe(28);
    // Nothing queued is left to drop: what cannot fit beside the write in flight is refused.
    expect(q.push('h'.repeat(16))).toBe(false);
    q.settle(inFlight, true);
    q.flush();
    expect(text(drain(q))).toEqual(['ffffff\ngggggg\n']);
  });

  it('takes a chunk put back first, whole', () => {
    const { q } = queue({ maxChunkBytes: 8 });
    q.push('abc');
    q.push('def');
    q.flush();
    const c = q.take()!;
    q.push('ghi');
    q.requeue(c);
    expect(q.take()).toBe(c);
    expect(text(drain(q))).toEqual(['ghi\n']);
  });

  it('counts a settled failure as dropped, and resolves whenEmpty once nothing is held', async () => {
    const { q, stats } = queue();
    q.push('one');
    q.push('two');
    q.flush();
    const [c] = drain(q);
    let empty = false;
    const done = q.whenEmpty().then(() => {
      empty = true;
    });
    await Promise.resolve();
    expect(empty).toBe(false);
    q.settle(c!, false);
    await done;
    expect(stats.droppedLines).toBe(2);
    expect(stats.droppedBytes).toBe(8);
    expect(stats.queuedBytes).toBe(0);
  });

  it('refuses records once closed, and drops what is queued on request, counted', () => {
    const { q, stats } = queue();
    q.push('kept');
    q.close();
    expect(q.push('late')).toBe(false);
    q.dropQueued();
    expect(stats.droppedLines).toBe(2);
    expect(stats.queuedBytes).toBe(0);
    expect(q.isEmpty).toBe(true);
  });
});

describe('ByteQueue accounting', () => {
  it('every record is sent, dropped or still held, bytes included (any sequence, either policy)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), size: fc.integer({ min: 0, max: 120 }) }),
      fc.record({ kind: fc.constantFrom('take' as const, 'flush' as const, 'settle' as const, 'fail' as const, 'requeue' as const) }),
    );
    fc.assert(
      fc.property(fc.constantFrom('newest' as const, 'oldest' as const), fc.array(op, { maxLength: 200 }), (dropPolicy, ops) => {
        const { q, stats } = queue({ maxBytes: 300, maxChunkBytes: 64, dropPolicy, oversize: 'alone' });
        let pushed = 0;
        let pushedBytes = 0;
        const inFlight: Chunk[] = [];
        for (const o of ops) {
          if (o.kind === 'push') {
            q.push('x'.repeat(o.size));
            pushed++;
            pushedBytes += o.size + 1;
          } else if (o.kind === 'flush') q.flush();
          else if (o.kind === 'take') {
            const c = q.take();
            if (c !== null) inFlight.push(c);
          } else {
            const c = inFlight.shift();
            if (c === undefined) continue;
            if (o.kind === 'requeue') q.requeue(c);
            else q.settle(c, o.kind === 'settle');
          }
          expect(q.heldBytes).toBeLessThanOrEqual(300);
          expect(stats.queuedBytes).toBe(q.heldBytes);
        }
        q.dropQueued();
        for (const c of inFlight) q.settle(c, true);
        expect(stats.sentLines + stats.droppedLines).toBe(pushed);
        expect(stats.sentBytes + stats.droppedBytes).toBe(pushedBytes);
        expect(stats.queuedBytes).toBe(0);
      }),
    );
  });
});
