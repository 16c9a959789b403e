import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests reach only loopback; keep worker count within the 2-core machine.
    maxWorkers: 2,
    // The CLI's local store (.acr-auditor/ in the working directory) would carry findings from one test
    // into the next: tests run it in memory unless they choose a directory (--store DIR).
    env: { AUDITOR_LOCAL_STORE: 'ephemeral' },
  },
});
