// Regression: a socket worker that stayed away longer than sessionTtlMs and came back with
// the same session was taken for a new one, and its totals were counted a second time
// (a counter at 10 became 22 when the worker sent its total of 12).
import { describe, expect, it } from 'vitest';
import { Registry, type Counter } from '../../src/index.js';
import { FleetState, type Link } from '../../src/cluster/fleet-state.js';
import { frameBytes } from '../cluster/wire.js';

function frame(seq: number, total: number): Uint8Array {
  return frameBytes({ session: 's1', worker: 'w1', seq, series: [['c', 'jobs', 0, total]] });
}

describe('a socket worker back after its session expired', () => {
  it('continues from the totals it had merged instead of adding them again', async () => {
    let now = 0;
    const registry = new Registry();
    const state = new FleetState({ registry, maxMessageBytes: 1 << 20, staleAfterMs: undefined, sessionTtlMs: 60_000, nowMs: () => now });
    const first: Link = { reconnects: true };
    state.receive(frame(1, 10), first);
    await state.settled();
    expect((registry.get('jobs') as Counter).count).toBe(10);
    state.closeLink(first);
    now += 120_000;
    state.sweep(); // past sessionTtlMs: the session ends
    expect(state.liveCount).toBe(0);
    expect((registry.get('jobs') as Counter).count).toBe(10); // its totals stay
    state.receive(frame(2, 12), { reconnects: true });
    await state.settled();
    expect((registry.get('jobs') as Counter).count).toBe(12);
    expect(state.liveCount).toBe(1);
    state.stop();
  });
});
