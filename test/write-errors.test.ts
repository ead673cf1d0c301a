import { describe, expect, it } from 'vitest'
import { runFixture } from './helpers/files.js'

describe('a destination that cannot be written', () => {
  it('counts the records as failed, says so once on stderr, and keeps the process running', async () => {
    const run = await runFixture('write-error.mjs', ['/dev/full'])
    expect(run.code).toBe(0)
    const metrics = JSON.parse(run.stdout) as { written: number; failed: number }
    expect(metrics).toEqual({ written: 0, failed: 1000 })
    const reports = run.stderr.split('\n').filter((line) => line.startsWith('ringlog: cannot write records (ENOSPC)'))
    expect(reports).toHaveLength(1)
  })
})
