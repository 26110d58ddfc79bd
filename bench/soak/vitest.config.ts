import { defineConfig } from 'vitest/config';

/** The soak run's own config (`npm run soak`): one long test, never part of `npm test`. */
export default defineConfig({
  test: {
    include: ['bench/soak/soak.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 30 * 60_000,
    hookTimeout: 120_000,
  },
});
