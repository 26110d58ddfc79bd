import { describe, expect, it } from 'vitest';
import { ErrorCodes, Registry } from '../../src/index.js';
import { aggregate, forward } from '../../src/cluster/index.js';

describe('cluster options and errors', () => {
  it('forward() with nowhere to send throws ERR_TAPEMEASURE_NO_AGGREGATOR', () => {
    // The test process is a vitest fork with an IPC channel: hide it.
    const send: unknown = Reflect.get(process, 'send');
    Reflect.set(process, 'send', undefined);
    try {
      expect(() => forward({ registry: new Registry() })).toThrow(expect.objectContaining({ code: ErrorCodes.NO_AGGREGATOR }));
    } finally {
      Reflect.set(process, 'send', send);
    }
  });

  it('rejects unknown and bad options with coded errors', () => {
    expect(() => forward({ intervalMS: 5 } as never)).toThrow(expect.objectContaining({ code: ErrorCodes.UNKNOWN_OPTION }));
    expect(() => forward({ intervalMs: 0 })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
    expect(() => aggregate({ listen: -1 })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
    expect(() => aggregate({ primary: {} as never })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
    expect(() => aggregate({ workerz: [] } as never)).toThrow(expect.objectContaining({ code: ErrorCodes.UNKNOWN_OPTION }));
  });

  it('reads the gauge aggregate policy, checks it and keeps it per name', () => {
    const r = new Registry();
    expect(r.gauge('a', { aggregate: 'sum' }).aggregate).toBe('sum');
    expect(r.gauge('a', { tags: { k: 'v' } }).aggregate).toBe('sum'); // a new tag set takes the name's policy
    expect(r.gauge('b').aggregate).toBe('perWorker');
    expect(() => r.gauge('c', { aggregate: 'avg' as never })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
    expect(() => r.gauge('a', { aggregate: 'max' })).toThrow(expect.objectContaining({ code: ErrorCodes.OPTIONS_CONFLICT }));
  });
});
