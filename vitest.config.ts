import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Absolute: processes the tests fork inherit the flag, and may run in another directory.
const GUARD = fileURLToPath(new URL('./test/helpers/loopback-guard.cjs', import.meta.url))

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests reach 127.0.0.1 only (test/helpers/loopback-guard.cjs), from every thread: `--require`
    // runs in the worker threads of each test process too (the drain worker, where SDKs run).
    execArgv: ['--require', GUARD],
    setupFiles: [GUARD],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // The machine has two cores and most tests start worker threads and child processes.
    maxWorkers: 2,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
})
