import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { PushError } from '../../src/reporters/pushgateway-error.js';
import { retryable, safeUrl, sendOnce } from '../../src/reporters/pushgateway-http.js';
import { systemTimers } from '../../src/reporters/pushgateway-retry.js';

const details = { method: 'put' as const, url: 'http://127.0.0.1:9091/metrics/job/j' };
const pushError = (code: PushError['code'], extra: { status?: number; cause?: unknown } = {}): PushError =>
  new PushError(code, 'x', { ...details, ...extra });

describe('retryable', () => {
  it.each([
    [pushError(ErrorCodes.CONNECTION_FAILED), true],
    [pushError(ErrorCodes.PUSH_TIMEOUT), true],
    [pushError(ErrorCodes.LOOKUP_FAILED, { cause: Object.assign(new Error('x'), { code: 'EAI_AGAIN' }) }), true],
    [pushError(ErrorCodes.LOOKUP_FAILED, { cause: Object.assign(new Error('x'), { code: 'ENOTFOUND' }) }), false],
    [pushError(ErrorCodes.PUSH_REJECTED, { status: 500 }), true],
    [pushError(ErrorCodes.PUSH_REJECTED, { status: 503 }), true],
    [pushError(ErrorCodes.PUSH_REJECTED, { status: 429 }), true],
    [pushError(ErrorCodes.PUSH_REJECTED, { status: 408 }), true],
    [pushError(ErrorCodes.PUSH_REJECTED, { status: 400 }), false],
    [pushError(ErrorCodes.PUSH_REJECTED, { status: 404 }), false],
    [new Error('not ours'), false],
  ])('%s -> %s', (error, expected) => {
    expect(retryable(error)).toBe(expected);
  });
});

describe('sendOnce', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('rejects with PUSH_TIMEOUT at once when the signal aborts', async () => {
    const server = createServer(() => {});
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics/job/j`);
    const controller = new AbortController();
    const sent = sendOnce(
      { url, method: 'put', headers: {}, body: [Buffer.from('x 1\n')], agent: undefined, unref: true },
      60_000,
      systemTimers(true),
      controller.signal,
    );
    controller.abort(new Error('stopping'));
    await expect(sent).rejects.toMatchObject({ code: ErrorCodes.PUSH_TIMEOUT, method: 'put' });
  });

  it('shows URLs without credentials', () => {
    expect(safeUrl(new URL('https://u:p@gw.example:9091/p/metrics/job/j'))).toBe('https://gw.example:9091/p/metrics/job/j');
  });
});
