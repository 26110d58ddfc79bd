/**
 * Exit: real child processes (`node` running a script against the built package) that
 * report to a real UDP receiver in this process. A natural exit runs the final report;
 * `stopOnSignals()` delivers on SIGTERM and exits by the signal; without it, SIGTERM
 * still kills the process at once, as Node.js does by default.
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDist, ROOT } from '../docs/build-dist.js';
import { waitUntil } from '../helpers/wait.js';

const INDEX = pathToFileURL(join(ROOT, 'dist', 'index.js')).href;

let receiver: dgram.Socket;
let port = 0;
const lines: string[] = [];

beforeAll(async () => {
  await ensureDist();
  receiver = dgram.createSocket('udp4');
  receiver.on('message', (message) => {
    for (const line of message.toString('utf8').split('\n')) if (line !== '') lines.push(line);
  });
  await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
  port = receiver.address().port;
}, 120_000);

afterAll(() => {
  receiver.close();
});

type Child = { readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly stdout: string; readonly stderr: string };

/** Runs `body` as an ES module in a child `node`; `onStdout` sees its output as it comes. */
function run(body: string, onStdout?: (text: string, kill: (signal: NodeJS.Signals) => void) => void): Promise<Child> {
  const script = `import * as tapemeasure from ${JSON.stringify(INDEX)};\n` +
    'const { Registry, StatsdReporter, stopOnSignals } = tapemeasure;\n' +
    `const registry = new Registry();\nconst port = ${port};\n${body}`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    onStdout?.(stdout, (signal) => child.kill(signal));
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('a natural exit', () => {
  it('runs the final report of a started reporter', async () => {
    const child = await run(`
      new StatsdReporter({ registry, host: '127.0.0.1', port, prefix: 'exit.natural', env: {} }).start(60_000);
      registry.counter('jobs').inc(7);
    `);
    expect(child).toMatchObject({ code: 0, signal: null, stderr: '' });
    await waitUntil(() => lines.includes('exit.natural.jobs:7|c'), { what: 'the final report of the natural exit' });
  });

  it('runs it once for a reporter only used with report(), and the process still exits', async () => {
    const child = await run(`
      const reporter = new StatsdReporter({ registry, host: '127.0.0.1', port, prefix: 'exit.used', env: {} });
      registry.counter('jobs').inc(2);
      await reporter.report();
      registry.counter('jobs').inc(3);
      let exits = 0;
      process.on('beforeExit', () => { exits++; });
      process.on('exit', () => { console.log('beforeExit ran ' + exits + ' times; reports ' + reporter.stats.reports); });
    `);
    expect(child.code).toBe(0);
    // Once for the final report, once more when it is done (then the process exits).
    expect(child.stdout).toContain('beforeExit ran 2 times; reports 2');
    await waitUntil(() => lines.includes('exit.used.jobs:3|c'), { what: 'the final report of a report()-only reporter' });
    expect(lines.filter((l) => l.startsWith('exit.used.jobs:'))).toEqual(['exit.used.jobs:2|c', 'exit.used.jobs:3|c']);
  });

  it('does nothing with stopOnExit: false', async () => {
    const child = await run(`
      const reporter = new StatsdReporter({ registry, host: '127.0.0.1', port, prefix: 'exit.off', env: {}, stopOnExit: false }).start(60_000);
      registry.counter('jobs').inc(1);
      process.on('exit', () => { console.log('reports ' + reporter.stats.reports); });
    `);
    expect(child.code).toBe(0);
    expect(child.stdout).toContain('reports 0');
  });

  it('is bounded by stopTimeoutMs when the final report hangs', async () => {
    const started = performance.now();
    const child = await run(`
      new StatsdReporter({ registry, host: '127.0.0.1', port, prefix: 'exit.hang', env: {}, stopTimeoutMs: 300, onError: () => {} }).start(60_000);
      registry.gauge('hangs', () => new Promise(() => {}), { timeoutMs: 60_000 });
      registry.counter('jobs').inc(4);
    `);
    expect(child.code).toBe(0);
    expect(performance.now() - started).toBeLessThan(15_000);
    await waitUntil(() => lines.includes('exit.hang.jobs:4|c'), { what: 'the counter of the final report' });
  });
});

describe('signals', () => {
  const keepAlive = `setInterval(() => {}, 1_000); console.log('ready');`;

  it('stopOnSignals(): SIGTERM sends the final report, then the process dies of SIGTERM', async () => {
    const child = await run(
      `
      new StatsdReporter({ registry, host: '127.0.0.1', port, prefix: 'signal.on', env: {} }).start(60_000);
      registry.counter('jobs').inc(5);
      stopOnSignals();
      ${keepAlive}
    `,
      (out, kill) => {
        if (out.includes('ready')) kill('SIGTERM');
      },
    );
    expect(child).toMatchObject({ code: null, signal: 'SIGTERM' });
    await waitUntil(() => lines.includes('signal.on.jobs:5|c'), { what: 'the final report on SIGTERM' });
  });

  it('stopOnSignals() leaves exiting to another listener of the signal', async () => {
    const child = await run(
      `
      const reporter = new StatsdReporter({ registry, host: '127.0.0.1', port, prefix: 'signal.own', env: {} }).start(60_000);
      registry.counter('jobs').inc(6);
      stopOnSignals({ reporters: [reporter] });
      process.on('SIGTERM', () => { setTimeout(() => process.exit(3), 200); });
      ${keepAlive}
    `,
      (out, kill) => {
        if (out.includes('ready')) kill('SIGTERM');
      },
    );
    expect(child).toMatchObject({ code: 3, signal: null });
    await waitUntil(() => lines.includes('signal.own.jobs:6|c'), { what: 'the final report before the own listener exits' });
  });

  it('without stopOnSignals(), SIGTERM kills at once and sends nothing', async () => {
    const child = await run(
      `
      new StatsdReporter({ registry, host: '127.0.0.1', port, prefix: 'signal.off', env: {} }).start(60_000);
      registry.counter('jobs').inc(8);
      ${keepAlive}
    `,
      (out, kill) => {
        if (out.includes('ready')) kill('SIGTERM');
      },
    );
    expect(child).toMatchObject({ code: null, signal: 'SIGTERM' });
    // A datagram sent by the child would have arrived before its exit was seen here:
    // check the receiver once the other tests' lines are in.
    expect(lines.some((l) => l.startsWith('signal.off.'))).toBe(false);
  });
});
