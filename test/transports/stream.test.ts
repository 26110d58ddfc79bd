import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { StreamTransport } from '../../src/transports/stream.js';
import { TransportErrorCodes, type TransportError } from '../../src/transports/transport.js';
import { waitUntil } from '../helpers/wait.js';

/** A Writable that keeps every chunk and calls back only when told to (a slow consumer). */
function slowSink() {
  const chunks: Buffer[] = [];
  const pending: (() => void)[] = [];
  const stream = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      pending.push(() => done());
    },
  });
  return { stream, chunks, release: () => pending.splice(0).forEach((f) => f()), pending };
}

describe('StreamTransport', () => {
  it('writes newline-terminated records, coalesced into writes', async () => {
    const out = new PassThrough();
    const got: Buffer[] = [];
    out.on('data', (c: Buffer) => got.push(c));
    const t = new StreamTransport({ stream: out });
    for (let i = 0; i < 100; i++) t.send(`line.${i}:1|c`);
    await t.close();
    expect(Buffer.concat(got).toString()).toBe(Array.from({ length: 100 }, (_, i) => `line.${i}:1|c\n`).join(''));
    expect(t.stats).toMatchObject({ sentLines: 100, droppedLines: 0, queuedBytes: 0 });
    expect(t.stats.sentPackets).toBeLessThan(5);
    expect(out.writableEnded).toBe(false); // end: false by default: the stream stays yours
  });

  it('keeps one write in flight: a slow stream holds records in the bounded queue, not its buffer', async () => {
    const sink = slowSink();
    const errors: TransportError[] = [];
    const t = new StreamTransport({ stream: sink.stream, maxQueueBytes: 100, maxWriteBytes: 20, onError: (e) => errors.push(e) });
    const accepted = Array.from({ length: 30 }, (_, i) => t.send(`r${String(i).padStart(2, '0')}`)); // 4 bytes each
    t.flush();
    expect(sink.chunks).toHaveLength(1); // one write, waiting for the stream
    expect(accepted.filter(Boolean)).toHaveLength(25); // 100 bytes held, the rest refused
    expect(t.stats.droppedLines).toBe(5);
    expect(errors.map((e) => e.code)).toEqual([TransportErrorCodes.QUEUE_FULL]);
    while (sink.chunks.reduce((n, c) => n + c.length, 0) < 100) {
      sink.release();
      await waitUntil(() => sink.pending.length > 0 || sink.chunks.reduce((n, c) => n + c.length, 0) >= 100, { what: 'the next write' });
    }
    sink.release();
    await t.close();
    expect(Buffer.concat(sink.chunks).toString()).toBe(Array.from({ length: 25 }, (_, i) => `r${String(i).padStart(2, '0')}\n`).join(''));
    expect(sink.chunks.every((c) => c.length <= 20)).toBe(true);
  });

  it('a failing stream: what is held is dropped and counted, SEND_FAILED reported, later records dropped', async () => {
    const stream = new Writable({
      write(_chunk, _encoding, done) {
        done(new Error('disk full'));
      },
    });
    const errors: TransportError[] = [];
    const t = new StreamTransport({ stream, onError: (e) => errors.push(e) });
    t.send('a');
    t.send('b');
    t.flush();
    await waitUntil(() => errors.length > 0, { what: 'the failure' });
    expect(errors[0]!.code).toBe(TransportErrorCodes.SEND_FAILED);
    expect(t.send('c')).toBe(false);
    await t.close();
    expect(t.stats).toMatchObject({ sentLines: 0, droppedLines: 3, queuedBytes: 0 });
  });

  it('ends the stream at close with end: true, and closes on await using', async () => {
    const out = new PassThrough();
    out.resume();
    {
      await using t = new StreamTransport({ stream: out, end: true });
      t.send('x');
    }
    expect(out.writableEnded).toBe(true);
  });

  it.each([
    ['stream', {}],
    ['stream', 'stdout'],
    ['framing', 'csv'],
    ['maxQueueBytes', -1],
    ['dropPolicy', 'middle'],
    ['maxWriteBytes', 0],
    ['flushIntervalMs', 'soon'],
    ['end', 1],
    ['onError', 1],
  ])('rejects %s = %j', (key, value) => {
    expect(() => new StreamTransport({ stream: new PassThrough(), [key]: value })).toThrow(
      expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }),
    );
  });

  it('needs a stream, and rejects an unknown key with a suggestion', () => {
    expect(() => new StreamTransport({} as never)).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
    expect(() => new StreamTransport({ stream: new PassThrough(), ends: true } as never)).toThrow(
      expect.objectContaining({ code: ErrorCodes.UNKNOWN_OPTION, suggestion: 'end' }),
    );
  });
});
