import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests reach 127.0.0.1 only (test/helpers/loopback-guard.ts).
    setupFiles: ['./test/helpers/loopback-guard.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // The machine has two cores and most tests start worker threads and child processes.
    maxWorkers: 2,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
})
