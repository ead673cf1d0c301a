import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../dist/src/index.js'
import { transportOf } from '../dist/src/logger.js'
import type { WorkerTransport } from '../dist/src/worker-transport.js'
import { readRecords, tempDir } from './helpers/files.js'

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

describe('crash recovery', () => {
  it('replaces a killed drain worker and writes all 200,000 records in order, none twice', async () => {
    const file = join(tempDir(), 'crash.log')
    const log = createLogger({ destination: file, bufferSize: 1 << 20 })
    const child = log.child({ service: 'billing' })
    const total = 200_000
    let killed: Promise<number> | undefined
    for (let seq = 0; seq < total; seq++) {
      ;(seq % 2 === 0 ? log : child).info('record', { seq })
      if (seq % 1000 === 999) await turn()
      if (seq === 100_000) killed = (transportOf(log) as WorkerTransport).killWorker()
    }
    await killed
    await log.flush()
    const metrics = log.metrics()
    await log.close()

    expect(metrics.workerRestarts).toBe(1)
    expect(metrics.written).toBe(total)
    const records = readRecords(file)
    expect(records).toHaveLength(total)
    records.forEach((record, seq) => {
      expect(record.seq).toBe(seq)
      // Bindings sent before the crash are known to the new worker.
      expect(record.service).toBe(seq % 2 === 0 ? undefined : 'billing')
    })
  })
})
