import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Test files each get a fresh database; two at a time fits a 2-core machine.
    fileParallelism: true,
    maxWorkers: 2,
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
  },
});
