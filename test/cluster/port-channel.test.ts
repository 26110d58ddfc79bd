import { MessageChannel, type Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Registry, type Counter, type Timer } from '../../src/index.js';
import { aggregate } from '../../src/cluster/index.js';
import { PortChannel } from '../../src/cluster/channel.js';
import { Forwarder } from '../../src/cluster/forwarder.js';
import { waitUntil } from '../helpers/wait.js';

describe('PortChannel: a thread push larger than maxBacklogBytes', () => {
  it('goes out over several turns as the aggregator is done with frames: never more in flight than the bound, nothing dropped', async () => {
    const { port1, port2 } = new MessageChannel();
    // The aggregator's side of the port stands in for the Worker (the same events).
    const fleet = aggregate({ workers: [port2 as unknown as Worker], primary: false, maxSeriesPerName: 1_000 });
    const registry = new Registry({ maxSeriesPerName: 1_000 });
    for (let i = 0; i < 200; i++) {
      const t = registry.timer('op', { tags: { i: String(i) } });
      for (let k = 1; k <= 50; k++) t.update(k * (i + 1));
    }
    const maxBacklogBytes = 4_096;
    const errors: unknown[] = [];
    const channel = new PortChannel(port1, maxBacklogBytes, (e) => errors.push(e));
    let sends = 0;
    let mostInFlight = 0;
    const send = channel.send.bind(channel);
    channel.send = (frame: Uint8Array) => {
      const ok = send(frame);
      sends++;
      mostInFlight = Math.max(mostInFlight, channel.pendingBytes);
      return ok;
    };
    const forwarder = new Forwarder({
      registry, channel, worker: 'w', intervalMs: 60_000, maxMessageBytes: 2_048, perWorker: () => false,
      onError: (e) => errors.push(e),
    });
    try {
      await forwarder.push();
      // The last frames are still on their way when the push resolves: wait for the answers.
      await waitUntil(() => channel.pendingBytes === 0, { what: 'every frame answered' });
      await fleet.settled();
      expect(errors).toEqual([]);
      expect(forwarder.pushesRefused).toBe(0);
      expect(forwarder.bytesSent).toBeGreaterThan(4 * maxBacklogBytes);
      expect(sends).toBe(forwarder.framesSent);
      expect(mostInFlight).toBeLessThanOrEqual(maxBacklogBytes);
      let values = 0;
      for (const m of fleet.registry.metrics()) if (m.name === 'op') values += (m as Timer).count;
      expect(values).toBe(200 * 50);
      for (const m of fleet.registry.metrics()) if (m.name === 'tapemeasure.fleet.dropped') expect((m as Counter).count).toBe(0);
    } finally {
      await forwarder.stop();
      await fleet.stop();
      port1.close();
    }
  });

  it('a thread added to the aggregator after its first frames (lost, never answered) still gets through', async () => {
    const { port1, port2 } = new MessageChannel();
    let lostFrames = 0;
    const lost = (): void => {
      lostFrames++;
    };
    port2.on('message', lost); // frames before the aggregator listens are lost, as a Worker's are
    const registry = new Registry();
    const counters = Array.from({ length: 50 }, (_, i) => registry.counter('c', { tags: { i: String(i) } }));
    const channel = new PortChannel(port1, 1_024, () => undefined);
    // intervalMs bounds a wait for room: short, so that the test does not wait long for answers that never come.
    const forwarder = new Forwarder({
      registry, channel, worker: 'w', intervalMs: 50, maxMessageBytes: 256, perWorker: () => false, onError: () => undefined,
    });
    const fleet = aggregate({ workers: [], primary: false });
    try {
      await forwarder.push(); // its port and first frames go nowhere
      await waitUntil(() => lostFrames === forwarder.framesSent, { what: 'the first frames lost' });
      port2.off('message', lost);
      fleet.addWorker(port2 as unknown as Worker);
      for (const c of counters) c.inc(7);
      // More than the backlog: it waits for answers that never come on the lost port, then sends a new one.
      await forwarder.push();
      await waitUntil(() => channel.pendingBytes === 0, { what: 'the new port answered' });
      expect(forwarder.pushesRefused).toBe(0);
      let total = 0;
      for (const m of fleet.registry.metrics()) if (m.name === 'c') total += (m as Counter).count;
      expect(total).toBe(50 * 7);
    } finally {
      await forwarder.stop();
      await fleet.stop();
      port1.close();
    }
  });
});
