import { execFileSync, spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../dist/src/index.js'
import { transportOf } from '../dist/src/logger.js'
import type { WorkerTransport } from '../dist/src/worker-transport.js'
import { runFixture, tempDir } from './helpers/files.js'

describe("onFull: 'drop'", () => {
  it('never blocks on a stalled sink, counts every dropped record and reports the count in the output', async () => {
    const fifo = join(tempDir(), 'stalled.fifo')
    execFileSync('mkfifo', [fifo])
    // The reader is `cat`, whose output is not read until later: once the pipes fill, the worker's write blocks.
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] })
    reader.stdout.pause()
    const log = createLogger({ destination: fifo, onFull: 'drop', bufferSize: 64 * 1024 })
    // The worker must own the ring: were the calling thread to drain it, it would block on the FIFO
    // whose reader this very thread feeds.
    await (transportOf(log) as WorkerTransport).running()

    const total = 50_000
    let slowest = 0
    for (let seq = 0; seq < total; seq++) {
      const start = performance.now()
      log.info('record', { seq, pad: 'x'.repeat(100) })
      slowest = Math.max(slowest, performance.now() - start)
    }
    const dropped = log.metrics().dropped
    expect(dropped).toBeGreaterThan(0)
    // Not one call waited for the stalled worker (a blocked call would wait blockTimeoutMs, 10 s): a
    // slowest call of some tens of milliseconds is a garbage collection or the machine being busy.
    expect(slowest).toBeLessThan(1000)

    // Unstall the sink: read everything that comes.
    let text = ''
    const ended = new Promise((resolve) => reader.stdout.on('end', resolve))
    reader.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
    reader.stdout.resume()
    await log.flush()
    await log.close()
    await ended

    const records = text.trim().split('\n').map((line) => JSON.parse(line) as { seq?: number; dropped?: number; msg: string })
    const delivered = records.filter((r) => r.msg === 'record')
    const reports = records.filter((r) => r.dropped !== undefined)
    expect(delivered.length + dropped).toBe(total)
    expect(log.metrics().dropped).toBe(dropped)
    expect(reports.length).toBeGreaterThan(0)
    expect(reports.reduce((sum, r) => sum + (r.dropped ?? 0), 0)).toBe(dropped)
    expect(reports[0]).toMatchObject({ level: 'warn', msg: 'ringlog dropped records: the ring was full' })
    // What got through is in order.
    for (let i = 1; i < delivered.length; i++) expect(delivered[i].seq!).toBeGreaterThan(delivered[i - 1].seq!)
  })
})

describe('memory', () => {
  // Measured from the RSS before createLogger(): a bare Node 20 process is already about 50 MB here,
  // and pino's sync destination alone grows it by about 60 MB on the same loop (bench/RESULTS.md).
  it('grows RSS by less than bufferSize + 100 MB while logging 2,000,000 records as fast as possible', async () => {
    const file = join(tempDir(), 'memory.log')
    const bufferSize = 8 << 20
    const run = await runFixture('memory.mjs', [file, String(bufferSize), '2000000'])
    expect(run.code).toBe(0)
    const { startRss, peakRss, written } = JSON.parse(run.stdout) as { startRss: number; peakRss: number; written: number }
    expect(written).toBe(2_000_000)
    expect(peakRss - startRss).toBeLessThan(bufferSize + 100 * 1024 * 1024)
  })
})

describe.each([true, false])('request contexts (worker: %s)', (worker) => {
  it('a context per record, 1,000,000 of them: the heap after each 200,000 stays where it was', async () => {
    const run = await runFixture('context-churn.mjs', [String(worker), '5', '200000'])
    expect(run.code).toBe(0)
    const heap = JSON.parse(run.stdout) as number[]
    expect(heap.length).toBe(5)
    // Before released contexts were forgotten, each round kept about 60 MB (180 MB here). Now what a
    // slow worker had not read when they were last looked at stays until the next look: a few MB.
    expect(heap[4] - heap[1]).toBeLessThan(30 * 1024 * 1024)
  })
})
