import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { HttpTransport } from '../../src/transports/http.js';
import type { HttpTimers, HttpTransportOptions } from '../../src/transports/http-options.js';
import type { HttpTransportError } from '../../src/transports/http-retry.js';
import { parseRetryAfter } from '../../src/transports/http-retry.js';
import { backoffDelayMs } from '../../src/transports/backoff.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { waitUntil } from '../helpers/wait.js';

/** Timers that fire only when told: time never passes by itself. */
class FakeTimers implements HttpTimers {
  readonly pending = new Set<{ readonly callback: () => void; readonly ms: number }>();
  readonly setTimeout = (callback: () => void, ms: number): unknown => {
    const timer = { callback, ms };
    this.pending.add(timer);
    return timer;
  };
  readonly clearTimeout = (handle: unknown): void => {
    this.pending.delete(handle as never);
  };
  /** Whether a timer of `ms` is pending. */
  has(ms: number): boolean {
    return [...this.pending].some((t) => t.ms === ms);
  }
  /** Fires the (first) pending timer of `ms`. */
  fire(ms: number): void {
    const timer = [...this.pending].find((t) => t.ms === ms);
    if (timer === undefined) throw new Error(`no pending timer of ${ms} ms (pending: ${[...this.pending].map((t) => t.ms).join(', ')})`);
    this.pending.delete(timer);
    timer.callback();
  }
}

const open: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function setup(options: Partial<HttpTransportOptions> = {}) {
  const receiver = await startOtlpReceiver();
  const timers = new FakeTimers();
  const errors: HttpTransportError[] = [];
  const transport = new HttpTransport({
    url: receiver.url,
    timers,
    random: () => 0,
    timeoutMs: 999,
    onError: (e) => errors.push(e),
    ...options,
  });
  open.push(receiver, { close: () => transport.stop(0) });
  return { receiver, timers, errors, transport };
}

const arrived = (receiver: OtlpReceiver, n: number) => waitUntil(() => receiver.requests.length >= n, { what: `${n} requests` });

