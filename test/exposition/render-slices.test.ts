// Export at 100,000 series (issue 16): no step of a render may go through every series,
// or the whole body, in one stretch. Each test counts work between event-loop turns
// instead of timing it: a `setImmediate` notes how far the work had gone when it ran.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { renderBody, renderMetrics } from '../../src/exposition/render.js';
import { endpointErrors } from '../../src/exposition/endpoint-error.js';
import { prometheusChunks, type PrometheusSeries } from '../../src/formats/prometheus.js';
import { Registry } from '../../src/registry/registry.js';

/** Burns about `ms` of CPU: an expensive filter, not a wait. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // work
  }
}

describe('a render never goes through every series in one stretch', () => {
  it('yields to the event loop while selecting (an expensive filter over many series)', async () => {
    const registry = new Registry({ clock: new ManualClock() });
    for (let i = 0; i < 60; i++) registry.counter(`c.n${i}`).inc();
    let calls = 0;
    let callsWhenTheLoopRan = -1;
    setImmediate(() => {
      callsWhenTheLoopRan = calls;
    });
    const filter = (): boolean => {
      calls++;
      busy(1);
      return true;
    };
    const text = await renderMetrics({ registry, format: 'prometheus', filter });
    expect(calls).toBe(60);
    expect(text).toContain('c_n59_total 1\n');
    // 60 ms of filtering in 8 ms slices: the loop ran long before the last call.
    expect(callsWhenTheLoopRan).toBeGreaterThanOrEqual(0);
    expect(callsWhenTheLoopRan).toBeLessThan(30);
  });

  it('lets a caller pause while Prometheus groups series by name (an empty chunk every 1,024 series)', () => {
    const series: PrometheusSeries[] = Array.from({ length: 5_000 }, (_, i) => ({
      name: `c.n${i}`,
      tags: {},
      snapshot: { type: 'counter', count: i },
    }));
    const chunks = [...prometheusChunks(series, 'prometheus')];
    const firstFamily = chunks.findIndex((c) => c !== '');
    expect(firstFamily).toBe(4);
    expect(chunks.filter((c) => c !== '')).toHaveLength(5_000);
    expect(chunks.join('')).toContain('c_n4999_total 4999\n');
  });

  it('keeps the body in pieces of about 256 KiB, never joined into one buffer', async () => {
    const registry = new Registry({ clock: new ManualClock() });
    for (let i = 0; i < 8_000; i++) registry.counter(`counters.group${i % 10}.n${i}`, { tags: { route: `/r${i}` } }).inc(i);
    const body = await renderBody({
      registry,
      format: 'prometheus',
      filter: undefined,
      pretty: false,
      prefix: '',
      report: endpointErrors(() => {}),
      aborted: () => false,
    });
    expect(body).not.toBeNull();
    const { parts, bytes } = body!;
    expect(parts.length).toBeGreaterThan(3);
    for (const part of parts) expect(part.length).toBeLessThan(300 * 1024);
    expect(parts.reduce((n, p) => n + p.length, 0)).toBe(bytes);
    const text = Buffer.concat(parts).toString('utf8');
    expect(text).toBe(await renderMetrics({ registry, format: 'prometheus' }));
    expect(text).toContain('counters_group9_n7999_total{route="/r7999"} 7999\n');
  });
});
