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
    for (let seq = 0; seq < total; seq++) {
      ;(seq % 2 === 0 ? log : child).info('record', { seq })
      if (seq % 1000 === 999) await turn()
      // Killed while it drains a backlog; the event loop tells this thread before it logs on (the
      // test below is the case where it does not).
      if (seq === 100_000) await (transportOf(log) as WorkerTransport).killWorker()
    }
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

  it('a caller that logs on without a turn of the event loop after the worker died waits blockTimeoutMs once at most, and loses nothing it does not count', async () => {
    const file = join(tempDir(), 'stall.log')
    const blockTimeoutMs = 300
    const log = createLogger({ destination: file, bufferSize: 1 << 16, blockTimeoutMs })
    log.info('before')
    await log.flush()
    const transport = transportOf(log) as WorkerTransport
    await transport.running()
    const killed = transport.killWorker()
    // The thread stops meanwhile; this thread hears of it only in a later turn of its event loop.
    const until = performance.now() + 200
    while (performance.now() < until) { /* no turn */ }
    const started = performance.now()
    const total = 20_000
    for (let seq = 0; seq < total; seq++) log.info('record', { seq })
    const elapsed = performance.now() - started
    await killed
    log.info('after')
    await log.flush()
    await transport.running()
    const metrics = log.metrics()
    await log.close()

    // The host thread sees the worker's thread gone without its event loop and takes the ring back
    // at once (nothing dropped); if the thread was still stopping, the first record that finds the
    // 64 KiB ring full waits blockTimeoutMs and the rest are dropped at once, counted.
    expect(elapsed).toBeLessThan(blockTimeoutMs * 5)
    expect(metrics.dropped === 0 || metrics.dropped > total / 2, `dropped ${metrics.dropped}`).toBe(true)
    expect(metrics.workerRestarts).toBe(1)
    const records = readRecords(file)
    const seqs = records.filter((record) => record.msg === 'record').map((record) => record.seq)
    expect(seqs.length).toBe(total - metrics.dropped)
    expect(seqs).toEqual([...seqs.keys()])
    expect(records[0].msg).toBe('before')
    expect(records.at(-1)!.msg).toBe('after')
  })
})
