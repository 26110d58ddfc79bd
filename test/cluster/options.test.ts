import { describe, expect, it } from 'vitest';
import { ErrorCodes, Registry } from '../../src/index.js';
import { aggregate, forward } from '../../src/cluster/index.js';
import { optionTableTests } from '../helpers/option-table.js';

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

describe('aggregate() options, table-driven', () => {
  optionTableTests((options) => aggregate(options as never), {
    bad: {
      cluster: ['yes', 1, null],
      workers: ['w', [{}], [1], {}],
      listen: ['', -1, 65_536, 1.5, {}],
      host: ['', 1],
      primary: [{}, 'default', true],
      intervalMs: [9, 0, 1.5, '1000', 2 ** 31],
      clock: [{}, 'system', 1],
      maxMessageBytes: [1_023, 2 ** 30 + 1, 1.5, '1MB'],
      staleAfterMs: [0, -1, 1.5, '5s'],
      sessionTtlMs: [-1, 1.5, 'long'],
      maxSeriesPerName: [0, -1, 1.5, '10'],
      maxSeries: [0, -1, 1.5, Number.NaN],
    },
    typos: [
      ['workerz', 'workers'],
      ['lisen', 'listen'],
      ['interval', 'intervalMs'],
      ['staleAfter', 'staleAfterMs'],
      ['maxSeriesPerNmae', 'maxSeriesPerName'],
      ['maxseries', 'maxSeries'],
    ],
    notObjects: ['x', 42, [], null],
  });
});

describe('forward() options, table-driven', () => {
  optionTableTests((options) => forward(options as never), {
    bad: {
      registry: [null, {}, 'default'],
      intervalMs: [9, 0, 1.5, '1000'],
      connect: ['', 0, 65_536, 1.5],
      host: ['', 1],
      id: ['', 'x'.repeat(257), 1],
      maxMessageBytes: [1_023, 1.5, '1MB'],
      maxBacklogBytes: [1_023, 1.5, 'big'],
      perWorker: ['runtime.', 1, {}],
      onError: ['log', 1],
    },
    typos: [
      ['intervalMS', 'intervalMs'],
      ['conect', 'connect'],
      ['maxBacklog', 'maxBacklogBytes'],
      ['perworker', 'perWorker'],
    ],
    notObjects: ['x', 42, []],
  });
});
