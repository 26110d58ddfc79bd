/**
 * The unhandled rejections reported while `body` runs and two turns of the event loop
 * after it (the test runner's own listeners are set aside meanwhile, then restored).
 */
import { setImmediate } from 'node:timers/promises';

export async function unhandledDuring(body: () => void): Promise<unknown[]> {
  const reasons: unknown[] = [];
  const listener = (reason: unknown): void => {
    reasons.push(reason);
  };
  const saved = process.listeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  process.on('unhandledRejection', listener);
  try {
    body();
    await setImmediate();
    await setImmediate();
  } finally {
    process.off('unhandledRejection', listener);
    for (const l of saved) process.on('unhandledRejection', l);
  }
  return reasons;
}
