import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../../src/clock.js';
import { formatJsonLine } from '../../src/formats/json.js';
import { Registry } from '../../src/registry/registry.js';
import { JsonStreamReporter, type JsonStreamReporterOptions } from '../../src/reporters/json-stream-reporter.js';
import type { ReporterError } from '../../src/reporters/report.js';
import { ErrorCodes } from '../../src/errors.js';

const fakeClock: Clock = { now: () => Date.now(), monotonicMs: () => performance.now() };

/** A writable whose writes complete only when the test says so. */
class SlowSink extends Writable {
  readonly chunks: string[] = [];
  readonly pending: ((error?: Error | null) => void)[] = [];
  constructor(highWaterMark: number) {
    super({ highWaterMark, decodeStrings: false });
  }
  override _write(chunk: string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(chunk);
    this.pending.push(callback);
  }
  release(): void {
    for (const cb of this.pending.splice(0)) cb();
  }
}

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

describe('JsonStreamReporter', () => {
  let registry: Registry;
  let errors: ReporterError[];
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_500, toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    registry = new Registry({ clock: fakeClock });
    errors = [];
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes one JSON document per report, one per line, holding the snapshot tree', async () => {
    const sink = new Sink();
    registry.counter('http.requests', { tags: { method: 'GET' } }).inc(2);
    registry.timer('db.query').update(12.5);
    registry.gauge('queue.depth', () => 7);
    const reporter = new JsonStreamReporter({ registry, stream: sink, onError: (e) => errors.push(e) }).start(1_000);
    await vi.advanceTimersByTimeAsync(1_500);
    await reporter.stop();
    const lines = sink.text.split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines).toHaveLength(4); // two scheduled (at :01 and :02), one final, and the last newline
    const [first, second, final] = lines.slice(0, 3).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(first!.timestamp).toBe('2023-11-14T22:13:21.000Z');
    expect(first!.timestampMs).toBe(1_700_000_001_000);
    expect(second!.timestampMs).toBe(1_700_000_002_000);
    expect(final!.metrics).toEqual(JSON.parse(JSON.stringify(registry.snapshot())));
    expect(`${lines[2]!}\n`).toBe(formatJsonLine(final!.timestampMs as number, registry.snapshot()));
    expect(first!.metrics).toMatchObject({
      http: { requests: { type: 'counter', series: [{ type: 'counter', count: 2, tags: { method: 'GET' } }] } },
      queue: { depth: { type: 'gauge', value: 7 } },
    });
    expect(errors).toEqual([]);
    expect(reporter.stats.bytes).toBe(Buffer.byteLength(sink.text));
    expect(sink.writableEnded).toBe(false);
  });

  it('skips and counts reports while the stream has not drained, then resumes', async () => {
    const sink = new SlowSink(16);
    registry.counter('c').inc();
    const reporter = new JsonStreamReporter({ registry, stream: sink, onError: (e) => errors.push(e) }).start(1_000);
    await vi.advanceTimersByTimeAsync(500);
    expect(sink.chunks).toHaveLength(1);
    expect(sink.writableNeedDrain).toBe(true);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sink.chunks).toHaveLength(1);
    expect(sink.writableLength).toBeLessThan(1_000);
    expect(reporter.stats.skipped).toBe(5);
    expect(reporter.stats.reports).toBe(1);
    sink.release();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sink.chunks).toHaveLength(2);
    sink.release();
    const stopped = reporter.stop();
    await vi.advanceTimersByTimeAsync(0);
    sink.release();
    await stopped;
    expect(sink.chunks).toHaveLength(3);
    expect(errors).toEqual([]);
  });

  it('stop() writes the final document even under backpressure and waits for it within stopTimeoutMs', async () => {
    const sink = new SlowSink(16);
    const reporter = new JsonStreamReporter({ registry, stream: sink, stopTimeoutMs: 1_000, onError: (e) => errors.push(e) });
    await reporter.report();
    expect(sink.writableNeedDrain).toBe(true);
    let done = false;
    void reporter.stop().then(() => (done = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(sink.chunks).toHaveLength(1); // the second write is queued inside the stream
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
    expect(errors.map((e) => e.kind)).toEqual(['stop-timeout']);
  });

  it('never ends a stream it was given, and leaves its listeners as it found them', async () => {
    const sink = new Sink();
    const listeners = sink.listenerCount('error');
    const reporter = new JsonStreamReporter({ registry, stream: sink });
    await reporter.report();
    expect(sink.listenerCount('error')).toBe(listeners + 1);
    await reporter.stop();
    expect(sink.writableEnded).toBe(false);
    expect(sink.listenerCount('error')).toBe(listeners);
  });

  it('defaults to stdout and never closes it', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((_chunk: unknown, cb?: unknown) => {
      if (typeof cb === 'function') (cb as () => void)();
      return true;
    });
    try {
      const reporter = new JsonStreamReporter({ registry });
      registry.counter('x').inc();
      await reporter.stop();
      expect(write).toHaveBeenCalledTimes(1);
      expect(String(write.mock.calls[0]![0])).toMatch(/^\{"timestamp":.*"x":\{"type":"counter","count":1\}\}\}\n$/);
    } finally {
      write.mockRestore();
    }
    expect(process.stdout.writableEnded).toBe(false);
    expect(process.stdout.destroyed).toBe(false);
  });

  it('passes stream errors to onError instead of crashing', async () => {
    const sink = new Writable({
      write(_chunk, _encoding, callback) {
        callback(new Error('EPIPE'));
      },
    });
    const reporter = new JsonStreamReporter({ registry, stream: sink, onError: (e) => errors.push(e) });
    await reporter.report();
    await vi.advanceTimersByTimeAsync(0);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(errors.some((e) => e.kind === 'stream' && /EPIPE/.test(e.message))).toBe(true);
    await reporter.report();
    expect(reporter.stats.failures).toBe(1); // the stream is destroyed now: that report fails, quietly
    await reporter.stop();
  });

  it('appends to a file it opens itself, and closes it on stop', async () => {
    vi.useRealTimers();
    const dir = mkdtempSync(join(tmpdir(), 'tapemeasure-json-'));
    try {
      const path = join(dir, 'metrics.ndjson');
      const r = new Registry();
      r.meter('m').mark(3);
      const reporter = new JsonStreamReporter({ registry: r, path });
      await reporter.report();
      await reporter.stop();
      const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect((JSON.parse(lines[1]!) as { metrics: { m: { count: number } } }).metrics.m.count).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

});

describe('JsonStreamReporter options', () => {
  const make = (options: unknown): JsonStreamReporter => new JsonStreamReporter(options as JsonStreamReporterOptions);

  it.each([
    ['stream', {}],
    ['stream', 'stdout'],
    ['stream', null],
    ['path', ''],
    ['path', 42],
    ['registry', {}],
    ['filter', 3],
    ['distribution', 'all'],
    ['onError', true],
    ['selfMetrics', 1],
    ['stopTimeoutMs', 0],
    ['clock', Date],
  ] as const)('rejects %s: %o with INVALID_OPTION', (key, value) => {
    expect(() => make({ [key]: value })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
  });

  it('rejects both stream and path', () => {
    expect(() => make({ stream: new Sink(), path: '/tmp/x' })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
  });

  it.each([
    ['steam', 'stream'],
    ['pth', 'path'],
    ['fliter', 'filter'],
    ['registy', 'registry'],
  ])('rejects the typo %s, suggesting %s', (typo, suggestion) => {
    expect(() => make({ [typo]: 1 })).toThrow(expect.objectContaining({ code: ErrorCodes.UNKNOWN_OPTION, suggestion }));
  });

  it.each(['rateUnit', 'durationUnit', 'statistics'])('rejects %s: it does not apply to JSON documents', (key) => {
    expect(() => make({ [key]: 's' })).toThrow(expect.objectContaining({ code: ErrorCodes.UNKNOWN_OPTION }));
  });
});

describe('JsonStreamReporter with a large registry', () => {
  it('writes a document larger than 64 KiB in pieces, back to back, that make exactly one line', async () => {
    const registry = new Registry({ clock: fakeClock });
    for (let i = 0; i < 2_000; i++) registry.timer(`jobs.t${i}`).update(i + 0.5);
    const writes: Buffer[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        writes.push(chunk);
        callback();
      },
    });
    const reporter = new JsonStreamReporter({ registry, stream, onError: () => {} });
    await reporter.report();
    await reporter.stop();
    const first = Buffer.concat(writes).toString('utf8').split('\n')[0]!;
    const document = JSON.parse(first) as { metrics: { jobs: Record<string, { count: number }> } };
    expect(first.length).toBeGreaterThan(2 * 64 * 1024);
    // Pieces, not one buffer the size of the document.
    expect(writes.length).toBeGreaterThan(2);
    for (const piece of writes) expect(piece.length).toBeLessThan(first.length);
    expect(Object.keys(document.metrics.jobs)).toHaveLength(2_000);
    expect(document.metrics.jobs.t1999!.count).toBe(1);
  });
});
