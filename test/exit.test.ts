import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readRecords, runFixture, tempDir } from './helpers/files.js'

function expectSequence(file: string, count: number): void {
  const records = readRecords(file)
  expect(records.length).toBe(count)
  records.forEach((record, i) => expect(record.seq).toBe(i))
}

describe('flush on exit', () => {
  it('writes all 100,000 records when process.exit(0) is called in the same tick', async () => {
    const file = join(tempDir(), 'exit.log')
    const run = await runFixture('log-then.mjs', [file, 'exit', '100000'])
    expect(run.code).toBe(0)
    expectSequence(file, 100_000)
  })

  it('writes all 100,000 records when an uncaught exception ends the process', async () => {
    const file = join(tempDir(), 'throw.log')
    const run = await runFixture('log-then.mjs', [file, 'throw', '100000'])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('uncaught on purpose')
    expectSequence(file, 100_000)
  })

  it('writes all records when the event loop simply runs out', async () => {
    const file = join(tempDir(), 'end.log')
    const run = await runFixture('log-then.mjs', [file, 'end', '100000'])
    expect(run.code).toBe(0)
    expectSequence(file, 100_000)
  })

  it('writes every record on SIGTERM with handleSignals, then dies of the signal', async () => {
    const file = join(tempDir(), 'signal.log')
    const run = await runFixture('log-then.mjs', [file, 'signal', '100000'], (chunk, child) => {
      if (chunk.includes('ready')) child.kill('SIGTERM')
    })
    expect(run.signal).toBe('SIGTERM')
    expectSequence(file, 100_000)
  })

  it('writes the one record logged right after createLogger() when process.exit() follows', async () => {
    const file = join(tempDir(), 'immediate.log')
    const run = await runFixture('log-then.mjs', [file, 'immediate'])
    expect(run.code).toBe(0)
    const records = readRecords(file)
    expect(records).toHaveLength(1)
    expect(records[0]).toMatchObject({ level: 'info', msg: 'only record', seq: 0 })
  })
})
