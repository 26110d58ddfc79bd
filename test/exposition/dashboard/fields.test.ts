import { describe, expect, it } from 'vitest';
import { layoutOf, runtimeRole, unitOfName } from '../../../src/exposition/dashboard/fields.js';

describe('the fields and units the dashboard records', () => {
  it('reads units from names', () => {
    expect(unitOfName('runtime.memory.heap_used_bytes')).toBe('bytes');
    expect(unitOfName('runtime.event_loop.delay_ms')).toBe('ms');
    expect(unitOfName('job.duration_seconds')).toBe('s');
    expect(unitOfName('runtime.cpu.utilization')).toBe('ratio');
    expect(unitOfName('queue.depth')).toBe('');
    expect(unitOfName('sms')).toBe('');
  });

  it('lays out each type with a unit on every field', () => {
    expect(layoutOf('timer', 'db.query')).toEqual({ fields: ['rate', 'p50', 'p99'], units: ['/s', 'ms', 'ms'] });
    expect(layoutOf('counter', 'jobs')).toEqual({ fields: ['rate'], units: ['/s'] });
    expect(layoutOf('meter', 'logins')).toEqual({ fields: ['m1'], units: ['/s'] });
    expect(layoutOf('gauge', 'heap_bytes')).toEqual({ fields: ['value'], units: ['bytes'] });
    expect(layoutOf('histogram', 'upload.bytes')).toEqual({ fields: ['p50', 'p99'], units: ['bytes', 'bytes'] });
    expect(layoutOf('gauge', 'a_bytes')).toBe(layoutOf('gauge', 'b_bytes'));
  });

  it('recognises runtime series under any prefix', () => {
    expect(runtimeRole('runtime.event_loop.delay_ms')).toBe('event_loop_delay');
    expect(runtimeRole('svc.runtime.eventloop.delay')).toBe('event_loop_delay');
    expect(runtimeRole('runtime.event_loop.utilization')).toBe('event_loop_utilization');
    expect(runtimeRole('process.memory.heap_used_bytes')).toBe('heap_used');
    expect(runtimeRole('runtime.memory.heap_total_bytes')).toBe('heap_total');
    expect(runtimeRole('process.memory.rss_bytes')).toBe('rss');
    expect(runtimeRole('runtime.cpu.utilization')).toBe('cpu');
    expect(runtimeRole('runtime.cpu.user_ms')).toBeUndefined();
    expect(runtimeRole('queue.depth')).toBeUndefined();
  });
});
