/**
 * An in-process fleet for the merge tests: N worker registries, each with a Forwarder
 * whose channel hands frames straight to one FleetState (what aggregate() runs over
 * IPC), all on ManualClocks. `push()` pushes every worker and waits for the merge.
 */
import { ManualClock, Registry } from '../../src/index.js';
import { LocalChannel, type Channel } from '../../src/cluster/channel.js';
import { FleetRegistry } from '../../src/cluster/fleet-registry.js';
import { FleetState, type Link } from '../../src/cluster/fleet-state.js';
import { Forwarder } from '../../src/cluster/forwarder.js';
import type { MetricsError } from '../../src/errors.js';

export type LocalWorker = {
  readonly registry: Registry;
  readonly clock: ManualClock;
  readonly link: Link;
  forwarder: Forwarder;
  /** Every frame this worker sent, in order. */
  readonly frames: Uint8Array[];
};

export type LocalFleet = {
  readonly state: FleetState;
  readonly view: FleetRegistry;
  readonly clock: ManualClock;
  readonly workers: LocalWorker[];
  /** Pushes every worker (or those given) and waits until the fleet merged it all. */
  push(...workers: LocalWorker[]): Promise<void>;
  /** Replaces a worker's forwarder by a new one (a restarted process under the same id). */
  restart(worker: LocalWorker): void;
  stop(): Promise<void>;
};

export function localFleet(n: number, options: { maxMessageBytes?: number; errors?: MetricsError[] } = {}): LocalFleet {
  const clock = new ManualClock();
  const state = new FleetState({
    registry: new Registry({ clock }),
    maxMessageBytes: 1 << 20,
    staleAfterMs: 3_000,
    sessionTtlMs: 60_000,
    nowMs: () => clock.monotonicMs(),
  });
  const view = new FleetRegistry(state.registry);
  const make = (w: Omit<LocalWorker, 'forwarder'>, id: string): Forwarder => {
    const channel: Channel = new LocalChannel((frame) => {
      w.frames.push(frame);
      state.receive(frame, w.link);
    });
    return new Forwarder({
      registry: w.registry,
      channel,
      worker: id,
      intervalMs: 1_000_000,
      maxMessageBytes: options.maxMessageBytes ?? 262_144,
      perWorker: (m) => m.name.startsWith('runtime.'),
      onError: (e) => options.errors?.push(e),
    });
  };
  const workers: LocalWorker[] = [];
  for (let i = 0; i < n; i++) {
    const wclock = new ManualClock();
    const base = { registry: new Registry({ clock: wclock }), clock: wclock, link: { reconnects: false }, frames: [] };
    const w = { ...base, forwarder: make(base, String(i + 1)) };
    workers.push(w);
  }
  return {
    state,
    view,
    clock,
    workers,
    async push(...which) {
      for (const w of which.length > 0 ? which : workers) await w.forwarder.push();
      await state.settled();
    },
    restart(w) {
      w.forwarder = make(w, w.forwarder.worker);
    },
    async stop() {
      for (const w of workers) await w.forwarder.stop();
      await state.settled();
    },
  };
}
