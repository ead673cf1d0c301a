import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../dist/src/index.js'
import { processHub } from '../dist/src/hub.js'
import { transportOf } from '../dist/src/logger.js'
import type { WorkerTransport } from '../dist/src/worker-transport.js'
import { readRecords, runFixture, tempDir } from './helpers/files.js'

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

  it('a caller that logs on without a turn of the event loop after the worker died takes its ring back at once: nothing dropped, no blockTimeoutMs wait', async () => {
    const file = join(tempDir(), 'stall.log')
    // The default: a caller that waited for a dead worker would wait 10 s and then drop.
    const log = createLogger({ destination: file, bufferSize: 1 << 16 })
    log.info('before')
    await log.flush()
    const transport = transportOf(log) as WorkerTransport
    await transport.running()
    const killed = transport.killWorker()
    // The thread ends meanwhile; this thread's event loop would say so only after the burst.
    const until = performance.now() + 5000
    while (!processHub().drainGone() && performance.now() < until) { /* no turn */ }
    expect(processHub().drainGone()).toBe(true)
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

    // The worker's thread is gone from /proc/self/task as soon as it ends: the caller sees that when
    // the 64 KiB ring stops moving, takes the ring and writes it itself until the replacement is up.
    expect(elapsed).toBeLessThan(2000)
    expect(metrics).toMatchObject({ written: total + 2, dropped: 0, failed: 0, workerRestarts: 1 })
    const records = readRecords(file)
    expect(records.map((record) => record.msg)).toEqual(['before', ...Array<string>(total).fill('record'), 'after'])
    expect(records.slice(1, -1).map((record) => record.seq)).toEqual([...Array(total).keys()])
  })

  it('a worker thread in a synchronous burst when the drain worker dies hands its ring to the replacement without a turn of its event loop', async () => {
    const file = join(tempDir(), 'thread-burst.log')
    const run = await runFixture('drain-death-burst.mjs', [file, '20000'])
    const result = JSON.parse(run.stdout) as Record<string, number | boolean>
    // Before, the thread waited for the replacement's 'ready', which only its event loop reads.
    expect(result.burstMs).toBeLessThan(2000)
    expect(result).toMatchObject({ logged: 20_000, written: 20_000, failed: 0, dropped: 0, workerRestarts: 1, lines: 20_000, inOrder: true })
    expect(restartLines(run.stderr)).toEqual(['ringlog: the drain worker died; restart 1 starts now'])
  })
})

describe('supervision', () => {
  it('a replacement that dies while starting is replaced, again and again: each restart counted and said once, every record written once, in order', async () => {
    const file = join(tempDir(), 'loop.log')
    const run = await runFixture('drain-crash-loop.mjs', [file, 'up', 'starting', 'starting'])
    const result = JSON.parse(run.stdout) as Record<string, number>
    expect(result).toMatchObject({ logged: 5000, written: 5000, failed: 0, dropped: 0, workerRestarts: 3 })
    expect(restartLines(run.stderr)).toEqual([
      'ringlog: the drain worker died; restart 1 starts now',
      expect.stringMatching(/^ringlog: the drain worker died while starting \(.+\); restart 2 starts now$/),
      expect.stringMatching(/^ringlog: the drain worker died while starting \(.+\); restart 3 starts now$/),
    ])
    expect(readRecords(file).map((record) => record.seq)).toEqual([...Array(5000).keys()])
    // The last burst went to the replacement that came up.
    expect(result.writtenOnCaller).toBeLessThanOrEqual(4000)
  })

  it('a worker that cannot be started at all: after five deaths while starting every thread writes its own records, counted, said once', async () => {
    const file = join(tempDir(), 'failed.log')
    const run = await runFixture('drain-crash-loop.mjs', [file, 'up', ...Array<string>(5).fill('starting')])
    const result = JSON.parse(run.stdout) as Record<string, number>
    // Beyond three deaths in ten seconds each restart waits longer, and says so.
    expect(restartLines(run.stderr).map((line) => line.replace(/ \([^)]*\)(?=[;,])/, ''))).toEqual([
      'ringlog: the drain worker died; restart 1 starts now',
      'ringlog: the drain worker died while starting; restart 2 starts now',
      'ringlog: the drain worker died while starting; restart 3 starts now',
      'ringlog: the drain worker died while starting; restart 4 starts in 100 ms (4 deaths in 10 s)',
      'ringlog: the drain worker died while starting; restart 5 starts in 200 ms (5 deaths in 10 s)',
      'ringlog: the drain worker died while starting, 5 times in a row: every thread writes its own records from now on',
    ])
    expect(result).toMatchObject({ logged: 8000, written: 8000, failed: 0, dropped: 0, workerRestarts: 5, writtenOnCaller: 8000 })
    expect(readRecords(file).map((record) => record.seq)).toEqual([...Array(8000).keys()])
  })
})

const restartLines = (stderr: string): string[] => stderr.split('\n').filter((line) => line.startsWith('ringlog: the drain worker'))
