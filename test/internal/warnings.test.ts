import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCodes, MetricsError } from '../../src/errors.js';
import { emitWarning, WARNING_INTERVAL_MS, WARNING_TYPE, WarningLimiter } from '../../src/internal/warnings.js';

type Seen = { readonly name: string; readonly code: string | undefined; readonly message: string };

/** Warnings are emitted on the next tick: collects them with a process 'warning' listener. */
let seen: Seen[] = [];
const listener = (warning: Error & { code?: string }): void => {
  if (warning.name === WARNING_TYPE) seen.push({ name: warning.name, code: warning.code, message: warning.message });
};

/** Lets the warnings emitted so far arrive (process.emitWarning delivers on process.nextTick). */
const delivered = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// Node's own listener prints every warning to stderr: set aside while these tests emit hundreds.
let others: ((warning: Error) => void)[] = [];
beforeEach(() => {
  seen = [];
  others = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', listener);
});
afterEach(async () => {
  await delivered(); // the warnings a test did not wait for arrive here, not at Node's printer
  process.off('warning', listener);
  for (const other of others) process.on('warning', other);
});

const limit = new MetricsError(ErrorCodes.SERIES_LIMIT, 'http.requests reached maxSeriesPerName (100)');
const failed = new MetricsError(ErrorCodes.LISTENER_FAILED, 'a registry listener threw');

/** A limiter on a time source the test moves. */
function limiter(intervalMs?: number): { limiter: WarningLimiter; advance: (ms: number) => void } {
  let now = 1_000;
  return { limiter: new WarningLimiter(intervalMs, () => now), advance: (ms) => void (now += ms) };
}

describe('emitWarning', () => {
  it('emits a TapemeasureWarning with the error code, its message and its cause', async () => {
    emitWarning(new MetricsError(ErrorCodes.SEND_FAILED, 'send failed', { cause: new Error('EPIPE') }));
    await delivered();
    expect(seen).toEqual([{ name: WARNING_TYPE, code: ErrorCodes.SEND_FAILED, message: 'send failed (EPIPE)' }]);
  });

  it('ignores a cause that is not an Error', async () => {
    emitWarning(new MetricsError(ErrorCodes.SEND_FAILED, 'send failed', { cause: 'text' }));
    await delivered();
    expect(seen.map((w) => w.message)).toEqual(['send failed']);
  });
});

describe('WarningLimiter', () => {
  it('emits the first warning at once', async () => {
    const { limiter: l } = limiter();
    expect(l.warn(limit)).toBe(true);
    await delivered();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.code).toBe(ErrorCodes.SERIES_LIMIT);
  });

  it('suppresses the same key within the interval, then says how many it suppressed', async () => {
    const { limiter: l, advance } = limiter(1_000);
    expect(l.warn(limit)).toBe(true);
    advance(999);
    expect(l.warn(limit)).toBe(false);
    expect(l.warn(limit)).toBe(false);
    await delivered();
    expect(seen).toHaveLength(1);
    advance(1); // 1000 ms after the first
    expect(l.warn(limit)).toBe(true);
    await delivered();
    expect(seen).toHaveLength(2);
    expect(seen[1]!.message).toContain('(2 more since the last warning)');
    advance(1_000);
    expect(l.warn(limit)).toBe(true); // nothing suppressed since: no count
    await delivered();
    expect(seen[2]!.message).not.toContain('more since');
  });

  it('limits each key apart: by code by default, or by the key given', async () => {
    const { limiter: l } = limiter();
    expect(l.warn(limit)).toBe(true);
    expect(l.warn(failed)).toBe(true); // another code
    expect(l.warn(limit, 'db.queries')).toBe(true); // same code, another key
    expect(l.warn(limit, 'db.queries')).toBe(false);
    expect(l.warn(limit)).toBe(false);
    await delivered();
    expect(seen.map((w) => w.code)).toEqual([ErrorCodes.SERIES_LIMIT, ErrorCodes.LISTENER_FAILED, ErrorCodes.SERIES_LIMIT]);
  });

  it('defaults to one warning per key per minute', () => {
    expect(WARNING_INTERVAL_MS).toBe(60_000);
    const { limiter: l, advance } = limiter();
    l.warn(limit);
    advance(59_999);
    expect(l.warn(limit)).toBe(false);
    advance(1);
    expect(l.warn(limit)).toBe(true);
  });

  it('warns once per key, ever, with an infinite interval', () => {
    const { limiter: l, advance } = limiter(Number.POSITIVE_INFINITY);
    expect(l.warn(limit)).toBe(true);
    advance(1e12);
    expect(l.warn(limit)).toBe(false);
  });

  it('remembers a bounded number of keys, forgetting the one that warned longest ago', async () => {
    const { limiter: l, advance } = limiter(10_000);
    const max = WarningLimiter.MAX_KEYS;
    expect(l.warn(limit, 'first')).toBe(true);
    for (let i = 1; i < max; i++) expect(l.warn(limit, `key-${i}`)).toBe(true);
    advance(10_000);
    expect(l.warn(limit, 'first')).toBe(true); // its interval is over: warned again, now the most recent
    expect(l.warn(limit, 'one-more')).toBe(true); // a new key: 'key-1' (longest ago) is forgotten, not 'first'
    expect(l.warn(limit, 'first')).toBe(false); // still remembered
    expect(l.warn(limit, 'key-1')).toBe(true); // forgotten, so a first warning again
    await delivered();
    expect(seen).toHaveLength(max + 3);
  });

  it('never grows beyond MAX_KEYS however many keys warn', () => {
    const { limiter: l } = limiter();
    const max = WarningLimiter.MAX_KEYS;
    for (let i = 0; i < max * 4; i++) l.warn(limit, `k${i}`);
    // The oldest keys were forgotten: warning with them again emits; the newest are still limited.
    expect(l.warn(limit, `k${max * 4 - 1}`)).toBe(false);
    expect(l.warn(limit, 'k0')).toBe(true);
  });
});