describe('HttpTransport', () => {
  it('posts each record in order, with its headers, over one kept-alive connection', async () => {
    const { receiver, transport } = await setup({ headers: { 'X-Api-Key': 'secret' }, contentType: 'application/x-protobuf' });
    transport.send('one');
    transport.send(new Uint8Array([1, 2, 3]));
    await arrived(receiver, 2);
    await waitUntil(() => transport.stats.sentLines === 2, { what: 'both delivered' });
    const [a, b] = receiver.requests;
    expect(a).toMatchObject({ method: 'POST', path: '/v1/metrics' });
    expect(a!.headers).toMatchObject({ 'x-api-key': 'secret', 'content-type': 'application/x-protobuf', 'content-length': '3' });
    expect(a!.body.toString()).toBe('one');
    expect([...b!.body]).toEqual([1, 2, 3]);
    expect(b!.remotePort).toBe(a!.remotePort);
    expect(transport.stats).toMatchObject({ sentLines: 2, sentBytes: 6, sentPackets: 2, droppedLines: 0, errors: 0, queuedBytes: 0, retries: 0 });
  });

  it('compresses with gzip when asked', async () => {
    const { receiver, transport } = await setup({ compression: 'gzip' });
    const body = 'x'.repeat(10_000);
    transport.send(body);
    await arrived(receiver, 1);
    expect(receiver.requests[0]!.headers['content-encoding']).toBe('gzip');
    expect(receiver.requests[0]!.body.toString()).toBe(body);
    await waitUntil(() => transport.stats.sentLines === 1);
    expect(transport.stats.sentBytes).toBe(receiver.requests[0]!.wire.length);
    expect(transport.stats.sentBytes).toBeLessThan(200);
  });

  it('retries 503 after a jittered backoff, then delivers', async () => {
    const { receiver, timers, errors, transport } = await setup({ retry: { initialBackoffMs: 1_000 } });
    receiver.answers.push({ status: 503, body: 'busy' });
    transport.send('payload');
    await waitUntil(() => errors.length === 1, { what: 'the 503' });
    expect(errors[0]).toMatchObject({ code: ErrorCodes.HTTP_STATUS, status: 503, attempt: 1, willRetry: true, retryInMs: 500 });
    // random() = 0: half the backoff; nothing is sent until the timer fires.
    expect(timers.has(500)).toBe(true);
    expect(receiver.requests).toHaveLength(1);
    timers.fire(500);
    await arrived(receiver, 2);
    await waitUntil(() => transport.stats.sentLines === 1);
    expect(receiver.requests[1]!.body.toString()).toBe('payload');
    expect(transport.stats).toMatchObject({ sentLines: 1, sentPackets: 2, retries: 1, errors: 1, droppedLines: 0 });
  });

  it('honours Retry-After on 429, and doubles the backoff up to its bound', async () => {
    const { receiver, timers, errors, transport } = await setup({ retry: { initialBackoffMs: 100, maxBackoffMs: 300, maxAttempts: 4 } });
    receiver.answers.push({ status: 429, headers: { 'retry-after': '7' } }, { status: 502 }, { status: 504 });
    transport.send('payload');
    await waitUntil(() => errors.length === 1);
    expect(errors[0]).toMatchObject({ status: 429, retryInMs: 7_000 });
    timers.fire(7_000);
    await waitUntil(() => errors.length === 2);
    expect(errors[1]).toMatchObject({ status: 502, attempt: 2, retryInMs: 100 }); // 100 * 2^1, halved by the jitter
    timers.fire(100);
    await waitUntil(() => errors.length === 3);
    expect(errors[2]).toMatchObject({ status: 504, attempt: 3, retryInMs: 150 }); // min(300, 400), halved
    timers.fire(150);
    await waitUntil(() => transport.stats.sentLines === 1);
    expect(transport.stats.retries).toBe(3);
  });

  it('drops a request the receiver refuses (400), and one that fails maxAttempts times', async () => {
    const { receiver, timers, errors, transport } = await setup({ retry: { maxAttempts: 2, initialBackoffMs: 10 } });
    receiver.answers.push({ status: 400, body: 'bad data' }, { status: 503 }, { status: 503 });
    transport.send('first');
    transport.send('second');
    await waitUntil(() => errors.length === 2);
    expect(errors[0]).toMatchObject({ code: ErrorCodes.HTTP_STATUS, status: 400, willRetry: false });
    expect(errors[1]).toMatchObject({ status: 503, attempt: 1, willRetry: true });
    timers.fire(5);
    await waitUntil(() => errors.length === 3);
    expect(errors[2]).toMatchObject({ status: 503, attempt: 2, willRetry: false });
    expect(transport.stats).toMatchObject({ sentLines: 0, droppedLines: 2, droppedBytes: 11, errors: 3, queuedBytes: 0 });
    expect(receiver.requests.map((r) => r.body.toString())).toEqual(['first', 'second', 'second']);
  });

  it('times out a receiver that hangs, and retries', async () => {
    const { receiver, timers, errors, transport } = await setup({ timeoutMs: 250, retry: { initialBackoffMs: 40 } });
    receiver.answers.push('hang');
    transport.send('payload');
    await arrived(receiver, 1);
    timers.fire(250);
    await waitUntil(() => errors.length === 1);
    expect(errors[0]).toMatchObject({ code: ErrorCodes.REQUEST_TIMEOUT, status: null, willRetry: true, retryInMs: 20 });
    timers.fire(20);
    await waitUntil(() => transport.stats.sentLines === 1);
    expect(receiver.requests).toHaveLength(2);
  });

  it('bounds its queue in bytes: the oldest waiting bodies are dropped, counted, reported once', async () => {
    const { receiver, errors, transport } = await setup({ maxQueueBytes: 100 });
    receiver.answers.push('hang');
    transport.send('a'.repeat(40)); // on the wire, hanging
    await arrived(receiver, 1);
    transport.send('b'.repeat(40));
    expect(transport.send('c'.repeat(40))).toBe(true); // b is dropped to make room
    expect(transport.send('d'.repeat(40))).toBe(true); // c is dropped
    expect(transport.stats).toMatchObject({ droppedLines: 2, droppedBytes: 80, queuedBytes: 80 });
    expect(errors.map((e) => e.code)).toEqual([ErrorCodes.QUEUE_FULL]);
    expect(transport.send('e'.repeat(101))).toBe(false);
    expect(errors.map((e) => e.code)).toEqual([ErrorCodes.QUEUE_FULL, ErrorCodes.RECORD_TOO_LARGE]);
    receiver.hanging[0]!.end();
    await waitUntil(() => transport.stats.sentLines === 2, { what: 'a and d delivered' });
    expect(receiver.requests.map((r) => r.body.toString()[0])).toEqual(['a', 'd']);
  });

  it('stop() delivers what is queued, and gives up at its bound, counting what it dropped', async () => {
    const { receiver, timers, transport } = await setup();
    receiver.answers.push('hang');
    transport.send('stuck');
    transport.send('behind');
    await arrived(receiver, 1);
    const stopped = transport.stop(3_000);
    expect(timers.has(3_000)).toBe(true);
    timers.fire(3_000);
    await stopped;
    expect(transport.stats).toMatchObject({ sentLines: 0, droppedLines: 2, queuedBytes: 0 });
    expect(transport.send('late')).toBe(false);
    expect(transport.stats.droppedLines).toBe(3);
    expect(transport.stop()).toBe(stopped);
  });

  it('stop() resolves as soon as the queue is delivered', async () => {
    const { receiver, timers, transport } = await setup();
    transport.send('last words');
    await transport.stop(60_000);
    expect(receiver.requests).toHaveLength(1);
    expect(timers.pending.size).toBe(0);
    expect(transport.stats.sentLines).toBe(1);
  });

  it('reports a refused connection and retries it', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
    const timers = new FakeTimers();
    const errors: HttpTransportError[] = [];
    const transport = new HttpTransport({ url: `http://127.0.0.1:${port}/`, timers, random: () => 1, onError: (e) => errors.push(e), retry: { maxAttempts: 2 } });
    transport.send('x');
    await waitUntil(() => errors.length === 1);
    expect(errors[0]).toMatchObject({ code: ErrorCodes.CONNECTION_FAILED, willRetry: true, retryInMs: 1_000 });
    timers.fire(1_000);
    await waitUntil(() => errors.length === 2);
    expect(errors[1]).toMatchObject({ code: ErrorCodes.CONNECTION_FAILED, willRetry: false });
    expect(transport.stats).toMatchObject({ droppedLines: 1, errors: 2 });
    await transport.stop(0);
  });

  it('hands every 2xx response to onResponse, and survives a throwing handler', async () => {
    const seen: number[] = [];
    const { receiver, transport } = await setup({
      onResponse: (r) => {
        seen.push(r.status);
        throw new Error('handler bug');
      },
    });
    receiver.answers.push({ status: 202, body: 'ok' });
    transport.send('1');
    transport.send('2');
    await waitUntil(() => transport.stats.sentLines === 2);
    expect(seen).toEqual([202, 200]);
  });
});

