/**
 * Runs ES modules in child Node.js processes, a few at a time, each with a deadline.
 * Modules that name the same fixed port (`port: 9464`, `127.0.0.1:8125`) never run at
 * the same time, so two snippets that listen on one port cannot collide.
 */

import { execFile } from 'node:child_process';
import { dirname } from 'node:path';

/** How one module's run ended. */
export type RunResult = {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
};

/** The fixed (non-zero) ports a module's source names. */
export function fixedPorts(source: string): Set<number> {
  const ports = new Set<number>();
  const pattern = /\b(?:port\s*[:=]\s*|\.listen\(\s*|(?:127\.0\.0\.1|localhost|\[::1\]):)(\d{2,5})\b/g;
  for (const match of source.matchAll(pattern)) {
    const port = Number(match[1]);
    if (port > 0) ports.add(port);
  }
  return ports;
}

/** The environment of a child: this one's, without the test runner's Node.js options. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['NODE_OPTIONS'];
  return env;
}

/** Runs one module with Node.js; never rejects. */
export function runModule(file: string, timeoutMs: number): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--unhandled-rejections=strict', file],
      { cwd: dirname(file), env: childEnv(), timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 8 << 20 },
      (error, stdout, stderr) => {
        const failure = error as (NodeJS.ErrnoException & { killed?: boolean; signal?: string | null }) | null;
        const durationMs = performance.now() - started;
        resolve({
          exitCode: failure === null ? 0 : typeof failure.code === 'number' ? failure.code : null,
          signal: failure?.signal ?? null,
          timedOut: failure?.killed === true && durationMs >= timeoutMs,
          stdout,
          stderr,
          durationMs,
        });
      },
    );
  });
}

type Job = { readonly file: string; readonly ports: Set<number>; readonly resolve: (r: RunResult) => void };

/**
 * Runs modules at most `concurrency` at a time; a module waits while another one that
 * names one of its fixed ports runs.
 */
export class ModuleRunner {
  readonly #concurrency: number;
  readonly #timeoutMs: number;
  readonly #queue: Job[] = [];
  readonly #busyPorts = new Set<number>();
  #running = 0;

  constructor(concurrency: number, timeoutMs: number) {
    this.#concurrency = concurrency;
    this.#timeoutMs = timeoutMs;
  }

  /** Queues `file`; resolves when it has run. `source` is read for fixed ports. */
  run(file: string, source: string): Promise<RunResult> {
    return new Promise((resolve) => {
      this.#queue.push({ file, ports: fixedPorts(source), resolve });
      this.#next();
    });
  }

  #next(): void {
    while (this.#running < this.#concurrency) {
      const index = this.#queue.findIndex((job) => ![...job.ports].some((p) => this.#busyPorts.has(p)));
      if (index < 0) return;
      const [job] = this.#queue.splice(index, 1);
      this.#start(job!);
    }
  }

  #start(job: Job): void {
    this.#running++;
    for (const port of job.ports) this.#busyPorts.add(port);
    void runModule(job.file, this.#timeoutMs).then((result) => {
      this.#running--;
      for (const port of job.ports) this.#busyPorts.delete(port);
      job.resolve(result);
      this.#next();
    });
  }
}
