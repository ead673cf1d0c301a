import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../dist/src/index.js'
import { transportOf } from '../dist/src/logger.js'
import type { WorkerTransport } from '../dist/src/worker-transport.js'
import { readRecords, tempDir } from './helpers/files.js'

/** Records of this test in one drain batch (256 KiB of ring), with room to spare. */
const BATCH_RECORDS = 8_000

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

describe('crash recovery', () => {
  it('replaces a killed drain worker and writes all 200,000 records in order, at most the batch in flight twice', async () => {
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
    const records = readRecords(file)
    // A worker killed inside its write of a batch has that batch written again by its successor.
    const again = records.length - total
    expect(again).toBeGreaterThanOrEqual(0)
    expect(again).toBeLessThan(BATCH_RECORDS)
    expect(metrics.written).toBeGreaterThanOrEqual(total)
    const rerun = records.findIndex((record, at) => record.seq !== at)
    if (again > 0) expect(records[rerun].seq).toBe(rerun - again)
    records.forEach((record, at) => {
      const seq = rerun === -1 || at < rerun ? at : at - again
      expect(record.seq).toBe(seq)
      // Bindings sent before the crash are known to the new worker.
      expect(record.service).toBe(seq % 2 === 0 ? undefined : 'billing')
    })
  })
})
