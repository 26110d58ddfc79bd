/**
 * Runs one measurement in a fresh Node.js process: forks `script` with `args`, resolves
 * with the last message it sends (over IPC) once it exits, rejects if it exits without
 * one. `dist` points the child's `fromDist()` at another build (TAPEMEASURE_DIST).
 */

import { fork } from 'node:child_process';
import process from 'node:process';

/**
 * @param script - the path of the child's module.
 * @param args - its arguments.
 * @param options - `{ execArgv, dist, what }`: Node.js flags, another build, a label for errors.
 * @returns the child's last message.
 */
export function childResult(script, args, { execArgv = [], dist, what = script } = {}) {
  return new Promise((resolve, reject) => {
    const child = fork(script, args, {
      execArgv,
      env: dist === undefined ? process.env : { ...process.env, TAPEMEASURE_DIST: dist },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result = null;
    child.on('message', (m) => (result = m));
    child.on('error', reject);
    child.on('exit', (code) => (result === null ? reject(new Error(`${what}: exit ${code}`)) : resolve(result)));
  });
}