describe('retry policy', () => {
  it('reads Retry-After as seconds or an HTTP date, bounded', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter(['12'], now)).toBe(12_000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('99999', now)).toBe(300_000);
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
  });

  it('doubles the backoff up to its bound, jittered between half and all of it', () => {
    const policy = { maxAttempts: 5, initialBackoffMs: 1_000, maxBackoffMs: 5_000 };
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, policy.initialBackoffMs, policy.maxBackoffMs, () => 0.999_999))).toEqual([1_000, 2_000, 4_000, 5_000]);
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, policy.initialBackoffMs, policy.maxBackoffMs, () => 0))).toEqual([500, 1_000, 2_000, 2_500]);
  });
});

describe('HttpTransport options', () => {
  const url = 'http://127.0.0.1:9/';
  const cases: [string, unknown][] = [
    ['url', 'ftp://example.com/'],
    ['url', 'not a url'],
    ['url', 42],
    ['headers', { 'bad header': 'x' }],
    ['headers', { ok: 'line\nbreak' }],
    ['headers', { ok: 5 }],
    ['headers', 'x=y'],
    ['contentType', ''],
    ['contentType', 7],
    ['compression', 'br'],
    ['timeoutMs', 0],
    ['timeoutMs', 1.5],
    ['timeoutMs', '100'],
    ['retry', { maxAttempts: 0 }],
    ['retry', { initialBackoffMs: -1 }],
    ['retry', { maxBackoffMs: 'x' }],
    ['retry', 3],
    ['maxQueueBytes', 0],
    ['maxQueueBytes', Number.POSITIVE_INFINITY],
    ['onError', 'log'],
    ['onResponse', {}],
    ['timers', { setTimeout }],
    ['random', 0.5],
  ];
  for (const [key, value] of cases) {
    it(`rejects ${key}: ${JSON.stringify(value) ?? String(value)}`, () => {
      expect(() => new HttpTransport({ url, [key]: value })).toThrow(
        expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }),
      );
    });
  }

  it('requires a url', () => {
    expect(() => new HttpTransport({} as HttpTransportOptions)).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
  });

  it('rejects an unknown key with a suggestion', () => {
    expect(() => new HttpTransport({ url, timeout: 5 } as never)).toThrow(
      expect.objectContaining({ code: ErrorCodes.UNKNOWN_OPTION, suggestion: 'timeoutMs' }),
    );
    expect(() => new HttpTransport({ url, retry: { maxAtempts: 2 } } as never)).toThrow(
      expect.objectContaining({ code: ErrorCodes.UNKNOWN_OPTION, suggestion: 'maxAttempts' }),
    );
  });
});
