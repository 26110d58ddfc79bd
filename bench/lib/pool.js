/** A worker per library, and a promise-based call into it. */

import { URL } from 'node:url';
import { Worker } from 'node:worker_threads';

const workerUrl = new URL('./worker.js', import.meta.url);

export class LibraryWorker {
  #worker;
  #next = 0;
  #pending = new Map();

  constructor(key, modulePath, options) {
    this.key = key;
    this.#worker = new Worker(workerUrl, { workerData: { key, module: modulePath, options } });
    this.#worker.on('message', ({ id, result, error }) => {
      const p = this.#pending.get(id);
      this.#pending.delete(id);
      if (error !== undefined) p.reject(new Error(`${key}: ${error}`));
      else p.resolve(result);
    });
    this.#worker.on('error', (error) => {
      for (const p of this.#pending.values()) p.reject(error);
      this.#pending.clear();
    });
  }

  call(message) {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...message, id });
    });
  }

  terminate() {
    return this.#worker.terminate();
  }
}
