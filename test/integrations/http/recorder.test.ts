import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import type { HttpMetricsOptions } from '../../../src/integrations/http/options.js';
import { HttpRecorder, type RouteResolution } from '../../../src/integrations/http/recorder.js';
import { markError } from '../../../src/integrations/http/request-state.js';
import { Registry } from '../../../src/registry/registry.js';
import { Series, seriesList } from '../http-helpers.js';

/** A request/response pair over no socket; the test emits 'finish' or 'close' itself. */
function exchange(method: string, rawHeaders: string[] = []): [IncomingMessage, ServerResponse] {
  const req = new IncomingMessage(new Socket());
  req.method = method;
  req.rawHeaders = rawHeaders;
  return [req, new ServerResponse(req)];
}

function recorder(options: HttpMetricsOptions, route: RouteResolution | (() => RouteResolution) = '/r/:id'): HttpRecorder {
  return new HttpRecorder(options, 'test', typeof route === 'function' ? route : () => route);
}

function request(r: HttpRecorder, method = 'GET', status = 200, end: 'finish' | 'close' = 'finish', rawHeaders?: string[]): ServerResponse {
  const [req, res] = exchange(method, rawHeaders);
  r.begin(req, res, res);
  res.statusCode = status;
  res.emit(end);
  return res;
}

const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
/** The codes of the warnings emitted so far in this test. */
const warnings = (): unknown[] => emitWarning.mock.calls.map((call) => (call[1] as { code?: string } | undefined)?.code);
afterEach(() => {
  emitWarning.mockClear();
});

