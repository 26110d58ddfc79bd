/**
 * Where an aggregator hears from its workers: `node:cluster` IPC (every worker, present
 * and future), worker_threads (each worker's port), and a socket server for processes
 * with no common parent. Each source turns channels into {@link Link}s of the fleet
 * state and tells it when a link closes.
 *
 * @module
 * @internal
 */

import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import { existsSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { MessagePort, type Worker as ThreadWorker } from 'node:worker_threads';
import type { FleetState, Link } from './fleet-state.js';
import { encodeFrame, FrameReader } from './framing.js';
import { isTapemeasureMessage, PROTOCOL_VERSION } from './protocol.js';

/** A source of frames: detached on stop. @internal */
export interface Source {
  /** Stops listening. */
  close(): Promise<void>;
}

/**
 * Hands an IPC or port message to the fleet if it is ours; other messages are left alone.
 * `done` is called once the fleet is done with its frame (applied or dropped).
 */
function onMessage(fleet: FleetState, message: unknown, link: Link, done?: () => void): void {
  if (!isTapemeasureMessage(message)) return;
  if (message.tapemeasure !== PROTOCOL_VERSION) {
    fleet.drop('version', `a message of protocol version ${JSON.stringify(message.tapemeasure) ?? 'undefined'}`);
    done?.();
    return;
  }
  fleet.receive(message.frame, link, done);
}

/**
 * Every `node:cluster` worker of this primary.
 *
 * @internal
 */
export class ClusterSource implements Source {
  readonly #links = new WeakMap<ClusterWorker, Link>();
  readonly #onMessage: (worker: ClusterWorker, message: unknown) => void;
  readonly #onExit: (worker: ClusterWorker) => void;

  constructor(fleet: FleetState) {
    const linkOf = (worker: ClusterWorker): Link => {
      let link = this.#links.get(worker);
      if (link === undefined) {
        link = { reconnects: false };
        this.#links.set(worker, link);
      }
      return link;
    };
    this.#onMessage = (worker, message) => {
      onMessage(fleet, message, linkOf(worker));
    };
    this.#onExit = (worker) => {
      const link = this.#links.get(worker);
      if (link !== undefined) fleet.closeLink(link);
    };
    cluster.on('message', this.#onMessage);
    cluster.on('exit', this.#onExit);
  }

  close(): Promise<void> {
    cluster.off('message', this.#onMessage);
    cluster.off('exit', this.#onExit);
    return Promise.resolve();
  }
}

/**
 * worker_threads workers, added one by one.
 *
 * @internal
 */
export class ThreadSource implements Source {
  readonly #fleet: FleetState;
  readonly #detach = new Map<ThreadWorker, () => void>();

  constructor(fleet: FleetState) {
    this.#fleet = fleet;
  }

  add(worker: ThreadWorker): void {
    if (this.#detach.has(worker)) return;
    const link: Link = { reconnects: false };
    // The forwarder's port for "done with a frame" (PortChannel: its backlog), sent with its first frame.
    let ackPort: MessagePort | null = null;
    const message = (m: unknown): void => {
      const port = typeof m === 'object' && m !== null ? (m as { ackPort?: unknown }).ackPort : undefined;
      if (port instanceof MessagePort) {
        ackPort?.close(); // a new forward() in that thread: the old one's channel is gone
        ackPort = port;
      }
      const to = ackPort;
      onMessage(this.#fleet, m, link, to === null ? undefined : () => {
        to.postMessage(0);
      });
    };
    const exit = (): void => {
      this.#detach.delete(worker);
      worker.off('message', message);
      ackPort?.close();
      this.#fleet.closeLink(link);
    };
    worker.on('message', message);
    worker.once('exit', exit);
    this.#detach.set(worker, () => {
      ackPort?.close();
      worker.off('message', message);
      worker.off('exit', exit);
    });
  }

  close(): Promise<void> {
    for (const detach of this.#detach.values()) detach();
    this.#detach.clear();
    return Promise.resolve();
  }
}

/** Where a socket source listens. @internal */
export type ListenTarget = { readonly path: string } | { readonly port: number; readonly host: string };

/** Whether a Unix socket path has a live server behind it. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => {
      resolve(false);
    });
  });
}

/**
 * A socket server: each connection is a link whose sessions may reconnect.
 *
 * @internal
 */
export class SocketSource implements Source {
  readonly #server: Server;
  readonly #connections = new Set<Socket>();
  /** Resolves when listening; rejects with the listen error. */
  readonly ready: Promise<void>;

  constructor(fleet: FleetState, target: ListenTarget, maxMessageBytes: number) {
    this.#server = createServer((socket) => {
      this.#connections.add(socket);
      socket.unref();
      const link: Link = {
        reconnects: true,
        ack(session, seq) {
          if (socket.writable) socket.write(encodeFrame(JSON.stringify({ tapemeasure: PROTOCOL_VERSION, type: 'ack', session, seq })));
        },
      };
      const reader = new FrameReader(
        maxMessageBytes,
        (frame) => {
          fleet.receive(frame, link);
        },
        (bytes) => {
          fleet.drop('too_large', `a frame of ${bytes} bytes, larger than maxMessageBytes (${maxMessageBytes})`);
        },
      );
      socket.on('data', (chunk: Buffer) => {
        reader.push(chunk);
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.#connections.delete(socket);
        fleet.closeLink(link);
      });
    });
    this.#server.on('error', () => undefined);
    this.ready = this.#listen(target);
    this.ready.catch(() => undefined);
  }

  async #listen(target: ListenTarget): Promise<void> {
    // A socket file left by an aggregator that died is removed; one with a live server is not.
    if ('path' in target && existsSync(target.path) && !(await answers(target.path))) unlinkSync(target.path);
    await new Promise<void>((resolve, reject) => {
      const fail = (error: Error): void => {
        reject(error);
      };
      this.#server.once('error', fail);
      const done = (): void => {
        this.#server.off('error', fail);
        this.#server.unref();
        resolve();
      };
      if ('path' in target) this.#server.listen(target.path, done);
      else this.#server.listen(target.port, target.host, done);
    });
  }

  /** The address listened on: the path, or the TCP port. */
  get address(): string | number | null {
    const a = this.#server.address();
    if (a === null) return null;
    return typeof a === 'string' ? a : a.port;
  }

  async close(): Promise<void> {
    for (const socket of this.#connections) socket.destroy();
    await new Promise<void>((resolve) => {
      if (!this.#server.listening) {
        resolve();
        return;
      }
      this.#server.close(() => {
        resolve();
      });
    });
  }
}
