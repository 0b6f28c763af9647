import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-temp.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // 2 cores: thread-heavy integration tests must not run beside each other.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