describe('HttpRecorder', () => {
  it('ends exactly once whatever the order of finish and close', () => {
    const registry = new Registry({ clock: new ManualClock() });
    const r = recorder({ registry });
    const [req, res] = exchange('GET');
    r.begin(req, res, res);
    r.begin(req, res, res); // a second integration on the same response is ignored
    expect(r.activeRequests.value).toBe(1);
    res.emit('finish');
    res.emit('close');
    res.emit('finish');
    expect(new Series(registry).requests({ route: '/r/:id', method: 'GET', status: '2xx' })?.count).toBe(1);
    expect(r.activeRequests.value).toBe(0);
  });

  it('tags status codes, and puts impossible codes and unknown methods in bounded values', () => {
    const registry = new Registry();
    const r = recorder({ registry, statusTag: 'code' });
    request(r, 'GET', 204);
    request(r, 'BREW', 418);
    request(r, 'GET', 1234);
    const tags = [...registry.metrics()].filter((m) => m.type === 'timer').map((m) => m.tags);
    expect(tags).toEqual([
      { method: 'GET', route: '/r/:id', status: '204' },
      { method: 'OTHER', route: '/r/:id', status: '418' },
      { method: 'GET', route: '/r/:id', status: 'other' },
    ]);
  });

  it("with statusTag 'none' and methodTag false, unmatched is one series per measurement", () => {
    const registry = new Registry();
    const r = recorder({ registry, statusTag: 'none', methodTag: false }, () => undefined);
    for (const method of ['GET', 'POST', 'PATCH']) {
      const [req, res] = exchange(method, ['Content-Length', '12']);
      r.begin(req, res, res);
      markError(res);
      res.emit('close'); // aborted
    }
    expect(seriesList(registry)).toEqual([
      'http.server.active_requests{}',
      'http.server.errors{route=unmatched}',
      'http.server.request_bytes{route=unmatched}',
      'http.server.requests{route=unmatched}',
    ]);
    expect(new Series(registry).errors({ route: 'unmatched' })?.count).toBe(3);
  });

  it('times with the injected clock', () => {
    const clock = new ManualClock();
    const registry = new Registry({ clock });
    const r = recorder({ registry });
    const [req, res] = exchange('GET');
    r.begin(req, res, res);
    clock.advance(42);
    res.emit('finish');
    expect(new Series(registry).requests({ route: '/r/:id', method: 'GET', status: '2xx' })!.statistics().max).toBe(42);
  });

  it("with dimensions 'name', writes route, method and status as readable segments", () => {
    const registry = new Registry();
    const r = recorder({ registry, dimensions: 'name', prefix: 'web' });
    request(r, 'GET', 200, 'finish', ['Content-Length', '3']);
    request(r, 'DELETE', 503);
    expect(seriesList(registry)).toEqual([
      'web.active_requests{}',
      'web.r._id.DELETE.5xx.requests{}',
      'web.r._id.GET.2xx.request_bytes{}',
      'web.r._id.GET.2xx.requests{}',
    ]);
  });

  it("with dimensions 'name' and no route function, leaves the route out of the name", () => {
    const registry = new Registry();
    const r = recorder({ registry, dimensions: 'name' }, null);
    request(r, 'PUT', 201);
    expect(seriesList(registry)).toEqual(['http.server.PUT.2xx.requests{}', 'http.server.active_requests{}']);
  });

  it('keeps a route named like a series leaf from colliding with another route (name layout)', () => {
    const registry = new Registry();
    let route = '/users';
    const r = recorder({ registry, dimensions: 'name', methodTag: false, statusTag: 'none' }, () => route);
    request(r);
    route = '/users/requests';
    request(r);
    route = '/active_requests';
    request(r);
    expect(seriesList(registry)).toEqual([
      'http.server._-active__requests.requests{}',
      'http.server.active_requests{}',
      'http.server.users._-requests.requests{}',
      'http.server.users.requests{}',
    ]);
    expect(warnings()).toEqual([]);
  });

  it('sends a template spelled like a special route to other_routes, with a warning', () => {
    const registry = new Registry();
    const r = recorder({ registry }, 'unmatched');
    request(r);
    request(r);
    expect(new Series(registry).requests({ route: 'other_routes', method: 'GET', status: '2xx' })?.count).toBe(2);
    expect(warnings()).toEqual(['ERR_TAPEMEASURE_HTTP_RECORD_FAILED']);
  });

  it('warns once (HTTP_RECORD_FAILED) and records nothing more when the registry refuses a series', () => {
    const registry = new Registry();
    registry.counter('http.server.requests'); // the name holds a counter: every timer is refused
    const r = recorder({ registry });
    request(r);
    request(r);
    request(r, 'POST');
    expect(warnings()).toEqual(['ERR_TAPEMEASURE_HTTP_RECORD_FAILED']); // rate-limited
    expect([...registry.metrics()].filter((m) => m.type === 'timer')).toEqual([]);
    expect(r.activeRequests.value).toBe(0);
  });

  it('cuts and hashes long templates so that every series stays valid and distinct', () => {
    for (const dimensions of ['tags', 'name'] as const) {
      const registry = new Registry();
      let tail = 'a';
      const long = () => `/${'segment/:param/'.repeat(80)}${tail}`;
      const r = recorder({ registry, dimensions }, long);
      request(r, 'GET', 200, 'finish', ['Content-Length', '3']);
      tail = 'b';
      request(r, 'GET', 200, 'finish', ['Content-Length', '3']);
      const timers = [...registry.metrics()].filter((m) => m.type === 'timer');
      expect(timers).toHaveLength(2);
      expect(new Set(timers.map((m) => `${m.name}${JSON.stringify(m.tags)}`)).size).toBe(2);
      expect(warnings()).toEqual([]);
    }
  });

  it('gives any set of templates series that never collide in the name layout (property)', () => {
    const piece = fc.oneof(
      fc.stringMatching(/^[a-z]{1,3}$/),
      fc.constantFrom(':id', 'requests', 'errors', 'GET', '2xx', 'unmatched', 'active_requests', '*', '', '_x'),
    );
    const template = fc.array(piece, { maxLength: 4 }).map((pieces) => `/${pieces.join('/')}`);
    fc.assert(
      fc.property(fc.uniqueArray(template, { maxLength: 12 }), fc.boolean(), (templates, methodTag) => {
        const registry = new Registry();
        let route = '';
        const r = recorder({ registry, dimensions: 'name', methodTag }, () => route);
        for (const t of templates) {
          route = t;
          request(r, 'GET', 200, 'finish', ['Content-Length', '1']);
        }
        expect(warnings()).toEqual([]);
        const timers = [...registry.metrics()].filter((m) => m.type === 'timer');
        expect(timers).toHaveLength(templates.length);
        for (const timer of timers) expect((timer as { count: number }).count).toBe(1);
      }),
      { numRuns: 300 },
    );
  });
});
