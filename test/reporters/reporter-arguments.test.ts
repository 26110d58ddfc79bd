import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { defaultRegistry, ErrorCodes, GraphiteReporter, JsonStreamReporter, Registry, StatsdReporter } from '../../src/index.js';

const sink = (): Writable => new Writable({ write: (_chunk, _encoding, done) => done() });

describe('reporter constructors', () => {
  it('report the default registry when given only options, as users write them', async () => {
    const reporters = [
      new StatsdReporter({ host: '127.0.0.1', port: 9, protocol: 'udp' }),
      new GraphiteReporter({ host: '127.0.0.1', port: 9, protocol: 'udp' }),
      new JsonStreamReporter({ stream: sink() }),
    ];
    for (const reporter of reporters) expect(reporter.registry).toBe(defaultRegistry);
    const own = new Registry();
    expect(new JsonStreamReporter({ registry: own, stream: sink() }).registry).toBe(own);
    await Promise.all(reporters.map((r) => r.stop()));
  });

  it('reject options that are not an object with a coded error', () => {
    expect(() => new GraphiteReporter(42 as never)).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
  });
});
