import { describe, expect, it } from 'vitest';
import { ErrorCodes, stopOnSignals } from '../../src/index.js';

describe('stopOnSignals options', () => {
  it.each([
    ['signals', 'SIGTERM'],
    ['signals', ['SIGNOPE']],
    ['signals', ['SIGKILL']],
    ['signals', ['SIGSTOP']],
    ['signals', [15]],
    ['reporters', [{}]],
    ['reporters', [null]],
    ['reporters', { stop: () => Promise.resolve() }],
    ['timeoutMs', 0],
    ['timeoutMs', 1.5],
    ['timeoutMs', 2 ** 31],
  ] as const)('rejects %s: %o with INVALID_OPTION, installing nothing', (key, value) => {
    const before = process.listenerCount('SIGTERM');
    expect(() => stopOnSignals({ [key]: value })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });

  it.each([
    ['signal', 'signals'],
    ['reporter', 'reporters'],
    ['timeout', 'timeoutMs'],
  ])('rejects the typo %s, suggesting %s', (typo, suggestion) => {
    expect(() => stopOnSignals({ [typo]: 1 })).toThrow(expect.objectContaining({ code: ErrorCodes.UNKNOWN_OPTION, suggestion }));
  });

  it('installs a listener per signal and removes it', () => {
    const before = process.listenerCount('SIGUSR2');
    const remove = stopOnSignals({ signals: ['SIGUSR2'], reporters: [], timeoutMs: 10 });
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
    remove();
    expect(process.listenerCount('SIGUSR2')).toBe(before);
  });
});
