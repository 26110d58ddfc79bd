import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { protocolCheck, resolveTarget, type TargetSpec } from '../../src/clients/target.js';

const STATSD: TargetSpec<'udp' | 'tcp'> = {
  envPrefix: 'STATSD',
  protocolCheck: protocolCheck('udp', 'tcp'),
  defaultProtocol: 'udp',
  defaultPort: () => 8125,
};
const GRAPHITE: TargetSpec<'tcp' | 'udp' | 'pickle'> = {
  envPrefix: 'GRAPHITE',
  protocolCheck: protocolCheck('tcp', 'udp', 'pickle'),
  defaultProtocol: 'tcp',
  defaultPort: (p) => (p === 'pickle' ? 2004 : 2003),
};

describe('resolveTarget', () => {
  it('prefers options, then the environment, then defaults', () => {
    expect(resolveTarget('T', {}, {}, STATSD)).toEqual({ host: '127.0.0.1', port: 8125, protocol: 'udp', prefix: '' });
    const env = { STATSD_HOST: 'statsd.local', STATSD_PORT: ' 9125 ', STATSD_PROTOCOL: 'TCP', STATSD_PREFIX: 'svc' };
    expect(resolveTarget('T', {}, env, STATSD)).toEqual({ host: 'statsd.local', port: 9125, protocol: 'tcp', prefix: 'svc' });
    expect(resolveTarget('T', { host: 'h', port: 1, protocol: 'udp', prefix: '' }, env, STATSD)).toEqual({
      host: 'h',
      port: 1,
      protocol: 'udp',
      prefix: '',
    });
    expect(resolveTarget('T', {}, { STATSD_HOST: '  ' }, STATSD).host).toBe('127.0.0.1'); // blank is unset
  });

  it('takes the default port from the protocol, wherever the protocol came from', () => {
    expect(resolveTarget('T', {}, { GRAPHITE_PROTOCOL: 'pickle' }, GRAPHITE).port).toBe(2004);
    expect(resolveTarget('T', { protocol: 'udp' }, { GRAPHITE_PROTOCOL: 'pickle' }, GRAPHITE).port).toBe(2003);
    expect(resolveTarget('T', {}, { GRAPHITE_PORT: '2114', GRAPHITE_PROTOCOL: 'pickle' }, GRAPHITE).port).toBe(2114);
  });

  it.each([
    [{ STATSD_PORT: 'abc' }, 'STATSD_PORT'],
    [{ STATSD_PORT: '0' }, 'STATSD_PORT'],
    [{ STATSD_PORT: '8125.5' }, 'STATSD_PORT'],
    [{ STATSD_PROTOCOL: 'http' }, 'STATSD_PROTOCOL'],
    [{ STATSD_HOST: 'a b' }, 'STATSD_HOST'],
  ])('rejects %j, naming %s', (env, variable) => {
    expect(() => resolveTarget('StatsdClient', {}, env, STATSD)).toThrow(
      expect.objectContaining({ code: ErrorCodes.INVALID_OPTION, option: `environment variable ${variable}` }),
    );
  });
});
