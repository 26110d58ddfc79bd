import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { HttpRecorder, markError, safeName, type HttpMetricsOptions, type RouteResolution } from '../../../src/integrations/http/recorder.js';
import type { Timer } from '../../../src/metrics/timer.js';
import { Registry } from '../../../src/registry/registry.js';

/** A request/response pair over no socket; the test emits 'finish' or 'close' itself. */
function exchange(method: string, rawHeaders: string[] = []): [IncomingMessage, ServerResponse] {
  const req = new IncomingMessage(new Socket());
  req.method = method;
  req.rawHeaders = rawHeaders;
  return [req, new ServerResponse(req)];
}

function recorder(options: HttpMetricsOptions, route: RouteResolution = '/r/:id'): HttpRecorder {
  return new HttpRecorder(options, 'test', () => route);
}

describe('HttpRecorder', () => {
  it('ends exactly once whatever the order of finish and close', () => {
    const registry = new Registry({ clock: new ManualClock() });
    const r = recorder({ registry });
    const [req, res] = exchange('GET');
    r.begin(req, res, res);
    r.begin(req, res, res); // a second integration on the same response is ignored
    expect(r.inFlight.value).toBe(1);
    res.emit('finish');
    res.emit('close');
    res.emit('finish');
    expect((registry.get('http._2Fr_2F_3Aid.requests', { method: 'GET', status: '2xx' }) as Timer).count).toBe(1);
    expect(r.inFlight.value).toBe(0);
  });

  it('tags status codes, and puts impossible codes and unknown methods in bounded buckets', () => {
    const registry = new Registry();
    const r = recorder({ registry, statusTag: 'code' });
    for (const [method, status] of [['GET', 204], ['BREW', 418], ['GET', 1234]] as const) {
      const [req, res] = exchange(method);
      r.begin(req, res, res);
      res.statusCode = status;
      res.emit('finish');
    }
    const tags = [...registry.metrics()].filter((m) => m.type === 'timer').map((m) => m.tags);
    expect(tags).toEqual([
      { method: 'GET', status: '204' },
      { method: 'OTHER', status: '418' },
      { method: 'GET', status: 'other' },
    ]);
  });

  it('with statusTag none and methodTag false, unmatched is one untagged series', () => {
    const registry = new Registry();
    const r = new HttpRecorder({ registry, statusTag: 'none', methodTag: false }, 'test', () => undefined);
    for (const method of ['GET', 'POST', 'PATCH']) {
      const [req, res] = exchange(method, ['Content-Length', '12']);
      r.begin(req, res, res);
      markError(res);
      res.emit('close'); // aborted
    }
    expect([...registry.metrics()].map((m) => `${m.name} ${JSON.stringify(m.tags)}`)).toEqual([
      'http.in_flight {}',
      'http.unmatched.requests {}',
      'http.unmatched.request_bytes {}',
      'http.unmatched.errors {}',
      'http.unmatched.aborted {}',
    ]);
    expect((registry.get('http.unmatched.aborted') as unknown as { count: number }).count).toBe(3);
  });

  it('times with the injected clock', () => {
    const clock = new ManualClock();
    const registry = new Registry({ clock });
    const r = recorder({ registry });
    const [req, res] = exchange('GET');
    r.begin(req, res, res);
    clock.advance(42);
    res.emit('finish');
    expect((registry.get('http._2Fr_2F_3Aid.requests', { method: 'GET', status: '2xx' }) as Timer).statistics().max).toBe(42);
  });
});

describe('long templates', () => {
  it('are cut and hashed so that every series name stays valid and distinct', () => {
    const registry = new Registry();
    const long = (tail: string) => `/${'segment/:param/'.repeat(20)}${tail}`;
    for (const tail of ['a', 'b']) {
      const r = new HttpRecorder({ registry }, 'test', () => long(tail));
      const [req, res] = exchange('GET', ['Content-Length', '3']);
      r.begin(req, res, res);
      res.setHeader('content-length', '5');
      res.emit('finish');
    }
    const names = [...registry.metrics()].map((m) => m.name).filter((n) => n !== 'http.in_flight');
    expect(names).toHaveLength(6);
    for (const n of names) expect(n.split('.')[1]!.length).toBeLessThanOrEqual(255);
    expect(new Set(names.map((n) => n.split('.')[1])).size).toBe(2);
  });
});

describe('safeName', () => {
  it('keeps valid segments and encodes the others', () => {
    expect(safeName('api.users')).toBe('api.users');
    expect(safeName('api./users/:id')).toBe('api._2Fusers_2F_3Aid');
    expect(safeName('a..b')).toBe('a._.b');
    expect(safeName('x.a|b\nc')).toBe('x.a_7Cb_0Ac');
    const long = safeName(`${'s'.repeat(300)}.${'t.'.repeat(600)}u`);
    expect(long.length).toBeLessThanOrEqual(1024 - '.response_bytes'.length);
    expect(long.split('.')[0]!.length).toBe(255);
    expect(long).toMatch(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/);
  });
});
