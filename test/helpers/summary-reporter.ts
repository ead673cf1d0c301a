import type { Reporter, SerializedError, TestModule } from 'vitest/node'

/** Prints the one plain line CI reads: `N passed, N failed`. */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    let passed = 0
    let failed = 0
    let skipped = 0
    for (const module of testModules) {
      let failedHere = 0
      for (const test of module.children.allTests()) {
        const state = test.result().state
        if (state === 'passed') passed++
        else if (state === 'failed') failedHere++
        else skipped++
      }
      // A file or suite that failed outside any test (an error while collecting, a failing hook) leaves its tests skipped: it counts as failed.
      failed += module.state() === 'failed' && failedHere === 0 ? 1 : failedHere
    }
    // Errors outside any file's tests (a test process that died, an unhandled rejection) fail the run too.
    failed += unhandledErrors.length
    // The skipped ones (the real MongoDB server's, without MONGODB_URL) on a line of their own: the last one is CI's, exactly.
    if (skipped > 0) process.stdout.write(`\n${skipped} skipped`)
    process.stdout.write(`\n${passed} passed, ${failed} failed\n`)
  }
}
