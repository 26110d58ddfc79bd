import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { MemoryTransport } from '../../src/transports/memory.js';
import { TransportErrorCodes, type TransportError } from '../../src/transports/transport.js';

describe('MemoryTransport', () => {
  it('keeps every record, as records, lines and bytes', () => {
    const t = new MemoryTransport();
    expect(t.send('a:1|c')).toBe(true);
    expect(t.send('g:0|g\ng:-5|g')).toBe(true);
    expect(t.send(Buffer.from('b:2|c'))).toBe(true);
    expect(t.records()).toEqual(['a:1|c', 'g:0|g\ng:-5|g', 'b:2|c']);
    expect(t.lines()).toEqual(['a:1|c', 'g:0|g', 'g:-5|g', 'b:2|c']);
    expect(t.bytes().toString()).toBe('a:1|c\ng:0|g\ng:-5|g\nb:2|c\n');
    expect(t.buffers().map((b) => b.length)).toEqual([5, 12, 5]);
    expect(t.stats).toMatchObject({ sentLines: 3, sentPackets: 3, sentBytes: 25, droppedLines: 0, queuedBytes: 0 });
    expect(t.keptBytes).toBe(25);
  });

  it('copies bytes, so a caller reusing its buffer changes nothing kept', () => {
    const t = new MemoryTransport({ framing: 'raw' });
    const frame = Uint8Array.of(1, 2, 3);
    t.send(frame);
    frame[0] = 9;
    expect([...t.bytes()]).toEqual([1, 2, 3]);
  });

  it('is bounded: beyond maxBytes it refuses, counts and reports once until clear()', () => {
    const errors: TransportError[] = [];
    const t = new MemoryTransport({ maxBytes: 12, onError: (e) => errors.push(e) });
    expect(t.send('12345')).toBe(true); // 6 with the newline
    expect(t.send('12345')).toBe(true);
    expect(t.send('x')).toBe(false);
    expect(t.send('y')).toBe(false);
    expect(t.stats).toMatchObject({ sentLines: 2, droppedLines: 2, droppedBytes: 4 });
    expect(errors.map((e) => e.code)).toEqual([TransportErrorCodes.QUEUE_FULL]);
    t.clear();
    expect(t.records()).toEqual([]);
    expect(t.send('z')).toBe(true);
    expect(t.stats.sentLines).toBe(3); // the counters stay
  });

  it('drops what is sent after close(), and closes on await using', async () => {
    let outside: MemoryTransport | undefined;
    {
      await using t = new MemoryTransport();
      t.send('in');
      outside = t;
    }
    expect(outside.closed).toBe(true);
    expect(outside.send('out')).toBe(false);
    expect(outside.records()).toEqual(['in']);
    expect(outside.stats.droppedLines).toBe(1);
  });

  it.each([
    ['maxBytes', 0],
    ['maxBytes', 1.5],
    ['framing', 'none'],
    ['onError', true],
  ])('rejects %s = %j', (key, value) => {
    expect(() => new MemoryTransport({ [key]: value })).toThrow(
      expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }),
    );
  });

  it('rejects an unknown key with a suggestion', () => {
    expect(() => new MemoryTransport({ maxByte: 10 } as never)).toThrow(
      expect.objectContaining({ code: ErrorCodes.UNKNOWN_OPTION, suggestion: 'maxBytes' }),
    );
  });
});

describe('MemoryTransport with many records', () => {
  it('keeps more records than one block, in order, and forgets them all on clear()', () => {
    const transport = new MemoryTransport();
    const sent = Array.from({ length: 10_000 }, (_, i) => `r${i}`);
    for (const record of sent) transport.send(record);
    transport.send(Buffer.from('last'));
    expect(transport.records()).toEqual([...sent, 'last']);
    expect(transport.buffers()).toHaveLength(10_001);
    expect(transport.bytes().toString()).toBe(`${[...sent, 'last'].join('\n')}\n`);
    transport.clear();
    expect(transport.records()).toEqual([]);
    transport.send('again');
    expect(transport.lines()).toEqual(['again']);
  });
});
